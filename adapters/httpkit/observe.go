package httpkit

import (
	"context"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/gorilla/mux"
)

// RequestObserver is told of every answered request (a metrics adapter counts them). route is the
// matched route's template ("/v1/accounts/{id}"), never the path as sent: an ID in a label would
// make one series per resource. Requests no route matched report "unmatched".
type RequestObserver interface {
	ObserveRequest(route, method string, status int, elapsed time.Duration)
}

// Unmatched is the route of a request no route matched (a 404 or 405 from the router).
const Unmatched = "unmatched"

type routeKey struct{}

// ObserveRequests wraps the whole handler, outside the panic recovery, so that every answer
// (a handler's, a Problem, the router's 404 or 405, a recovered panic's 500) is observed once.
// The route is known only inside the router, after matching: RouteTemplate writes it into the
// slot this middleware puts in the request's context.
func ObserveRequests(o RequestObserver, next http.Handler) http.Handler {
	if o == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		route := Unmatched
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			o.ObserveRequest(route, methodLabel(r.Method), sw.status, time.Since(start))
		}()
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), routeKey{}, &route)))
	})
}

// RouteTemplate is a router middleware (it runs after a route matched) that records the matched
// route's template for ObserveRequests, and names the request's trace span after it (a no-op
// when the request is not traced).
func RouteTemplate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cur := mux.CurrentRoute(r); cur != nil {
			if tpl, err := cur.GetPathTemplate(); err == nil {
				route := withoutPatterns(tpl)
				if slot, ok := r.Context().Value(routeKey{}).(*string); ok {
					*slot = route
				}
				trace.SpanFromContext(r.Context()).SetName(r.Method + " " + route)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// withoutPatterns drops the patterns of a template's variables ("/v1/users/{id:[^/:]+}:disable"
// reads "/v1/users/{id}:disable"): a dashboard shows the route as the API documents it.
func withoutPatterns(tpl string) string {
	out := make([]byte, 0, len(tpl))
	for i := 0; i < len(tpl); i++ {
		out = append(out, tpl[i])
		if tpl[i] != '{' {
			continue
		}
		end := strings.IndexByte(tpl[i:], '}')
		if end < 0 {
			break
		}
		name, _, _ := strings.Cut(tpl[i+1:i+end], ":")
		out = append(out, name...)
		i += end - 1 // the loop appends the closing brace
	}
	return string(out)
}

// methodLabel keeps the method a bounded label: a client may send any token as a method.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}
