package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/camcloud/accounts/identity/group"
)

// statuses sends requests at once and returns their statuses in order.
func statuses(t *testing.T, send ...func() response) []int {
	t.Helper()
	out := make([]int, len(send))
	var wg sync.WaitGroup
	for i, s := range send {
		wg.Go(func() { out[i] = s().Status })
	}
	wg.Wait()
	return out
}

func count(statuses []int, status int) int {
	n := 0
	for _, s := range statuses {
		if s == status {
			n++
		}
	}
	return n
}

// activeAdministrators are the users of an account who are active members of its Administrator
// group, as the root administrator lists them.
func (h *harness) activeAdministrators(t *testing.T, accountID string) []string {
	t.Helper()
	var out []string
	for _, u := range h.identUsers(t, accountID) {
		if u.Status == "active" && slices.Contains(u.GroupIDs, group.AdministratorID(accountID)) {
			out = append(out, u.ID)
		}
	}
	return out
}

// Given a customer account with an administrator and a user who may only manage users, the user
// manager can neither demote nor disable nor reset the administrator (who holds permissions the
// manager lacks), while acting on a user who holds no more than they do.
func TestNoPrivilegeEscalationInsideAnAccount(t *testing.T) {
	h := newHarness(t)
	c, _ := h.create(t, "", "customer", "Bakery")
	admin, _ := h.member(t, c.ID, "alice")
	managerID, managerToken := h.member(t, c.ID, "mallory", "users.manage")
	manager := h.as(managerToken)
	own := h.identUserDoc(t, managerID).GroupIDs

	for _, r := range []req{
		{Method: http.MethodPatch, Path: "/v1/users/" + admin, Body: map[string]any{"group_ids": own}},
		{Method: http.MethodPost, Path: "/v1/users/" + admin + ":disable"},
		{Method: http.MethodPost, Path: "/v1/users/" + admin + ":enable"},
		{Method: http.MethodPost, Path: "/v1/users/" + admin + "/password-reset"},
		{Method: http.MethodPost, Path: "/v1/users/" + admin + "/invitation:resend"},
		{Method: http.MethodDelete, Path: "/v1/users/" + admin + "/invitation"},
	} {
		t.Run(r.Method+" "+r.Path[len("/v1/users/")+len(admin):], func(t *testing.T) {
			manager.do(t, r).expectProblem(t, http.StatusForbidden, "/problems/forbidden")
		})
	}
	if got := h.activeAdministrators(t, c.ID); !slices.Equal(got, []string{admin}) {
		t.Fatalf("active administrators %v, want [%s]", got, admin)
	}

	// A peer holding only users.manage is fair game.
	peer := h.as(managerToken).invite(t, c.ID, "peer", "peer@example.test", own...)
	manager.do(t, req{Method: http.MethodPost, Path: "/v1/users/" + peer + "/invitation:resend"}).expect(t, http.StatusAccepted, nil)
}

// The account's last active administrator can be neither disabled nor demoted, by themself or
// anyone; with a second one, either can go.
func TestLastAdministratorStays(t *testing.T) {
	h := newHarness(t)
	c, _ := h.create(t, "", "customer", "Bakery")
	alice, aliceToken := h.member(t, c.ID, "alice")
	viewers := h.createGroup(t, c.ID, "Viewers", "billing.view")
	self := h.as(aliceToken)

	for name, r := range map[string]req{
		"disable self": {Method: http.MethodPost, Path: "/v1/users/" + alice + ":disable"},
		"demote self":  {Method: http.MethodPatch, Path: "/v1/users/" + alice, Body: map[string]any{"group_ids": []string{viewers}}},
	} {
		t.Run(name, func(t *testing.T) {
			self.do(t, r).expectProblem(t, http.StatusConflict, "/problems/last-administrator")
			h.do(t, r).expectProblem(t, http.StatusConflict, "/problems/last-administrator")
		})
	}
	// An invited administrator is no active one yet.
	h.invite(t, c.ID, "invited", "invited@example.test")
	self.do(t, req{Method: http.MethodPost, Path: "/v1/users/" + alice + ":disable"}).expectProblem(t, http.StatusConflict, "/problems/last-administrator")

	bob, _ := h.member(t, c.ID, "bob")
	self.do(t, req{Method: http.MethodPatch, Path: "/v1/users/" + bob, Body: map[string]any{"group_ids": []string{viewers}}}).expect(t, http.StatusOK, nil)
	self.do(t, req{Method: http.MethodPatch, Path: "/v1/users/" + alice, Body: map[string]any{"group_ids": []string{viewers}}}).
		expectProblem(t, http.StatusConflict, "/problems/last-administrator")
	if got := h.activeAdministrators(t, c.ID); !slices.Equal(got, []string{alice}) {
		t.Fatalf("active administrators %v, want [%s]", got, alice)
	}
}

// Two administrators who disable (or demote) each other at the same moment: one of them stays.
func TestAdministratorsRemovingEachOtherAtOnce(t *testing.T) {
	h := newHarness(t)
	for round := range 6 {
		c, _ := h.create(t, "", "customer", fmt.Sprint("Shop ", round))
		a, aToken := h.member(t, c.ID, fmt.Sprint("ann", round))
		b, bToken := h.member(t, c.ID, fmt.Sprint("ben", round))
		viewers := h.createGroup(t, c.ID, "Viewers", "billing.view")
		remove := func(token, target string) func() response {
			r := req{Method: http.MethodPost, Path: "/v1/users/" + target + ":disable"}
			if round%2 == 1 {
				r = req{Method: http.MethodPatch, Path: "/v1/users/" + target, Body: map[string]any{"group_ids": []string{viewers}}}
			}
			return func() response { return h.as(token).do(t, r) }
		}
		got := statuses(t, remove(aToken, b), remove(bToken, a))
		if count(got, http.StatusOK) != 1 {
			t.Fatalf("round %d: statuses %v, want exactly one removal", round, got)
		}
		if admins := h.activeAdministrators(t, c.ID); len(admins) != 1 {
			t.Fatalf("round %d: active administrators %v, want one", round, admins)
		}
	}
}

// Four identical account creations sent at once: one account is created, the others are refused
// (the first user's e-mail is taken) and leave nothing behind.
func TestIdenticalCreationsAtOnce(t *testing.T) {
	h := newHarness(t)
	p, _ := h.create(t, "", "partner", "Acme")
	body := map[string]any{"parent_id": p.ID, "kind": "customer", "name": "Twin", "address": testAddress,
		"first_user": map[string]string{"email": "twin@example.test"}}
	send := func() response { return h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts", Body: body}) }
	got := statuses(t, send, send, send, send)
	if count(got, http.StatusCreated) != 1 || count(got, http.StatusConflict) != 3 {
		t.Fatalf("statuses %v, want one 201 and three 409", got)
	}
	kids, _ := h.children(t, p.ID, h.lastPosition(t).String(), 50)
	if len(kids) != 1 {
		t.Fatalf("%d accounts under the partner, want 1: %+v", len(kids), kids)
	}
}

// Group names are unique within an account whatever their case; a name is free again once its
// group is deleted or renamed; PATCH changes only what it names.
func TestGroupNames(t *testing.T) {
	h := newHarness(t)
	c, _ := h.create(t, "", "customer", "Bakery")
	other, _ := h.create(t, "", "customer", "Butcher")
	first := h.createGroup(t, c.ID, "Operators", "billing.view")
	taken := h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + c.ID + "/groups",
		Body: map[string]any{"name": " OPERATORS ", "permissions": []string{}}}).expectProblem(t, http.StatusConflict, "/problems/already-taken")
	if taken.Field != "name" {
		t.Errorf("problem field %q, want name", taken.Field)
	}
	h.createGroup(t, other.ID, "Operators")
	second := h.createGroup(t, c.ID, "Installers")
	h.do(t, req{Method: http.MethodPatch, Path: "/v1/groups/" + second, Body: map[string]any{"name": "operators"}}).
		expectProblem(t, http.StatusConflict, "/problems/already-taken")

	// Only the permissions: the name stays.
	h.do(t, req{Method: http.MethodPatch, Path: "/v1/groups/" + first, Body: map[string]any{"permissions": []string{"users.manage"}}}).expect(t, http.StatusOK, nil)
	var g identGroup
	h.do(t, req{Method: http.MethodGet, Path: "/v1/groups/" + first}).expect(t, http.StatusOK, &g)
	if g.Name != "Operators" || !slices.Equal(g.Permissions, []string{"users.manage"}) {
		t.Fatalf("group after a permissions-only PATCH: %+v", g)
	}
	// Renamed, its old name is free; deleted, its name is free.
	h.do(t, req{Method: http.MethodPatch, Path: "/v1/groups/" + first, Body: map[string]any{"name": "Ops"}}).expect(t, http.StatusOK, nil)
	h.createGroup(t, c.ID, "operators")
	h.do(t, req{Method: http.MethodDelete, Path: "/v1/groups/" + first}).expect(t, http.StatusOK, nil)
	h.createGroup(t, c.ID, "OPS")
}

// Adding a member to a group while it is deleted: either the group is gone and the user is not in
// it, or the group stays with its new member; never a member of a deleted group.
func TestGroupDeletedWhileAMemberJoins(t *testing.T) {
	h := newHarness(t)
	c, _ := h.create(t, "", "customer", "Bakery")
	h.member(t, c.ID, "alice")
	userID, _ := h.member(t, c.ID, "gus", "billing.view")
	own := h.identUserDoc(t, userID).GroupIDs
	for round := range 6 {
		g := h.createGroup(t, c.ID, fmt.Sprint("Team ", round), "billing.view")
		got := statuses(t,
			func() response {
				return h.do(t, req{Method: http.MethodPatch, Path: "/v1/users/" + userID, Body: map[string]any{"group_ids": append([]string{g}, own...)}})
			},
			func() response { return h.do(t, req{Method: http.MethodDelete, Path: "/v1/groups/" + g}) },
		)
		member := slices.Contains(h.identUserDoc(t, userID).GroupIDs, g)
		deleted := h.do(t, req{Method: http.MethodGet, Path: "/v1/groups/" + g}).Status == http.StatusNotFound
		if member == deleted {
			t.Fatalf("round %d (statuses %v): member %v, group deleted %v", round, got, member, deleted)
		}
		if member {
			h.do(t, req{Method: http.MethodPatch, Path: "/v1/users/" + userID, Body: map[string]any{"group_ids": own}}).expect(t, http.StatusOK, nil)
		}
	}
}

// Changing a group acts on its members: a user who may manage users but not accounts cannot
// narrow (or rename) a group that grants accounts.manage.
func TestGroupChangeNeedsTheGroupsPermissions(t *testing.T) {
	h := newHarness(t)
	c, _ := h.create(t, "", "customer", "Bakery")
	h.member(t, c.ID, "alice")
	_, managerToken := h.member(t, c.ID, "mallory", "users.manage")
	powerful := h.createGroup(t, c.ID, "Managers", "users.manage", "accounts.manage")
	for _, body := range []map[string]any{
		{"permissions": []string{"users.manage"}},
		{"name": "Renamed"},
	} {
		h.as(managerToken).do(t, req{Method: http.MethodPatch, Path: "/v1/groups/" + powerful, Body: body}).
			expectProblem(t, http.StatusForbidden, "/problems/forbidden")
	}
	var g identGroup
	h.do(t, req{Method: http.MethodGet, Path: "/v1/groups/" + powerful}).expect(t, http.StatusOK, &g)
	if g.Name != "Managers" || !slices.Equal(g.Permissions, []string{"accounts.manage", "users.manage"}) {
		t.Fatalf("group after refused changes: %+v", g)
	}
}
