package httpapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/command"
)

type principalKey struct{}

// authenticated lets a request through only with a valid bearer token, and hands its principal
// to the handler.
func (s *server) authenticated(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// The scheme name is case-insensitive (RFC 9110, section 11.1).
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			s.writeError(w, r, access.ErrUnauthenticated)
			return
		}
		p, err := s.Identity.Authenticate(r.Context(), strings.TrimSpace(token))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	}
}

func principal(r *http.Request) access.Principal {
	p, _ := r.Context().Value(principalKey{}).(access.Principal)
	return p
}

// origin is the metadata a request's events carry: the signed-in user (if any) and the request
// ID as correlation.
func origin(r *http.Request) command.Origin {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	return command.By(principal(r), id)
}

// clientAddress is the peer's IP address. The service does not trust X-Forwarded-For: behind a
// proxy, the proxy should be configured to rate-limit sign-ins itself.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// settle waits until the read models have applied a command's events, so the caller's next
// request (authenticated through the identity read model) sees them. A wait that times out is
// not an error: the command is done, only its read side lags.
func (s *server) settle(r *http.Request, res command.Result, models ...string) {
	if res.Position == (command.Result{}).Position {
		return
	}
	err := s.Checkpoints.WaitFor(r.Context(), res.Position, s.MaxWait, models...)
	if err != nil && !errors.Is(err, context.Canceled) {
		s.Logger.Warn("read models lag behind a command", "position", res.Position.String(), "error", err)
	}
}

// retryAfterSeconds rounds a wait up to whole seconds for Retry-After.
func retryAfterSeconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}
