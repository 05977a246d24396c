// Package httpapi is the HTTP edge: gorilla/mux routes whose handlers decode the request, call a
// command handler or a query, and encode the answer. Errors are RFC 9457 problem+json.
package httpapi

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
	"github.com/gorilla/mux"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/accounts/accountcmd"
	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/identity/identitycmd"
	"github.com/camcloud/accounts/identity/identityview"
	"github.com/camcloud/accounts/internal/pgerr"
	"github.com/camcloud/accounts/projections"
)

// Config holds the server's dependencies.
type Config struct {
	Accounts    *accountcmd.Commands
	Identity    *identitycmd.Commands
	Authz       *access.Authorizer
	Queries     *accountview.Queries
	Users       *identityview.Queries
	Checkpoints *projections.Checkpoints
	// Ready reports whether the service can serve (database reachable); nil means always.
	Ready  func(context.Context) error
	Logger *slog.Logger
	// MaxWait bounds how long a query waits for the read models to reach min_position.
	MaxWait time.Duration
	// Requests is told of every answered request (metrics); nil means none.
	Requests RequestObserver
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
	// The router matches the path as sent, encoded and uncleaned: it never answers a 301 to a
	// cleaned path (/v1/accounts/..%2f..%2fetc%2fpasswd would go to /etc/passwd), and an {id}
	// holding "%2f" or ".." is one path segment that pathIDs refuses with a 404.
	r := mux.NewRouter().SkipClean(true).UseEncodedPath()
	r.Use(routeTemplate, pathIDs)
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, problem{Type: problemNotFound, Title: "Not found", Status: http.StatusNotFound, Detail: "no such resource"})
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, problem{Type: problemMethod, Title: "Method not allowed", Status: http.StatusMethodNotAllowed})
	})
	r.HandleFunc("/healthz", s.healthz).Methods(http.MethodGet)
	r.HandleFunc("/readyz", s.readyz).Methods(http.MethodGet)

	// Routes are registered on r itself with their full path: gorilla/mux subrouters answer a
	// wrong method with 404 instead of 405.
	v1 := prefixed{r, "/v1"}
	auth := s.authenticated
	// Open to anyone: signing in, accepting an invitation, resetting a forgotten password,
	// confirming an e-mail address from its link, and scoring a password while it is typed.
	v1.HandleFunc("/sign-in", s.signIn).Methods(http.MethodPost)
	v1.HandleFunc("/invitations:accept", s.acceptInvitation).Methods(http.MethodPost)
	v1.HandleFunc("/password-reset:request", s.requestPasswordReset).Methods(http.MethodPost)
	v1.HandleFunc("/password-reset:confirm", s.confirmPasswordReset).Methods(http.MethodPost)
	v1.HandleFunc("/email-change:confirm", s.confirmEmailChange).Methods(http.MethodPost)
	v1.HandleFunc("/password-strength", s.passwordStrength).Methods(http.MethodPost)
	v1.HandleFunc("/terms", s.terms).Methods(http.MethodGet)
	v1.HandleFunc("/openapi.yaml", serveOpenAPI).Methods(http.MethodGet)

	v1.HandleFunc("/sign-out", auth(s.signOut)).Methods(http.MethodPost)
	v1.HandleFunc("/sessions", auth(s.listSessions)).Methods(http.MethodGet)
	v1.HandleFunc("/sessions", auth(s.endAllSessions)).Methods(http.MethodDelete)
	v1.HandleFunc("/sessions/{id}", auth(s.endSession)).Methods(http.MethodDelete)
	v1.HandleFunc("/me", auth(s.getProfile)).Methods(http.MethodGet)
	v1.HandleFunc("/me", auth(s.updateProfile)).Methods(http.MethodPatch)
	v1.HandleFunc("/me/password", auth(s.changePassword)).Methods(http.MethodPost)
	v1.HandleFunc("/permissions", auth(s.listPermissions)).Methods(http.MethodGet)

	v1.HandleFunc("/accounts", auth(s.createAccount)).Methods(http.MethodPost)
	v1.HandleFunc("/accounts/{id}", auth(s.getAccount)).Methods(http.MethodGet)
	v1.HandleFunc("/accounts/{id}", auth(s.updateAccount)).Methods(http.MethodPatch)
	v1.HandleFunc("/accounts/{id}/children", auth(s.listChildren)).Methods(http.MethodGet)
	v1.HandleFunc("/accounts/{id}/registration-code:rotate", auth(s.rotateRegistrationCode)).Methods(http.MethodPost)
	v1.HandleFunc("/accounts/{id}/users", auth(s.listUsers)).Methods(http.MethodGet)
	v1.HandleFunc("/accounts/{id}/users", auth(s.inviteUser)).Methods(http.MethodPost)
	v1.HandleFunc("/accounts/{id}/groups", auth(s.listGroups)).Methods(http.MethodGet)
	v1.HandleFunc("/accounts/{id}/groups", auth(s.createGroup)).Methods(http.MethodPost)

	const userID = "/users/{id:[^/:]+}"
	v1.HandleFunc(userID, auth(s.getUser)).Methods(http.MethodGet)
	v1.HandleFunc(userID, auth(s.updateUser)).Methods(http.MethodPatch)
	v1.HandleFunc(userID+":disable", auth(s.userAction(disableUser, http.StatusOK))).Methods(http.MethodPost)
	v1.HandleFunc(userID+":enable", auth(s.userAction(enableUser, http.StatusOK))).Methods(http.MethodPost)
	v1.HandleFunc(userID+"/invitation:resend", auth(s.userAction(resendInvitation, http.StatusAccepted))).Methods(http.MethodPost)
	v1.HandleFunc(userID+"/invitation", auth(s.userAction(revokeInvitation, http.StatusOK))).Methods(http.MethodDelete)
	v1.HandleFunc(userID+"/password-reset", auth(s.userAction(sendPasswordReset, http.StatusAccepted))).Methods(http.MethodPost)

	v1.HandleFunc("/groups/{id}", auth(s.getGroup)).Methods(http.MethodGet)
	v1.HandleFunc("/groups/{id}", auth(s.updateGroup)).Methods(http.MethodPatch)
	v1.HandleFunc("/groups/{id}", auth(s.deleteGroup)).Methods(http.MethodDelete)
	return observeRequests(cfg.Requests, secureHeaders(s.withRequestID(r)))
}

// prefixed registers routes under a path prefix on one router.
type prefixed struct {
	r      *mux.Router
	prefix string
}

func (p prefixed) HandleFunc(path string, h http.HandlerFunc) *mux.Route {
	return p.r.HandleFunc(p.prefix+path, h)
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
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Logger.Error("panic serving request", "request_id", id, "panic", fmt.Sprint(v))
				if sw.wrote {
					// The status and part of a body are out: a problem now would be appended to
					// them. Cutting the connection tells the client the answer is broken.
					panic(http.ErrAbortHandler)
				}
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

// writeError answers an error from a command or query by the kind of fault it holds (writeFault):
// it knows no context's errors.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
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
		s.Logger.Error("request failed", "request_id", id, "error", err)
		writeProblem(w, problem{Type: problemInternal, Title: "Internal error", Status: http.StatusInternalServerError, Detail: "request " + id + " failed; the log says why"})
	}
}

// writeResult sets the headers every command's answer carries: ETag (the stream revision) and
// X-Position (the global position reached, for min_position on later queries).
func writeResult(w http.ResponseWriter, res command.Result) {
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
