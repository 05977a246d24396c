package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/camcloud/accounts/adapters/httpkit"

	"github.com/google/uuid"
)

type observed struct {
	route, method string
	status        int
}

type recorder []observed

func (r *recorder) ObserveRequest(route, method string, status int, _ time.Duration) {
	*r = append(*r, observed{route, method, status})
}

// TestObserveRequests: the API tells its observer each answer by route template, never by the
// path as sent, whoever writes the answer (a handler, the router's 404 or 405, a panic's 500).
func TestObserveRequests(t *testing.T) {
	id := uuid.NewString()
	tests := []struct {
		name, method, path string
		want               observed
	}{
		{"a route with an ID", http.MethodGet, "/v1/accounts/" + id, observed{"/v1/accounts/{id}", "GET", http.StatusUnauthorized}},
		{"a route whose ID has a pattern", http.MethodPost, "/v1/users/" + id + ":disable", observed{"/v1/users/{id}:disable", "POST", http.StatusUnauthorized}},
		{"a route without", http.MethodGet, "/healthz", observed{"/healthz", "GET", http.StatusOK}},
		{"no route", http.MethodGet, "/v1/nothing/" + id, observed{httpkit.Unmatched, "GET", http.StatusNotFound}},
		{"a wrong method", http.MethodPut, "/v1/accounts/" + id, observed{httpkit.Unmatched, "PUT", http.StatusMethodNotAllowed}},
		{"a method no one knows", "BREW", "/healthz", observed{httpkit.Unmatched, "other", http.StatusMethodNotAllowed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			h := apiConfig{Requests: &rec}.api()
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(tt.method, tt.path, nil))
			if len(rec) != 1 || rec[0] != tt.want {
				t.Errorf("observed %+v, want [%+v]", rec, tt.want)
			}
		})
	}
}
