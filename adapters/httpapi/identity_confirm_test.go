package httpapi_test

import (
	"net/http"
	"testing"
)

// TestWrongCurrentPasswordIsLimited: a signed-in session cannot be used to guess the user's
// password: wrong confirmations name their field and are limited like failed sign-ins, without
// locking the user out of signing in.
func TestWrongCurrentPasswordIsLimited(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, token := h.member(t, rootID, "guess.target")
	me := h.as(token)
	change := req{Method: http.MethodPost, Path: "/v1/me/password", Body: map[string]any{
		"original_password": "not it", "new_password": "a whole new passphrase 7", "password_confirmation": "a whole new passphrase 7"}}
	for range 5 {
		if p := me.do(t, change).expectProblem(t, http.StatusUnprocessableEntity, "/problems/wrong-password"); p.Field != "original_password" {
			t.Fatalf("field %q, want original_password", p.Field)
		}
	}
	resp := me.do(t, change)
	resp.expectProblem(t, http.StatusTooManyRequests, "/problems/rate-limited")
	if resp.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	email := req{Method: http.MethodPatch, Path: "/v1/me", Body: map[string]any{"email": "guess.new@example.test", "current_password": "not it either"}}
	me.do(t, email).expectProblem(t, http.StatusTooManyRequests, "/problems/rate-limited")
	h.signIn(t, "guess.target", strongPassword) // signing in is not locked
}

func TestPermissionsNeedSignIn(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.as("").do(t, req{Method: http.MethodGet, Path: "/v1/permissions"}).expectProblem(t, http.StatusUnauthorized, "/problems/unauthenticated")
	var out struct {
		Items []string `json:"items"`
	}
	h.do(t, req{Method: http.MethodGet, Path: "/v1/permissions"}).expect(t, http.StatusOK, &out)
	if len(out.Items) != 8 {
		t.Fatalf("permissions = %v, want the eight", out.Items)
	}
}
