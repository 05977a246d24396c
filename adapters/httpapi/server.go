// Package httpapi is the HTTP edge: gorilla/mux routes whose handlers decode the request, call a
// command handler or a query, and encode the answer. Errors are RFC 9457 problem+json.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/camcloud/accounts/commands"
	"github.com/camcloud/accounts/domain/account"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/projections"
	readaccounts "github.com/camcloud/accounts/projections/accounts"
	"github.com/google/uuid"
	"github.com/gorilla/mux"
)

// Config holds the server's dependencies.
type Config struct {
	Accounts    *commands.Accounts
	Queries     *readaccounts.Queries
	Checkpoints *projections.Checkpoints
	// Ready reports whether the service can serve (database reachable); nil means always.
	Ready  func(context.Context) error
	Logger *slog.Logger
	// MaxWait bounds how long a query waits for the read models to reach min_position.
	MaxWait time.Duration
}

type server struct {
	Config
}

// New returns the service's HTTP handler.
func New(cfg Config) http.Handler {
	if cfg.MaxWait == 0 {
		cfg.MaxWait = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &server{Config: cfg}
	r := mux.NewRouter()
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, problem{Type: problemNotFound, Title: "Not found", Status: http.StatusNotFound, Detail: "no such resource"})
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, problem{Type: problemMethod, Title: "Method not allowed", Status: http.StatusMethodNotAllowed})
	})
	r.HandleFunc("/healthz", s.healthz).Methods(http.MethodGet)
	r.HandleFunc("/readyz", s.readyz).Methods(http.MethodGet)

	v1 := r.PathPrefix("/v1").Subrouter()
	v1.HandleFunc("/accounts", s.createAccount).Methods(http.MethodPost)
	v1.HandleFunc("/accounts/{id}", s.getAccount).Methods(http.MethodGet)
	v1.HandleFunc("/accounts/{id}", s.updateAccount).Methods(http.MethodPatch)
	v1.HandleFunc("/accounts/{id}/children", s.listChildren).Methods(http.MethodGet)
	v1.HandleFunc("/accounts/{id}/registration-code:rotate", s.rotateRegistrationCode).Methods(http.MethodPost)
	return s.withRequestID(r)
}

type requestIDKey struct{}

// withRequestID gives every request a correlation ID (the client's X-Request-ID if it is a sane
// token), logs the request, and turns a panic into a 500 problem.
func (s *server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if len(id) == 0 || len(id) > 64 || strings.ContainsFunc(id, func(c rune) bool { return c <= ' ' || c > '~' }) {
			id = uuid.NewString()
		}
		w.Header().Set("X-Request-ID", id)
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if v := recover(); v != nil {
				s.Logger.Error("panic serving request", "request_id", id, "panic", fmt.Sprint(v))
				writeProblem(sw, problem{Type: problemInternal, Title: "Internal error", Status: http.StatusInternalServerError})
			}
			s.Logger.Info("request", "request_id", id, "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", time.Since(start))
		}()
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

// origin is the metadata a request's events carry. Until authentication arrives the actor is the
// local operator: the server binds to localhost only.
func origin(r *http.Request) commands.Origin {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	return commands.Origin{Actor: "local-operator", CorrelationID: id, CausationID: id}
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.Ready != nil {
		if err := s.Ready(r.Context()); err != nil {
			s.Logger.Warn("not ready", "error", err)
			writeProblem(w, problem{Type: problemUnavailable, Title: "Not ready", Status: http.StatusServiceUnavailable})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// maxBody bounds request bodies; no command of this service needs more.
const maxBody = 64 << 10

// decode reads a JSON body strictly: the right media type, known fields only, one value.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if media, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || media != "application/json" {
		writeProblem(w, problem{Type: problemMediaType, Title: "Unsupported media type", Status: http.StatusUnsupportedMediaType, Detail: "send the body as application/json"})
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("more than one JSON value")
	}
	if err != nil {
		writeProblem(w, problem{Type: problemMalformed, Title: "Malformed request", Status: http.StatusBadRequest, Detail: describeJSONError(err)})
		return false
	}
	return true
}

// describeJSONError says what is wrong with a body without echoing its content.
func describeJSONError(err error) string {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("body is not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typeErr):
		return fmt.Sprintf("field %q has the wrong type (want %s)", typeErr.Field, typeErr.Type)
	case errors.As(err, &tooLarge):
		return fmt.Sprintf("body is larger than %d bytes", tooLarge.Limit)
	case errors.Is(err, io.EOF):
		return "body is empty"
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	return "body could not be read as the expected JSON object"
}

// writeError maps an error from a command or query to its problem.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var invalid account.ValidationError
	switch {
	case errors.As(err, &invalid):
		writeProblem(w, problem{Type: problemValidation, Title: "Validation failed", Status: http.StatusUnprocessableEntity, Detail: invalid.Error(), Field: invalid.Field})
	case errors.Is(err, account.ErrInvalid):
		writeProblem(w, problem{Type: problemValidation, Title: "Validation failed", Status: http.StatusUnprocessableEntity, Detail: err.Error()})
	case errors.Is(err, account.ErrNotFound), errors.Is(err, readaccounts.ErrNotFound):
		writeProblem(w, problem{Type: problemNotFound, Title: "Not found", Status: http.StatusNotFound, Detail: "no such account"})
	case errors.Is(err, account.ErrUnknownParent):
		writeProblem(w, problem{Type: problemUnknownParent, Title: "Unknown parent account", Status: http.StatusUnprocessableEntity, Field: "parent_id"})
	case errors.Is(err, account.ErrParentNotPartner):
		writeProblem(w, problem{Type: problemParentNotPartner, Title: "Parent is not a partner", Status: http.StatusUnprocessableEntity, Detail: "only partner accounts have child accounts", Field: "parent_id"})
	case errors.Is(err, commands.ErrRevisionMismatch):
		writeProblem(w, problem{Type: problemRevision, Title: "Revision mismatch", Status: http.StatusPreconditionFailed, Detail: "the account changed since you read it; read it again"})
	case errors.Is(err, eventstore.ErrConcurrency):
		writeProblem(w, problem{Type: problemConflict, Title: "Conflict", Status: http.StatusConflict, Detail: "too many concurrent changes; try again"})
	case errors.Is(err, readaccounts.ErrInvalidCursor):
		writeProblem(w, problem{Type: problemMalformed, Title: "Malformed request", Status: http.StatusBadRequest, Detail: "cursor is not one this service issued", Field: "cursor"})
	case errors.Is(err, projections.ErrNotCaughtUp):
		w.Header().Set("Retry-After", "1")
		writeProblem(w, problem{Type: problemNotCaughtUp, Title: "Not yet consistent", Status: http.StatusServiceUnavailable, Detail: "the read models have not reached min_position yet; retry"})
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads the answer.
	default:
		id, _ := r.Context().Value(requestIDKey{}).(string)
		s.Logger.Error("request failed", "request_id", id, "error", err)
		writeProblem(w, problem{Type: problemInternal, Title: "Internal error", Status: http.StatusInternalServerError, Detail: "request " + id + " failed; the log says why"})
	}
}

// writeResult sets the headers every command's answer carries: ETag (the stream revision) and
// X-Position (the global position reached, for min_position on later queries).
func writeResult(w http.ResponseWriter, res commands.Result) {
	w.Header().Set("ETag", etag(res.Revision))
	w.Header().Set("X-Position", res.Position.String())
}

func etag(revision uint64) string { return `"` + strconv.FormatUint(revision, 10) + `"` }

// ifMatch reads an If-Match revision; absent means "whatever is current".
func ifMatch(r *http.Request) (*uint64, error) {
	v := r.Header.Get("If-Match")
	if v == "" || v == "*" {
		return nil, nil
	}
	n, err := strconv.ParseUint(strings.Trim(strings.TrimPrefix(v, "W/"), `"`), 10, 64)
	if err != nil {
		return nil, errors.New(`If-Match must be an ETag this service issued, like "3"`)
	}
	return &n, nil
}

// waitForPosition honours min_position: the query is answered only once the read models reached
// it, so a client sees its own writes.
func (s *server) waitForPosition(w http.ResponseWriter, r *http.Request, models ...string) bool {
	raw := r.URL.Query().Get("min_position")
	if raw == "" {
		return true
	}
	pos, err := eventstore.ParsePosition(raw)
	if err != nil {
		writeProblem(w, problem{Type: problemMalformed, Title: "Malformed request", Status: http.StatusBadRequest, Detail: "min_position must be a position from an X-Position header", Field: "min_position"})
		return false
	}
	if err := s.Checkpoints.WaitFor(r.Context(), pos, s.MaxWait, models...); err != nil {
		s.writeError(w, r, err)
		return false
	}
	return true
}
