package httpkit

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A handler that panics before answering gets a 500 Problem; one that panics after its status
// and part of its body went out has its connection cut, never a Problem glued to its body.
func TestPanicAnswers(t *testing.T) {
	s := NewKit(nil, nil, 0)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		broken  bool
	}{
		{"before answering", func(http.ResponseWriter, *http.Request) { panic("boom") }, false},
		{"after the headers", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`{"items":[`))
			w.(http.Flusher).Flush()
			panic("boom")
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(s.RequestID(tt.handler))
			defer srv.Close()
			srv.Config.ErrorLog = nil
			resp, err := http.Get(srv.URL)
			if err != nil {
				if tt.broken {
					return // the connection was cut before the client saw an answer
				}
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, readErr := io.ReadAll(resp.Body)
			if !tt.broken {
				if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(string(body), "/problems/internal-error") {
					t.Fatalf("status %d body %s; want a 500 Problem", resp.StatusCode, body)
				}
				return
			}
			if readErr == nil || strings.Contains(string(body), "problems") {
				t.Fatalf("body %q read fully (err %v); want a cut connection and no Problem appended", body, readErr)
			}
		})
	}
}
