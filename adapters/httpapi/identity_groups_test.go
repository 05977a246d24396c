package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/camcloud/accounts/identity/group"
)

// TestAdministratorGroup: every account has the built-in Administrator group with every
// permission, and it can be neither changed nor deleted.
func TestAdministratorGroup(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	customer, pos := h.create(t, "", "customer", "Customer")
	h.get(t, customer.ID, pos)

	var perms struct {
		Items []string `json:"items"`
	}
	h.do(t, req{Method: http.MethodGet, Path: "/v1/permissions"}).expect(t, http.StatusOK, &perms)
	want := []string{"accounts.manage", "billing.manage", "billing.view", "connections.manage", "recorders.manage", "support.act", "support.manage", "users.manage"}
	if !slices.Equal(perms.Items, want) {
		t.Fatalf("GET /v1/permissions = %q, want %q", perms.Items, want)
	}

	for _, account := range []string{rootID, customer.ID} {
		groups := identGroups(t, h, account)
		if len(groups) == 0 {
			t.Fatalf("account %s has no group", account)
		}
		admin := groups[0]
		if admin.ID != group.AdministratorID(account) || admin.AccountID != account || admin.Name != "Administrator" ||
			!admin.Builtin || !slices.Equal(admin.Permissions, perms.Items) {
			t.Fatalf("first group of %s: %+v, want the built-in Administrator group with every permission", account, admin)
		}
	}

	adminGroup := "/v1/groups/" + group.AdministratorID(rootID)
	var before identGroup
	h.do(t, req{Method: http.MethodGet, Path: adminGroup}).expect(t, http.StatusOK, &before)
	refusals := []struct {
		name string
		req  req
	}{
		{"rename", req{Method: http.MethodPatch, Path: adminGroup, Body: map[string]any{"name": "Admins", "permissions": want}}},
		{"fewer permissions", req{Method: http.MethodPatch, Path: adminGroup, Body: map[string]any{"name": "Administrator", "permissions": []string{"users.manage"}}}},
		{"no permissions", req{Method: http.MethodPatch, Path: adminGroup, Body: map[string]any{"name": "Administrator", "permissions": []string{}}}},
		{"the same", req{Method: http.MethodPatch, Path: adminGroup, Body: map[string]any{"name": "Administrator", "permissions": want}}},
		{"delete", req{Method: http.MethodDelete, Path: adminGroup}},
		{"delete another account's", req{Method: http.MethodDelete, Path: "/v1/groups/" + group.AdministratorID(customer.ID)}},
	}
	events := h.eventCount(t)
	for _, tc := range refusals {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			h.do(t, tc.req).expectProblem(t, http.StatusConflict, identBuiltin)
			var after identGroup
			h.do(t, req{Method: http.MethodGet, Path: adminGroup}).expect(t, http.StatusOK, &after)
			if after.Name != before.Name || !slices.Equal(after.Permissions, before.Permissions) || after.Revision != before.Revision {
				t.Fatalf("the Administrator group changed: %+v, was %+v", after, before)
			}
		})
	}
	if n := h.eventCount(t); n != events {
		t.Fatalf("refused changes appended %d events", n-events)
	}

	// No custom group may pass for it.
	for _, name := range []string{"Administrator", "administrator", "  ADMINISTRATOR "} {
		p := h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + rootID + "/groups",
			Body: map[string]any{"name": name, "permissions": []string{}}}).expectProblem(t, http.StatusUnprocessableEntity, identValidation)
		identProblemField(t, p, "name")
	}
	if n := len(identGroups(t, h, rootID)); n != 1 {
		t.Fatalf("the root has %d groups, want only the Administrator group", n)
	}
}

// TestCustomGroupPermissions: a custom group grants exactly its permissions to its members; a
// change to the group, to a user's groups, or the group's deletion shows on the member's very next
// request.
func TestCustomGroupPermissions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	customer, pos := h.create(t, "", "customer", "Customer")
	h.get(t, customer.ID, pos)
	customerGroup := h.createGroup(t, customer.ID, "Customer staff", "users.manage")

	// Creating: bad permissions and names are refused and create nothing.
	createRefusals := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"unknown permission", map[string]any{"name": "Ops", "permissions": []string{"users.delete"}}, "permissions"},
		{"one unknown among known", map[string]any{"name": "Ops", "permissions": []string{"users.manage", "cameras.view"}}, "permissions"},
		{"permission in another case", map[string]any{"name": "Ops", "permissions": []string{"Users.Manage"}}, "permissions"},
		{"empty permission", map[string]any{"name": "Ops", "permissions": []string{""}}, "permissions"},
		{"no name", map[string]any{"name": " ", "permissions": []string{"users.manage"}}, "name"},
		{"name too long", map[string]any{"name": strings.Repeat("n", 101), "permissions": []string{"users.manage"}}, "name"},
	}
	for _, tc := range createRefusals {
		t.Run("create refused: "+tc.name, func(t *testing.T) {
			before := len(identGroups(t, h, rootID))
			p := h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + rootID + "/groups", Body: tc.body}).
				expectProblem(t, http.StatusUnprocessableEntity, identValidation)
			identProblemField(t, p, tc.field)
			if after := len(identGroups(t, h, rootID)); after != before {
				t.Fatalf("%d groups after a refused creation, was %d", after, before)
			}
		})
	}

	resp := h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + rootID + "/groups",
		Body: map[string]any{"name": " Operators ", "permissions": []string{"users.manage", "users.manage"}}})
	var created struct {
		ID       string `json:"id"`
		Revision uint64 `json:"revision"`
		Position string `json:"position"`
	}
	resp.expect(t, http.StatusCreated, &created)
	ops := created.ID
	if loc := resp.Header.Get("Location"); loc != "/v1/groups/"+ops {
		t.Errorf("Location %q, want /v1/groups/%s", loc, ops)
	}
	var g identGroup
	h.do(t, req{Method: http.MethodGet, Path: "/v1/groups/" + ops}).expect(t, http.StatusOK, &g)
	if g.Name != "Operators" || g.AccountID != rootID || g.Builtin || !slices.Equal(g.Permissions, []string{"users.manage"}) {
		t.Fatalf("created group %+v, want Operators with users.manage only", g)
	}

	// gita starts in a group of her own that may only view billing.
	gitaID, token := h.member(t, rootID, "gita", "billing.view")
	own := h.identUserDoc(t, gitaID).GroupIDs
	gita := h.as(token)

	// check says what gita may do now: the permissions GET /v1/me shows, and the answers of one
	// request needing users.manage and one needing accounts.manage.
	check := func(t *testing.T, perms []string, usersManage, accountsManage bool) {
		t.Helper()
		if got := gita.identMe(t).Permissions; !slices.Equal(got, perms) {
			t.Fatalf("permissions %q, want %q", got, perms)
		}
		for _, c := range []struct {
			allowed bool
			req     req
		}{
			{usersManage, req{Method: http.MethodGet, Path: "/v1/accounts/" + rootID + "/users"}},
			{usersManage, req{Method: http.MethodGet, Path: "/v1/accounts/" + rootID + "/groups"}},
			{accountsManage, req{Method: http.MethodGet, Path: "/v1/accounts/" + rootID + "/children"}},
			{accountsManage, req{Method: http.MethodPatch, Path: "/v1/accounts/" + rootID, Body: map[string]any{"name": "Platform"}}},
		} {
			resp := gita.do(t, c.req)
			if c.allowed {
				if resp.Status != http.StatusOK {
					t.Fatalf("%s %s: status %d, want 200; body %s", c.req.Method, c.req.Path, resp.Status, resp.Body)
				}
			} else {
				resp.expectProblem(t, http.StatusForbidden, identForbidden)
			}
		}
		// Scope needs no permission.
		gita.do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + rootID}).expect(t, http.StatusOK, nil)
	}
	assign := func(t *testing.T, groups ...string) {
		t.Helper()
		h.do(t, req{Method: http.MethodPatch, Path: "/v1/users/" + gitaID, Body: map[string]any{"group_ids": groups}}).
			expect(t, http.StatusOK, &commandAnswer{})
	}
	changeOps := func(t *testing.T, perms ...string) {
		t.Helper()
		h.do(t, req{Method: http.MethodPatch, Path: "/v1/groups/" + ops, Body: map[string]any{"name": "Operators", "permissions": perms}}).
			expect(t, http.StatusOK, &commandAnswer{})
	}

	t.Run("in her own group", func(t *testing.T) {
		check(t, []string{"billing.view"}, false, false)
	})

	var hire string // a user gita invites into Operators
	t.Run("assigned to Operators", func(t *testing.T) {
		assign(t, ops)
		if u := h.identUserDoc(t, gitaID); !slices.Equal(u.GroupIDs, []string{ops}) {
			t.Fatalf("groups %q, want [%s]", u.GroupIDs, ops)
		}
		check(t, []string{"users.manage"}, true, false)
		// users.manage lets her add a user to a group whose permissions she holds, not to the
		// Administrator group (the default), and not an account.
		hire = gita.invite(t, rootID, "gitas.hire", "hire@example.test", ops)
		gita.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + rootID + "/users", Body: map[string]any{"username": "gitas.boss", "email": "boss@example.test"}}).
			expectProblem(t, http.StatusForbidden, identForbidden)
		gita.do(t, req{Method: http.MethodPost, Path: "/v1/accounts", Body: map[string]any{"kind": "customer", "name": "Nope", "address": testAddress}}).
			expectProblem(t, http.StatusForbidden, identForbidden)
	})

	t.Run("group gains and loses permissions", func(t *testing.T) {
		changeOps(t, "accounts.manage")
		check(t, []string{"accounts.manage"}, false, true)
		changeOps(t, "accounts.manage", "users.manage")
		check(t, []string{"accounts.manage", "users.manage"}, true, true)
		changeOps(t)
		check(t, []string{}, false, false)
		changeOps(t, "users.manage")
		check(t, []string{"users.manage"}, true, false)
	})

	t.Run("group change refused", func(t *testing.T) {
		var before identGroup
		h.do(t, req{Method: http.MethodGet, Path: "/v1/groups/" + ops}).expect(t, http.StatusOK, &before)
		p := h.do(t, req{Method: http.MethodPatch, Path: "/v1/groups/" + ops, Body: map[string]any{"name": "Operators", "permissions": []string{"everything"}}}).
			expectProblem(t, http.StatusUnprocessableEntity, identValidation)
		identProblemField(t, p, "permissions")
		h.do(t, req{Method: http.MethodPatch, Path: "/v1/groups/" + ops, Header: map[string]string{"If-Match": etag(before.Revision - 1)},
			Body: map[string]any{"name": "Operators", "permissions": []string{"accounts.manage"}}}).
			expectProblem(t, http.StatusPreconditionFailed, "/problems/revision-mismatch")
		var after identGroup
		h.do(t, req{Method: http.MethodGet, Path: "/v1/groups/" + ops}).expect(t, http.StatusOK, &after)
		if after.Revision != before.Revision || !slices.Equal(after.Permissions, before.Permissions) {
			t.Fatalf("refused changes changed the group: %+v, was %+v", after, before)
		}
		check(t, []string{"users.manage"}, true, false)
	})

	t.Run("assignment refused", func(t *testing.T) {
		for name, groups := range map[string][]string{
			"unknown group":                         {"00000000-0000-0000-0000-000000000000"},
			"not a uuid":                            {"operators"},
			"another account's group":               {customerGroup},
			"another account's Administrator group": {group.AdministratorID(customer.ID)},
			"one good, one unknown":                 {ops, "00000000-0000-0000-0000-000000000000"},
			"no group":                              {},
		} {
			t.Run(name, func(t *testing.T) {
				revision := h.identUserRevision(t, gitaID)
				p := h.do(t, req{Method: http.MethodPatch, Path: "/v1/users/" + gitaID, Body: map[string]any{"group_ids": groups}}).
					expectProblem(t, http.StatusUnprocessableEntity, identValidation)
				identProblemField(t, p, "group_ids")
				if h.identUserRevision(t, gitaID) != revision {
					t.Fatal("a refused assignment changed the user")
				}
			})
		}
		check(t, []string{"users.manage"}, true, false)
	})

	t.Run("two groups grant their union", func(t *testing.T) {
		assign(t, ops, own[0])
		check(t, []string{"billing.view", "users.manage"}, true, false)
	})

	t.Run("deleted", func(t *testing.T) {
		h.do(t, req{Method: http.MethodDelete, Path: "/v1/groups/" + ops}).expectProblem(t, http.StatusConflict, "/problems/group-has-members")
		check(t, []string{"billing.view", "users.manage"}, true, false)
		assign(t, own[0])
		h.do(t, req{Method: http.MethodDelete, Path: "/v1/users/" + hire + "/invitation"}).expect(t, http.StatusOK, nil)
		h.do(t, req{Method: http.MethodDelete, Path: "/v1/groups/" + ops}).expect(t, http.StatusOK, &commandAnswer{})
		check(t, []string{"billing.view"}, false, false)
		h.do(t, req{Method: http.MethodGet, Path: "/v1/groups/" + ops}).expectProblem(t, http.StatusNotFound, identNotFound)
		h.do(t, req{Method: http.MethodDelete, Path: "/v1/groups/" + ops}).expectProblem(t, http.StatusNotFound, identNotFound)
		h.do(t, req{Method: http.MethodPatch, Path: "/v1/groups/" + ops, Body: map[string]any{"name": "Operators", "permissions": []string{"users.manage"}}}).
			expectProblem(t, http.StatusNotFound, identNotFound)
		for _, listed := range identGroups(t, h, rootID) {
			if listed.ID == ops {
				t.Fatal("the deleted group is still listed")
			}
		}
		p := h.do(t, req{Method: http.MethodPatch, Path: "/v1/users/" + gitaID, Body: map[string]any{"group_ids": []string{ops}}}).
			expectProblem(t, http.StatusUnprocessableEntity, identValidation)
		identProblemField(t, p, "group_ids")
	})
}

func identGroups(t *testing.T, h *harness, accountID string) []identGroup {
	t.Helper()
	var out struct {
		Items []identGroup `json:"items"`
	}
	h.do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + accountID + "/groups"}).expect(t, http.StatusOK, &out)
	return out.Items
}
