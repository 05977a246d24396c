// Package httpkit is the HTTP toolkit every context's routes share: the Kit (errors answered as
// RFC 9457 problems by their fault's kind, min_position waits, settling after a command), the
// Router a context registers its routes on, strict JSON decoding, canonical IDs, the principal
// and origin of a request, and the middleware (request IDs, secure headers, route templates for
// metrics). It knows no context: a context's errors say their kind (domain/fault).
package httpkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/internal/pgerr"
)

// Waiter waits until read models reached a position (projections.Checkpoints).
type Waiter interface {
	WaitFor(ctx context.Context, pos eventstore.Position, max time.Duration, models ...string) error
}

// Kit is what every handler shares: where errors are logged, and how queries wait for the read
// models.
type Kit struct {
	Logger      *slog.Logger
	Checkpoints Waiter
	// MaxWait bounds how long a query waits for the read models to reach min_position.
	MaxWait time.Duration
	// RequestTimeout bounds a request's work (0: unbounded) but for downloads (Router.Download):
	// a database that stops answering without closing its connections (a frozen server, a
	// partition that drops packets) turns into a 503 with Retry-After, not a request held for
	// as long as it lasts.
	RequestTimeout time.Duration
}

// bounded runs h with its request's context ending after RequestTimeout.
func (k *Kit) bounded(h http.HandlerFunc) http.HandlerFunc {
	if k.RequestTimeout <= 0 {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), k.RequestTimeout)
		defer cancel()
		h(w, r.WithContext(ctx))
	}
}

// NewKit returns a kit; a nil logger discards, a zero wait is 5 seconds.
func NewKit(logger *slog.Logger, checkpoints Waiter, maxWait time.Duration) *Kit {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if maxWait == 0 {
		maxWait = 5 * time.Second
	}
	return &Kit{Logger: logger, Checkpoints: checkpoints, MaxWait: maxWait}
}

type requestIDKey struct{}

// RequestID gives every request a correlation ID (the client's X-Request-ID if it is a sane
// token), logs the request, and turns a panic into a 500 Problem.
func (k *Kit) RequestID(next http.Handler) http.Handler {
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
				if v == http.ErrAbortHandler {
					panic(v)
				}
				k.Logger.Error("panic serving request", "request_id", id, "panic", fmt.Sprint(v))
				if sw.wrote {
					// The status and part of a body are out: a Problem now would be appended to
					// them. Cutting the connection tells the client the answer is broken.
					panic(http.ErrAbortHandler)
				}
				WriteProblem(sw, Problem{Type: ProblemInternal, Title: "Internal error", Status: http.StatusInternalServerError})
			}
			k.Logger.Info("request", "request_id", id, "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", time.Since(start))
		}()
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool // the status line has been sent
}

func (w *statusWriter) WriteHeader(status int) {
	w.status, w.wrote = status, true
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// WriteJSON answers v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Error answers an error from a command or query by the kind of fault it holds (writeFault):
// it knows no context's errors.
func (k *Kit) Error(w http.ResponseWriter, r *http.Request, err error) {
	f, ok := fault.Find(err)
	switch {
	case ok:
		writeFault(w, err, f)
	case pgerr.Unavailable(err):
		// A driver error no component classified is an outage all the same.
		writeFault(w, err, eventstore.ErrUnavailable)
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads the answer.
	default:
		id, _ := r.Context().Value(requestIDKey{}).(string)
		k.Logger.Error("request failed", "request_id", id, "error", err)
		WriteProblem(w, Problem{Type: ProblemInternal, Title: "Internal error", Status: http.StatusInternalServerError, Detail: "request " + id + " failed; the log says why"})
	}
}

// WriteResult sets the headers every command's answer carries: ETag (the stream revision) and
// X-Position (the global position reached, for min_position on later queries).
func WriteResult(w http.ResponseWriter, res command.Result) {
	w.Header().Set("ETag", ETag(res.Revision))
	w.Header().Set("X-Position", res.Position.String())
}

// ETag is the entity tag of a stream revision.
func ETag(revision uint64) string { return `"` + strconv.FormatUint(revision, 10) + `"` }

// IfMatch reads an If-Match revision; absent means "whatever is current".
func IfMatch(r *http.Request) (*uint64, error) {
	v := r.Header.Get("If-Match")
	if v == "" || v == "*" {
		return nil, nil
	}
	if strings.HasPrefix(v, "W/") {
		return nil, errWeakTag
	}
	n, err := strconv.ParseUint(strings.Trim(v, `"`), 10, 64)
	if err != nil {
		return nil, errors.New(`If-Match must be an ETag this service issued, like "3"`)
	}
	return &n, nil
}

// errWeakTag: If-Match compares strongly (RFC 9110, 13.1.1), so a weak tag matches nothing.
var errWeakTag = errors.New("If-Match compares entity tags strongly: a weak tag (W/) never matches; send the ETag as this service issued it")

// WaitForPosition honours min_position: the query is answered only once the read models reached
// it, so a client sees its own writes.
func (k *Kit) WaitForPosition(w http.ResponseWriter, r *http.Request, models ...string) bool {
	raw := r.URL.Query().Get("min_position")
	if raw == "" {
		return true
	}
	pos, err := eventstore.ParsePosition(raw)
	if err != nil {
		WriteProblem(w, Problem{Type: ProblemMalformed, Title: "Malformed request", Status: http.StatusBadRequest, Detail: "min_position must be a position from an X-Position header", Field: "min_position"})
		return false
	}
	if err := k.Checkpoints.WaitFor(r.Context(), pos, k.MaxWait, models...); err != nil {
		k.Error(w, r, err)
		return false
	}
	return true
}

// Answer answers a command on the resource id: the error's problem, or, once the read models
// named have applied the command (Settle), status with the command's answer and its headers.
func (k *Kit) Answer(w http.ResponseWriter, r *http.Request, id string, res command.Result, err error, status int, models ...string) {
	if err != nil {
		k.Error(w, r, err)
		return
	}
	k.Settle(r, res, models...)
	WriteResult(w, res)
	WriteJSON(w, status, AnswerOf(id, res))
}

// Expected reads the If-Match revision a change is conditional on (nil: none); a malformed one is
// answered with a problem and ok false.
func Expected(w http.ResponseWriter, r *http.Request) (revision *uint64, ok bool) {
	revision, err := IfMatch(r)
	if errors.Is(err, errWeakTag) {
		WriteProblem(w, Problem{Type: ProblemRevision, Title: "Revision mismatch", Status: http.StatusPreconditionFailed, Detail: err.Error()})
		return nil, false
	}
	if err != nil {
		WriteProblem(w, Problem{Type: ProblemMalformed, Title: "Malformed request", Status: http.StatusBadRequest, Detail: err.Error()})
		return nil, false
	}
	return revision, true
}
