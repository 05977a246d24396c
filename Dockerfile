# The accounts service: built with Go, run from a distroless image as a non-root user.
#   docker build -t camcloud/accounts .
#   docker run camcloud/accounts --help
# docker-compose.yml runs it with KurrentDB (events) and PostgreSQL (read models).

FROM golang:1.26 AS build
# go.mod may ask for a newer 1.26 patch than the image has; fetch it instead of failing.
ENV GOTOOLCHAIN=auto CGO_ENABLED=0
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
# Only the Go packages: the checkout's .data/ (private PostgreSQL clusters) stays out.
COPY adapters ./adapters
COPY cmd ./cmd
COPY commands ./commands
COPY domain ./domain
COPY eventstore ./eventstore
COPY internal ./internal
COPY projections ./projections
RUN go build -trimpath -ldflags="-s -w" -o /out/accounts ./cmd/accounts && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/accounts /usr/local/bin/accounts
# The data folder holds the link-signing key (unless ACCOUNTS_TOKEN_KEY is set) and, without
# SMTP settings, the mail outbox; mount a volume there.
COPY --from=build --chown=65532:65532 /out/data /data
ENV ACCOUNTS_HTTP_ADDR=0.0.0.0:8080 \
    ACCOUNTS_DATA_DIR=/data
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/accounts"]
CMD ["serve"]
