package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// idRoutes are every route with an {id} in its path, as server.go registers them.
var idRoutes = []struct{ method, path string }{
	{http.MethodDelete, "/v1/sessions/{id}"},
	{http.MethodGet, "/v1/accounts/{id}"},
	{http.MethodPatch, "/v1/accounts/{id}"},
	{http.MethodGet, "/v1/accounts/{id}/children"},
	{http.MethodPost, "/v1/accounts/{id}/registration-code:rotate"},
	{http.MethodGet, "/v1/accounts/{id}/users"},
	{http.MethodPost, "/v1/accounts/{id}/users"},
	{http.MethodGet, "/v1/accounts/{id}/groups"},
	{http.MethodPost, "/v1/accounts/{id}/groups"},
	{http.MethodGet, "/v1/users/{id}"},
	{http.MethodPatch, "/v1/users/{id}"},
	{http.MethodPost, "/v1/users/{id}:disable"},
	{http.MethodPost, "/v1/users/{id}:enable"},
	{http.MethodPost, "/v1/users/{id}/invitation:resend"},
	{http.MethodDelete, "/v1/users/{id}/invitation"},
	{http.MethodPost, "/v1/users/{id}/password-reset"},
	{http.MethodGet, "/v1/groups/{id}"},
	{http.MethodPatch, "/v1/groups/{id}"},
	{http.MethodDelete, "/v1/groups/{id}"},
}

// TestMalformedPathIDs: on every route with an {id}, an ID in any spelling but the canonical
// UUID's answers 404 problem+json before the handler runs (nothing reaches SQL, nothing is
// written), also for a real resource's ID spelled otherwise.
func TestMalformedPathIDs(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := rootID // a real account: a spelling that resolved to it would be a leak of sorts
	malformed := map[string]string{
		"urn":            "urn:uuid:" + id,
		"braces":         "%7B" + id + "%7D",
		"32 hex digits":  strings.ReplaceAll(id, "-", ""),
		"one short":      id[:35],
		"one long":       id + "0",
		"not hex":        "g" + id[1:],
		"hyphens moved":  id[:7] + "-" + id[7:8] + id[9:],
		"a word":         "me",
		"encoded slash":  "..%2f..%2fetc%2fpasswd",
		"encoded space":  id[:35] + "%20",
		"invalid UTF-8":  "%ff" + id[1:],
		"NUL":            id[:35] + "%00",
		"a SQL fragment": "1'%20OR%20'1'='1",
	}
	before := h.eventCount(t)
	for _, route := range idRoutes {
		for name, bad := range malformed {
			t.Run(route.method+" "+route.path+" "+name, func(t *testing.T) {
				path := strings.Replace(route.path, "{id}", bad, 1)
				resp := h.do(t, req{Method: route.method, Path: path, Body: `{}`})
				resp.expectProblem(t, http.StatusNotFound, "/problems/not-found")
			})
		}
	}
	if after := h.eventCount(t); after != before {
		t.Fatalf("requests with malformed IDs wrote %d events", after-before)
	}
}

// TestUpperCaseIDs: an ID in upper case is the same ID, on every kind of resource, and answers
// name it in lower case.
func TestUpperCaseIDs(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	partner, pos := h.create(t, "", "partner", "Upper Partner")
	h.get(t, partner.ID, pos)
	groupID := h.createGroup(t, partner.ID, "Viewers", "billing.view")
	userID := h.invite(t, partner.ID, "upper.user", "upper.user@example.test", strings.ToUpper(groupID))

	var a accountDoc
	h.do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + strings.ToUpper(partner.ID)}).expect(t, http.StatusOK, &a)
	if a.ID != partner.ID {
		t.Errorf("account id %q, want %q", a.ID, partner.ID)
	}
	var u identUser
	h.do(t, req{Method: http.MethodGet, Path: "/v1/users/" + strings.ToUpper(userID)}).expect(t, http.StatusOK, &u)
	if u.ID != userID || len(u.GroupIDs) != 1 || u.GroupIDs[0] != groupID {
		t.Errorf("user %q in groups %v, want %q in [%s]", u.ID, u.GroupIDs, userID, groupID)
	}
	var g identGroup
	h.do(t, req{Method: http.MethodGet, Path: "/v1/groups/" + strings.ToUpper(groupID)}).expect(t, http.StatusOK, &g)
	if g.ID != groupID {
		t.Errorf("group id %q, want %q", g.ID, groupID)
	}
	h.do(t, req{Method: http.MethodPatch, Path: "/v1/accounts/" + strings.ToUpper(partner.ID), Body: map[string]any{"name": "Renamed"}}).expect(t, http.StatusOK, &commandAnswer{})

	// A child created under the upper-case parent ID has the canonical one as its parent.
	var child created
	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts", Body: map[string]any{
		"parent_id": strings.ToUpper(partner.ID), "kind": "customer", "name": "Child", "address": testAddress, "first_user": firstUser(),
	}}).expect(t, http.StatusCreated, &child)
	got, _ := h.get(t, child.ID, "")
	if got.ParentID != partner.ID {
		t.Errorf("parent_id %q, want %q", got.ParentID, partner.ID)
	}
}

// TestMalformedBodyIDs: an ID in a body that is not a UUID is answered as an unknown one (a
// parent out of reach: 404; a group not of the account: 422), never a 500 from SQL, and writes
// nothing.
func TestMalformedBodyIDs(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	userID := h.invite(t, rootID, "body.ids", "body.ids@example.test")
	tests := []struct {
		name   string
		req    req
		status int
		typ    string
	}{
		{"parent_id as a URN", req{Method: http.MethodPost, Path: "/v1/accounts", Body: map[string]any{"parent_id": "urn:uuid:" + rootID, "kind": "customer", "name": "X", "address": testAddress, "first_user": firstUser()}}, 404, "/problems/not-found"},
		{"parent_id in braces", req{Method: http.MethodPost, Path: "/v1/accounts", Body: map[string]any{"parent_id": "{" + rootID + "}", "kind": "customer", "name": "X", "address": testAddress, "first_user": firstUser()}}, 404, "/problems/not-found"},
		{"parent_id of 32 hex digits", req{Method: http.MethodPost, Path: "/v1/accounts", Body: map[string]any{"parent_id": strings.ReplaceAll(rootID, "-", ""), "kind": "customer", "name": "X", "address": testAddress, "first_user": firstUser()}}, 404, "/problems/not-found"},
		{"a group ID as a URN", req{Method: http.MethodPost, Path: "/v1/accounts/" + rootID + "/users", Body: map[string]any{"username": "x.urn", "email": "x.urn@example.test", "group_ids": []string{"urn:uuid:" + rootID}}}, 422, "/problems/validation-failed"},
		{"an empty group ID", req{Method: http.MethodPost, Path: "/v1/accounts/" + rootID + "/users", Body: map[string]any{"username": "x.empty", "email": "x.empty@example.test", "group_ids": []string{""}}}, 422, "/problems/validation-failed"},
		{"a group ID that is SQL", req{Method: http.MethodPatch, Path: "/v1/users/" + userID, Body: map[string]any{"group_ids": []string{"' OR 1=1 --"}}}, 422, "/problems/validation-failed"},
	}
	before := h.eventCount(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := h.do(t, tt.req).expectProblem(t, tt.status, tt.typ)
			if want := map[int]string{404: "", 422: "group_ids"}[tt.status]; p.Field != want {
				t.Errorf("field %q, want %q", p.Field, want)
			}
		})
	}
	if after := h.eventCount(t); after != before {
		t.Fatalf("refused requests wrote %d events", after-before)
	}
}
