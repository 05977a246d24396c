package httpapi_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/identity/group"
)

// TestSupportActAloneReadsNothingWithoutAGrant: a user of the platform root whose groups hold
// only support.act reads nothing of a customer's account without a grant of it. Every read of
// the account (the account itself with its registration code, its children and descendants, users,
// groups, service clients, recorders, item tree, cameras, usage, invoices, billing details,
// support grants and their activity) answers 403 forbidden, as the routes that need a permission
// do, and names nothing of the account; beside support.act, the permission each read needs opens
// it. Under a grant the agent reads the account, without its registration code.
func TestSupportActAloneReadsNothingWithoutAGrant(t *testing.T) {
	t.Parallel()
	a := newAgentWorld(t)
	h := a.h
	whole := a.grant(t, a.shop, map[string]any{"whole_account": true})
	hq := a.grant(t, a.shop, map[string]any{"item_ids": []string{a.hq}})
	shopGroup := h.createGroup(t, a.shop, "Shop team", string(group.UsersManage))
	shopUser := a.w.invited(t, a.shop, shopGroup)
	secrets := a.w.accountSecrets(t, a.shop)
	staff := a.w.withPerms(t, rootID, group.SupportAct) // platform staff, no other permission

	reads := []struct {
		path string
		perm group.Permission // a permission that, beside support.act, opens the read
	}{
		{"/v1/accounts/" + a.shop, group.BillingView}, // any permission other than support.act
		{"/v1/accounts/" + a.shop + "/children", group.AccountsManage},
		{"/v1/accounts/" + a.shop + "/descendants?name=Agent", group.AccountsManage},
		{"/v1/accounts/" + a.shop + "/service-clients", group.AccountsManage},
		{"/v1/accounts/" + a.shop + "/users", group.UsersManage},
		{"/v1/accounts/" + a.shop + "/groups", group.UsersManage},
		{"/v1/users/" + shopUser.id, group.UsersManage},
		{"/v1/groups/" + shopGroup, group.UsersManage},
		{"/v1/accounts/" + a.shop + "/recorders", group.RecordersManage},
		{"/v1/recorders/" + a.recorder, group.RecordersManage},
		{"/v1/accounts/" + a.shop + "/items", group.RecordersManage},
		{"/v1/items/" + a.hq, group.RecordersManage},
		{"/v1/cameras/" + a.cams[0], group.RecordersManage},
		{"/v1/accounts/" + a.shop + "/usage?from=2026-10-01&to=2026-10-31", group.BillingView},
		{"/v1/accounts/" + a.shop + "/invoices", group.BillingView},
		{"/v1/accounts/" + a.shop + "/billing-details", group.BillingView},
		{"/v1/accounts/" + a.shop + "/support-grants", group.SupportManage},
		{"/v1/support-grants/" + whole + "/activity", group.SupportManage},
	}
	opened := map[group.Permission]azUser{}
	for _, r := range reads {
		if _, ok := opened[r.perm]; !ok {
			opened[r.perm] = a.w.withPerms(t, rootID, group.SupportAct, r.perm)
		}
	}
	for _, r := range reads {
		t.Run(r.path, func(t *testing.T) {
			resp := h.as(staff.token).do(t, req{Method: http.MethodGet, Path: r.path})
			resp.expectProblem(t, http.StatusForbidden, "/problems/forbidden")
			for _, s := range secrets[1:] { // the ID is in the path; the name and the code are not
				if bytes.Contains(resp.Body, []byte(s)) {
					t.Errorf("the refusal names the account (%q): %s", s, resp.Body)
				}
			}
			h.as(opened[r.perm].token).do(t, req{Method: http.MethodGet, Path: r.path}).expect(t, http.StatusOK, nil)
		})
	}

	t.Run("their own account, and an unknown one", func(t *testing.T) {
		h.as(staff.token).do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + rootID}).expect(t, http.StatusOK, nil)
		h.as(staff.token).do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + uuid.NewString()}).expectProblem(t, http.StatusNotFound, "/problems/not-found")
	})

	t.Run("a member holding nothing reads their own account only", func(t *testing.T) {
		nothing := a.w.withPerms(t, rootID)
		h.as(nothing.token).do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + rootID}).expect(t, http.StatusOK, nil)
		h.as(nothing.token).do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + a.shop}).expectProblem(t, http.StatusForbidden, "/problems/forbidden")
	})

	t.Run("the live grants name the account, never its code", func(t *testing.T) {
		resp := h.as(staff.token).do(t, req{Method: http.MethodGet, Path: "/v1/support/grants"})
		resp.expect(t, http.StatusOK, nil)
		if code := secrets[2]; bytes.Contains(resp.Body, []byte(code)) {
			t.Errorf("the live grants name the registration code: %s", resp.Body)
		}
	})

	// Under a grant the account reads, without its registration code: the code attaches
	// recorders to the account, which no grant lets an agent do, and a recorder registered with
	// it would outlive the grant. Its members still read the code.
	for name, g := range map[string]string{"whole account": whole, "one folder": hq} {
		t.Run("under a grant of the "+name, func(t *testing.T) {
			for _, agent := range []azUser{staff, a.agent} {
				var doc accountDoc
				h.as(agent.token).do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + a.shop, Header: map[string]string{"X-Support-Grant": g}}).
					expect(t, http.StatusOK, &doc)
				if doc.ID != a.shop || doc.Name != secrets[1] || doc.RegistrationCode != "" {
					t.Errorf("the account to an agent: %+v", doc)
				}
			}
		})
	}
	if got, _ := h.get(t, a.shop, ""); got.RegistrationCode != secrets[2] || got.RegistrationCode == "" {
		t.Errorf("the account to its administrator: code %q, want %q", got.RegistrationCode, secrets[2])
	}
}
