package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/camcloud/accounts/adapters/password"
	"github.com/camcloud/accounts/identity/identitycmd"
)

// busyHasher is a hasher whose every slot stays taken: each operation gives up with ErrBusy.
type busyHasher struct{ identitycmd.PasswordHasher }

func (busyHasher) Verify(string, string) (bool, error) { return false, password.ErrBusy }
func (busyHasher) DummyVerify(string) error            { return password.ErrBusy }

// TestSignInWhileHashingIsBusy: when no hashing slot frees up in time, sign-in answers 503
// /problems/busy with Retry-After, for a known and an unknown user alike (so the overload tells
// nobody which usernames exist).
func TestSignInWhileHashingIsBusy(t *testing.T) {
	h := newHarness(t)
	deps := h.deps
	deps.Hasher = busyHasher{deps.Hasher}
	cfg := h.cfg
	cfg.Identity = identitycmd.New(h.handler, identitycmd.Config{TermsVersion: "t1"}, deps)
	srv := httptest.NewServer(cfg.api())
	t.Cleanup(srv.Close)
	for _, username := range []string{"admin", "nobody-here"} {
		resp, err := http.Post(srv.URL+"/v1/sign-in", "application/json",
			strings.NewReader(`{"username":"`+username+`","password":"some password"}`))
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Type string }
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.HasSuffix(body.Type, "/problems/busy") || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("%s: %d %q Retry-After %q; want 503 /problems/busy with Retry-After",
				username, resp.StatusCode, body.Type, resp.Header.Get("Retry-After"))
		}
	}
}
