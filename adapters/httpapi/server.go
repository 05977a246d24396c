// Package httpapi assembles the HTTP API from the contexts' routes: every context registers its
// own (accounts/accounthttp, identity/identityhttp, ...) on one gorilla/mux router under /v1,
// beside the health checks and the OpenAPI description, wrapped in the shared middleware
// (request IDs, secure headers, route templates for metrics). Its tests drive the whole API.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/camcloud/accounts/adapters/httpkit"
)

// Config holds what the API is made of.
type Config struct {
	// Routes are the contexts' routes, registered in order under /v1.
	Routes []httpkit.Routes
	// Authenticator turns a bearer token into its principal for authenticated routes.
	Authenticator httpkit.Authenticator
	// SupportAgents makes a user's request naming a support grant act under it; nil: no agents.
	SupportAgents httpkit.SupportAgents
	// Kit is what the routes share (the contexts' handlers hold the same one).
	Kit *httpkit.Kit
	// Ready reports whether the service can serve (database reachable); nil means always.
	Ready func(context.Context) error
	// Requests is told of every answered request (metrics); nil means none.
	Requests httpkit.RequestObserver
}

// New returns the service's HTTP handler.
func New(cfg Config) http.Handler {
	kit := cfg.Kit
	if kit == nil {
		kit = httpkit.NewKit(nil, nil, 0)
	}
	// The router matches the path as sent, encoded and uncleaned: it never answers a 301 to a
	// cleaned path (/v1/accounts/..%2f..%2fetc%2fpasswd would go to /etc/passwd), and an {id}
	// holding "%2f" or ".." is one path segment that PathIDs refuses with a 404.
	r := mux.NewRouter().SkipClean(true).UseEncodedPath()
	r.Use(httpkit.RouteTemplate, httpkit.PathIDs, httpkit.PlainQuery)
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpkit.WriteProblem(w, httpkit.Problem{Type: httpkit.ProblemNotFound, Title: "Not found", Status: http.StatusNotFound, Detail: "no such resource"})
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpkit.WriteProblem(w, httpkit.Problem{Type: httpkit.ProblemMethod, Title: "Method not allowed", Status: http.StatusMethodNotAllowed})
	})
	r.HandleFunc("/healthz", healthz).Methods(http.MethodGet)
	r.HandleFunc("/readyz", readyz(kit.Logger, cfg.Ready)).Methods(http.MethodGet)
	r.HandleFunc("/v1/openapi.yaml", serveOpenAPI).Methods(http.MethodGet)

	v1 := httpkit.NewRouter(r, "/v1", kit, cfg.Authenticator, cfg.SupportAgents)
	for _, routes := range cfg.Routes {
		routes.Register(v1)
	}
	return httpkit.ObserveRequests(cfg.Requests, httpkit.SecureHeaders(kit.RequestID(r)))
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	httpkit.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func readyz(logger *slog.Logger, ready func(context.Context) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ready != nil {
			if err := ready(r.Context()); err != nil {
				logger.Warn("not ready", "error", err)
				httpkit.WriteProblem(w, httpkit.Problem{Type: httpkit.ProblemUnavailable, Title: "Not ready", Status: http.StatusServiceUnavailable})
				return
			}
		}
		httpkit.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	}
}
