package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestFrozenDatabase: a database that stops answering but keeps its connections open (a frozen
// server, a network dropping packets) holds a request no longer than the request timeout: it
// answers 503 unavailable with Retry-After, and the same requests work once it answers again.
func TestFrozenDatabase(t *testing.T) {
	t.Parallel()
	h, proxy := newHarnessBehindProxy(t)
	partner, pos := h.create(t, "", "partner", "Frozen Partner")
	h.get(t, partner.ID, pos)
	bounded := *h
	bounded.cfg.RequestTimeout = time.Second
	bounded.srv = httptest.NewServer(bounded.cfg.api())
	t.Cleanup(bounded.srv.Close)

	requests := []req{
		{Method: http.MethodGet, Path: "/v1/accounts/" + partner.ID},
		{Method: http.MethodPatch, Path: "/v1/accounts/" + partner.ID, Body: map[string]any{"name": "Frozen Partner 2"}},
		{Method: http.MethodGet, Path: "/v1/me"},
	}
	proxy.Freeze()
	thawed := false
	thaw := func() {
		if !thawed {
			proxy.Thaw()
			thawed = true
		}
	}
	t.Cleanup(thaw)
	for _, r := range requests {
		start := time.Now()
		resp := bounded.do(t, r)
		resp.expectProblem(t, http.StatusServiceUnavailable, "/problems/unavailable")
		if resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s %s: no Retry-After", r.Method, r.Path)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%s %s: held %v by a frozen database, with a 1 s request timeout", r.Method, r.Path, took)
		}
	}
	thaw()
	deadline := time.Now().Add(10 * time.Second)
	for _, r := range requests {
		for {
			resp := bounded.do(t, r)
			if resp.Status == http.StatusOK {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s %s after the thaw: %d %s", r.Method, r.Path, resp.Status, resp.Body)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}
