package httpapi_test

import (
	"net/http"
	"testing"
)

// TestNULInQueryAndSignIn: U+0000, which PostgreSQL's text cannot hold, in a query parameter is
// a 400 before any handler, and in a sign-in username a wrong credential, never a 500; nothing
// is written either way.
func TestNULInQueryAndSignIn(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	partner, _ := h.create(t, "", "partner", "NUL Partner")
	before := h.lastPosition(t)
	for _, path := range []string{
		"/v1/accounts/" + partner.ID + "/descendants?name=%00",
		"/v1/accounts/" + partner.ID + "/descendants?name=a%00b",
		"/v1/accounts/" + partner.ID + "/recorders?search=%00",
		"/v1/accounts/" + partner.ID + "/users?a%00=1",
	} {
		h.do(t, req{Method: http.MethodGet, Path: path}).expectProblem(t, http.StatusBadRequest, "/problems/malformed-request")
	}
	for _, username := range []string{"a\u0000b", "\u0000", "admin\u0000"} {
		h.do(t, req{Method: http.MethodPost, Path: "/v1/sign-in", Body: map[string]string{"username": username, "password": "x"},
			Header: map[string]string{"Authorization": ""}}).expectProblem(t, http.StatusUnauthorized, "/problems/bad-credentials")
	}
	if after := h.lastPosition(t); after != before {
		t.Errorf("refused requests appended events: %v -> %v", before, after)
	}
}
