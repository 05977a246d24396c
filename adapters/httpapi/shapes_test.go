package httpapi_test

import (
	"net/http"
	"testing"
)

// TestCommandAnswersNameTheResource: every command answers the same fields, the ID of the
// resource it changed with the revision and position its headers carry, whether it changes an
// account, a user or a group, and whether the caller named the resource or a link did.
func TestCommandAnswersNameTheResource(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	userID, token := h.member(t, rootID, "ada.shapes")
	groupID := h.createGroup(t, rootID, "Shapes", "billing.view")
	invitedID, _ := h.identInvited(t, rootID, "ivo.shapes")
	me := h.as(token)

	steps := []struct {
		name   string
		as     *harness
		req    req
		status int
		id     string
	}{
		{"PATCH /v1/me", me, req{Method: http.MethodPatch, Path: "/v1/me", Body: map[string]any{"time_format": "12h"}}, http.StatusOK, userID},
		{"change my password", me, req{Method: http.MethodPost, Path: "/v1/me/password", Body: map[string]any{
			"original_password": strongPassword, "new_password": identOtherPassword, "password_confirmation": identOtherPassword}}, http.StatusOK, userID},
		{"PATCH /v1/users/{id}", h, req{Method: http.MethodPatch, Path: "/v1/users/" + userID, Body: map[string]any{"group_ids": []string{groupID}}}, http.StatusOK, userID},
		{"disable", h, req{Method: http.MethodPost, Path: "/v1/users/" + userID + ":disable"}, http.StatusOK, userID},
		{"enable", h, req{Method: http.MethodPost, Path: "/v1/users/" + userID + ":enable"}, http.StatusOK, userID},
		{"password reset of a user", h, req{Method: http.MethodPost, Path: "/v1/users/" + userID + "/password-reset"}, http.StatusAccepted, userID},
		{"resend an invitation", h, req{Method: http.MethodPost, Path: "/v1/users/" + invitedID + "/invitation:resend"}, http.StatusAccepted, invitedID},
		{"revoke an invitation", h, req{Method: http.MethodDelete, Path: "/v1/users/" + invitedID + "/invitation"}, http.StatusOK, invitedID},
		{"PATCH /v1/groups/{id}", h, req{Method: http.MethodPatch, Path: "/v1/groups/" + groupID, Body: map[string]any{"name": "Shapes 2"}}, http.StatusOK, groupID},
		{"PATCH /v1/accounts/{id}", h, req{Method: http.MethodPatch, Path: "/v1/accounts/" + rootID, Body: map[string]any{"name": "Root, renamed"}}, http.StatusOK, rootID},
	}
	for _, s := range steps {
		resp := s.as.do(t, s.req)
		var answer commandAnswer
		resp.expect(t, s.status, &answer)
		if answer.ID != s.id {
			t.Errorf("%s: answer names %q, want %q", s.name, answer.ID, s.id)
		}
		if got := resp.Header.Get("ETag"); got != etag(answer.Revision) {
			t.Errorf("%s: ETag %q, body revision %d", s.name, got, answer.Revision)
		}
		if got := resp.Header.Get("X-Position"); got != answer.Position {
			t.Errorf("%s: X-Position %q, body position %q", s.name, got, answer.Position)
		}
	}
	// A group whose members left is deleted; the answer still names it.
	spare := h.createGroup(t, rootID, "Shapes spare", "billing.view")
	h.do(t, req{Method: http.MethodPatch, Path: "/v1/users/" + userID, Body: map[string]any{"group_ids": []string{spare}}}).expect(t, http.StatusOK, nil)
	var answer commandAnswer
	h.do(t, req{Method: http.MethodDelete, Path: "/v1/groups/" + groupID}).expect(t, http.StatusOK, &answer)
	if answer.ID != groupID {
		t.Errorf("DELETE /v1/groups/{id}: answer names %q, want %q", answer.ID, groupID)
	}
}

// TestMergePatchMediaType: the merge-patch endpoints take application/merge-patch+json (RFC
// 7396) as well as application/json; the other bodies stay application/json only.
func TestMergePatchMediaType(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c, _ := h.create(t, "", "customer", "Merge Patch Ltd")
	groupID := h.createGroup(t, rootID, "Patched", "billing.view")
	asPatch := map[string]string{"Content-Type": "application/merge-patch+json"}

	var answer commandAnswer
	h.do(t, req{Method: http.MethodPatch, Path: "/v1/accounts/" + c.ID, Header: asPatch,
		Body: map[string]any{"address": map[string]any{"city": "Brno", "region": nil}}}).expect(t, http.StatusOK, &answer)
	if answer.ID != c.ID || answer.Revision != c.Revision+1 {
		t.Fatalf("merge patch of the account: %+v", answer)
	}
	if doc, _ := h.get(t, c.ID, answer.Position); doc.Address.City != "Brno" {
		t.Fatalf("after the merge patch the city is %q", doc.Address.City)
	}
	h.do(t, req{Method: http.MethodPatch, Path: "/v1/groups/" + groupID, Header: asPatch,
		Body: map[string]any{"permissions": nil}}).expect(t, http.StatusOK, &answer)
	if answer.ID != groupID {
		t.Fatalf("merge patch of the group names %q", answer.ID)
	}
	var g identGroup
	h.do(t, req{Method: http.MethodGet, Path: "/v1/groups/" + groupID}).expect(t, http.StatusOK, &g)
	if len(g.Permissions) != 0 {
		t.Fatalf("null permissions left %v", g.Permissions)
	}

	for _, r := range []req{
		{Method: http.MethodPatch, Path: "/v1/accounts/" + c.ID, Header: map[string]string{"Content-Type": "application/json-patch+json"}, Body: `[]`},
		{Method: http.MethodPatch, Path: "/v1/accounts/" + c.ID, Header: map[string]string{"Content-Type": "application/merge-patch+json; charset=latin1"}, Body: `{"name":"X"}`},
		{Method: http.MethodPost, Path: "/v1/accounts", Header: asPatch, Body: map[string]any{"kind": "customer", "name": "X", "address": testAddress, "first_user": firstUser()}},
		{Method: http.MethodPatch, Path: "/v1/me", Header: asPatch, Body: map[string]any{"time_format": "12h"}},
	} {
		h.do(t, r).expectProblem(t, http.StatusUnsupportedMediaType, "/problems/unsupported-media-type")
	}
}

// TestProblemFieldIsTheJSONPath: a problem names the member at fault by its JSON path in the
// request, nested ones dotted, whether decoding or a rule refused it; a header is not a field.
func TestProblemFieldIsTheJSONPath(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c, _ := h.create(t, "", "customer", "Field Paths Ltd")
	account := func(change func(map[string]any)) map[string]any {
		body := map[string]any{"kind": "customer", "name": "Paths", "address": map[string]any{"line1": "1 Road", "city": "Lyon", "country": "FR"},
			"first_user": map[string]any{"email": "paths@example.test"}}
		change(body)
		return body
	}
	cases := []struct {
		name   string
		req    req
		status int
		typ    string
		field  string
	}{
		{"wrong type, nested", req{Method: http.MethodPost, Path: "/v1/accounts", Body: account(func(b map[string]any) { b["address"].(map[string]any)["city"] = 5 })},
			http.StatusBadRequest, "/problems/malformed-request", "address.city"},
		{"wrong type, first user", req{Method: http.MethodPost, Path: "/v1/accounts", Body: account(func(b map[string]any) { b["first_user"] = map[string]any{"email": true} })},
			http.StatusBadRequest, "/problems/malformed-request", "first_user.email"},
		{"wrong type, top level", req{Method: http.MethodPost, Path: "/v1/accounts", Body: account(func(b map[string]any) { b["name"] = []int{1} })},
			http.StatusBadRequest, "/problems/malformed-request", "name"},
		{"rule, nested", req{Method: http.MethodPost, Path: "/v1/accounts", Body: account(func(b map[string]any) { b["address"].(map[string]any)["city"] = " " })},
			http.StatusUnprocessableEntity, "/problems/validation-failed", "address.city"},
		{"rule, first user", req{Method: http.MethodPost, Path: "/v1/accounts", Body: account(func(b map[string]any) { b["first_user"] = map[string]any{"email": "not an address"} })},
			http.StatusUnprocessableEntity, "/problems/validation-failed", "first_user.email"},
		{"merge patch, wrong type", req{Method: http.MethodPatch, Path: "/v1/accounts/" + c.ID, Body: map[string]any{"address": map[string]any{"city": 5}}},
			http.StatusBadRequest, "/problems/malformed-request", "address.city"},
		{"merge patch, rule", req{Method: http.MethodPatch, Path: "/v1/accounts/" + c.ID, Body: map[string]any{"address": map[string]any{"country": "France"}}},
			http.StatusUnprocessableEntity, "/problems/validation-failed", "address.country"},
		{"merge patch, required member removed", req{Method: http.MethodPatch, Path: "/v1/accounts/" + c.ID, Body: map[string]any{"address": map[string]any{"city": nil}}},
			http.StatusUnprocessableEntity, "/problems/validation-failed", "address.city"},
		{"invitation, wrong type in a list", req{Method: http.MethodPost, Path: "/v1/accounts/" + rootID + "/users", Body: map[string]any{"username": "x.paths", "email": "x@paths.test", "group_ids": []int{1}}},
			http.StatusBadRequest, "/problems/malformed-request", "group_ids[0]"},
		{"invitation, malformed group ID", req{Method: http.MethodPost, Path: "/v1/accounts/" + rootID + "/users", Body: map[string]any{"username": "x.paths", "email": "x@paths.test", "group_ids": []string{"g1"}}},
			http.StatusUnprocessableEntity, "/problems/validation-failed", "group_ids"},
		{"a key twice", req{Method: http.MethodPatch, Path: "/v1/accounts/" + c.ID, Body: `{"address":{"city":"A","city":"B"}}`},
			http.StatusBadRequest, "/problems/malformed-request", "address.city"},
		{"malformed If-Match", req{Method: http.MethodPatch, Path: "/v1/accounts/" + c.ID, Header: map[string]string{"If-Match": "yesterday"}, Body: map[string]any{"name": "Y"}},
			http.StatusBadRequest, "/problems/malformed-request", ""},
		{"malformed If-Match on a group", req{Method: http.MethodPatch, Path: "/v1/groups/" + h.createGroup(t, rootID, "Paths", "billing.view"), Header: map[string]string{"If-Match": `"x"`}, Body: map[string]any{"name": "Y"}},
			http.StatusBadRequest, "/problems/malformed-request", ""},
	}
	for _, tc := range cases {
		p := h.do(t, tc.req).expectProblem(t, tc.status, tc.typ)
		if p.Field != tc.field {
			t.Errorf("%s: field %q, want %q (%s)", tc.name, p.Field, tc.field, p.Detail)
		}
	}
}
