package httpapi_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/identitycmd"
	"github.com/camcloud/accounts/recorders/recordercmd"
)

// azTarget is one request on a freshly made target, and what identifies that target: a 404 or
// 401 answer must not contain any of it.
type azTarget struct {
	req     req
	secrets []string
}

// azRow is one endpoint of the authorization matrix.
type azRow struct {
	name string           // method and route, the subtest's name
	perm group.Permission // the permission it needs; "" when any member in scope may use it
	// also is what the allowed user holds besides perm: what the request hands on (a key's
	// scopes) must be the user's own.
	also []group.Permission
	// in is the account below P the in-scope principals act on (default C).
	in string
	// target makes a fresh target in an account, so that allowed changes disturb no other row.
	target func(t *testing.T, accountID string) azTarget
	status int // the answer to the right user
}

// TestAuthzMatrix runs every authenticated endpoint against every kind of principal (issue 4,
// "An authorization matrix"): a user of the target's account without the permission (403), a user
// of a sibling account (404: Q's administrator on P's subtree, and C's administrator on its
// sibling S), a user of a child account reaching upward (404), a disabled user and a missing,
// garbage or ended token (401), and the right user (allowed); and a support agent (issue 12):
// without a grant (404), under a whole-account grant (allowed on the routes agents may call, 403
// wrong-credentials on the others), a grant of one folder the target is outside of (404), a
// revoked or ended grant (403 support-grant-not-live) and a grant of another account (404).
// Refusals append no event and never name the target.
func TestAuthzMatrix(t *testing.T) {
	t.Parallel()
	start := time.Now()
	w := newAuthzTree(t)
	h := w.h

	// Principals. The in-scope ones are users of the partner P acting on P's customer C (or its
	// sub-partner S); the wrong-scope ones hold every permission, so only scope refuses them.
	allowed := map[group.Permission]string{} // a P user holding just that permission
	lacking := map[group.Permission]string{} // a P user holding every permission but that one
	for _, perm := range []group.Permission{group.AccountsManage, group.UsersManage, group.RecordersManage, group.BillingView, group.BillingManage, group.SupportManage} {
		allowed[perm] = w.withPerms(t, w.p, perm).token
		var others []group.Permission
		for _, p := range group.All() {
			if p != perm {
				others = append(others, p)
			}
		}
		lacking[perm] = w.withPerms(t, w.p, others...).token
	}
	allowedFor := func(row azRow) string {
		if len(row.also) == 0 {
			return allowed[row.perm]
		}
		return w.withPerms(t, w.p, append([]group.Permission{row.perm}, row.also...)...).token
	}
	viewer := w.withPerms(t, w.p, group.BillingView).token // in scope, no management permission
	siblingAdmin := w.signedIn(t, w.q).token               // administrator of Q, P's sibling
	childAdmin := w.signedIn(t, w.c).token                 // administrator of C, below P

	// A P administrator who was allowed, then disabled by an administrator (another one keeps
	// P administered: the last one is never disabled).
	w.signedIn(t, w.p)
	disabled := w.signedIn(t, w.p)
	h.as(disabled.token).do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + w.c + "/users"}).expect(t, http.StatusOK, nil)
	h.do(t, req{Method: http.MethodPost, Path: "/v1/users/" + disabled.id + ":disable"}).expect(t, http.StatusOK, nil)

	// A signed-out session of a P administrator whose other session stays valid: the refusal is
	// about the session, not the user.
	endedUser := w.signedIn(t, w.p)
	ended, _ := w.signIn(t, endedUser.username)
	h.as(ended).do(t, req{Method: http.MethodPost, Path: "/v1/sign-out"}).expect(t, http.StatusNoContent, nil)
	h.as(endedUser.token).do(t, req{Method: http.MethodGet, Path: "/v1/me"}).expect(t, http.StatusOK, nil)

	// A support agent (support.act in a support team account) and grants of C: of the whole
	// account, of one folder (every target is made outside it), revoked, and one ending in two
	// seconds (ended by the time the rows run); and a grant of D, another partner's customer.
	team, _ := h.create(t, rootID, "support-team", w.unique("AZ Support"))
	agent := w.withPerms(t, team.ID, group.SupportAct).token
	grantOn := func(accountID string, body map[string]any) string {
		var g commandAnswer
		h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + accountID + "/support-grants", Body: body}).expect(t, http.StatusCreated, &g)
		return g.ID
	}
	var grantedFolder commandAnswer
	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + w.c + "/folders", Body: map[string]any{"name": "AZ granted folder"}}).expect(t, http.StatusCreated, &grantedFolder)
	ends := time.Now().Add(2 * time.Second).Truncate(time.Second)
	grants := map[string]string{
		"whole":   grantOn(w.c, map[string]any{"whole_account": true}),
		"folder":  grantOn(w.c, map[string]any{"item_ids": []string{grantedFolder.ID}}),
		"revoked": grantOn(w.c, map[string]any{"whole_account": true}),
		"ended":   grantOn(w.c, map[string]any{"whole_account": true, "ends_at": ends.Format(time.RFC3339)}),
		"other":   grantOn(w.d, map[string]any{"whole_account": true}),
	}
	h.do(t, req{Method: http.MethodDelete, Path: "/v1/support-grants/" + grants["revoked"]}).expect(t, http.StatusOK, nil)

	garbage := azForgedToken(t)
	// A recorder of C: its credentials are valid, but for the recorders' own routes only.
	recorderToken := h.registerRecorder(t, w.c, w.unique("AZ-NVR"), 0).Token
	t.Logf("tree and principals built in %v", time.Since(start).Round(time.Millisecond))

	// Targets.
	onAccount := func(method, suffix string, body func(accountID string) any) func(*testing.T, string) azTarget {
		return func(t *testing.T, a string) azTarget {
			var b any
			if body != nil {
				b = body(a)
			}
			return azTarget{req{Method: method, Path: "/v1/accounts/" + a + suffix, Body: b}, w.accountSecrets(t, a)}
		}
	}
	onUser := func(method, suffix string, make func(*testing.T, string) azUser, body func(t *testing.T, accountID string) any) func(*testing.T, string) azTarget {
		return func(t *testing.T, a string) azTarget {
			u := make(t, a)
			var b any
			if body != nil {
				b = body(t, a)
			}
			return azTarget{req{Method: method, Path: "/v1/users/" + u.id + suffix, Body: b}, u.secrets()}
		}
	}
	// Target users hold only users.manage: nobody acts on a user holding more than themself.
	invited := func(t *testing.T, a string) azUser { return w.invited(t, a, w.userManagers(t, a)) }
	active := func(t *testing.T, a string) azUser { return w.active(t, a, w.userManagers(t, a)) }
	disabledUser := func(t *testing.T, a string) azUser { return w.disabled(t, a, w.userManagers(t, a)) }
	onGroup := func(method string, body func() any) func(*testing.T, string) azTarget {
		return func(t *testing.T, a string) azTarget {
			name := w.unique("Team")
			id := h.createGroup(t, a, name, string(group.UsersManage))
			var b any
			if body != nil {
				b = body()
			}
			return azTarget{req{Method: method, Path: "/v1/groups/" + id, Body: b}, []string{id, name}}
		}
	}

	// A plan of the catalogue, for the plan assignment row.
	var plan commandAnswer
	h.do(t, req{Method: http.MethodPost, Path: "/v1/plans", Body: map[string]any{"name": "AZ plan", "currency": "EUR", "daily_price_minor": 10}}).expect(t, http.StatusCreated, &plan)
	planID := plan.ID

	// Recorders, cameras and folders made fresh for each case, in the account it acts on.
	onRecorder := func(method string, body func() any) func(*testing.T, string) azTarget {
		return func(t *testing.T, a string) azTarget {
			serial := w.unique("AZ-NVR")
			rec := h.registerRecorder(t, a, serial, 0)
			var b any
			if body != nil {
				b = body()
			}
			return azTarget{req{Method: method, Path: "/v1/recorders/" + rec.ID, Body: b}, []string{rec.ID, serial}}
		}
	}
	cameraIn := func(t *testing.T, a string) (string, []string) {
		serial := w.unique("AZ-NVR")
		rec := h.registerRecorder(t, a, serial, 1)
		id := recordercmd.CameraID(rec.ID, serial+"-cam-0")
		return id, []string{id, rec.ID, serial}
	}
	onCamera := func(method string, body func() any) func(*testing.T, string) azTarget {
		return func(t *testing.T, a string) azTarget {
			id, secrets := cameraIn(t, a)
			var b any
			if body != nil {
				b = body()
			}
			return azTarget{req{Method: method, Path: "/v1/cameras/" + id, Body: b}, secrets}
		}
	}
	onFolder := func(method, prefix string, body func() any) func(*testing.T, string) azTarget {
		return func(t *testing.T, a string) azTarget {
			name := w.unique("AZ folder")
			var c commandAnswer
			h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + a + "/folders", Body: map[string]any{"name": name}}).expect(t, http.StatusCreated, &c)
			var b any
			if body != nil {
				b = body()
			}
			return azTarget{req{Method: method, Path: prefix + c.ID, Body: b}, []string{c.ID, name}}
		}
	}

	rows := []azRow{
		{name: "GET /v1/accounts/{id}", perm: "", target: onAccount(http.MethodGet, "", nil), status: http.StatusOK},
		{name: "PATCH /v1/accounts/{id}", perm: group.AccountsManage, status: http.StatusOK,
			target: onAccount(http.MethodPatch, "", func(string) any { return map[string]any{"name": w.unique("Renamed")} })},
		{name: "POST /v1/accounts", perm: group.AccountsManage, in: w.s, status: http.StatusCreated,
			target: func(t *testing.T, a string) azTarget {
				return azTarget{req{Method: http.MethodPost, Path: "/v1/accounts", Body: map[string]any{
					"parent_id": a, "kind": "customer", "name": w.unique("New customer"), "address": testAddress, "first_user": firstUser(),
				}}, w.accountSecrets(t, a)}
			}},
		{name: "POST /v1/accounts/{id}/registration-code:rotate", perm: group.AccountsManage, status: http.StatusOK,
			target: onAccount(http.MethodPost, "/registration-code:rotate", nil)},
		{name: "GET /v1/accounts/{id}/children", perm: group.AccountsManage, status: http.StatusOK,
			target: onAccount(http.MethodGet, "/children", nil)},
		{name: "GET /v1/accounts/{id}/descendants", perm: group.AccountsManage, status: http.StatusOK,
			target: onAccount(http.MethodGet, "/descendants", nil)},
		{name: "GET /v1/accounts/{id}/users", perm: group.UsersManage, status: http.StatusOK,
			target: onAccount(http.MethodGet, "/users", nil)},
		{name: "POST /v1/accounts/{id}/users", perm: group.UsersManage, status: http.StatusCreated,
			target: onAccount(http.MethodPost, "/users", func(a string) any {
				// The allowed user holds just users.manage, so that is all they may hand out.
				name := w.unique("az-invitee")
				return map[string]any{"username": name, "email": name + "@example.test", "group_ids": []string{w.userManagers(t, a)}}
			})},
		{name: "GET /v1/users/{id}", perm: group.UsersManage, status: http.StatusOK,
			target: onUser(http.MethodGet, "", invited, nil)},
		{name: "PATCH /v1/users/{id}", perm: group.UsersManage, status: http.StatusOK,
			target: onUser(http.MethodPatch, "", invited, func(t *testing.T, a string) any {
				return map[string]any{"group_ids": []string{w.userManagers(t, a)}}
			})},
		{name: "POST /v1/users/{id}:disable", perm: group.UsersManage, status: http.StatusOK,
			target: onUser(http.MethodPost, ":disable", active, nil)},
		{name: "POST /v1/users/{id}:enable", perm: group.UsersManage, status: http.StatusOK,
			target: onUser(http.MethodPost, ":enable", disabledUser, nil)},
		{name: "POST /v1/users/{id}/invitation:resend", perm: group.UsersManage, status: http.StatusAccepted,
			target: onUser(http.MethodPost, "/invitation:resend", invited, nil)},
		{name: "DELETE /v1/users/{id}/invitation", perm: group.UsersManage, status: http.StatusOK,
			target: onUser(http.MethodDelete, "/invitation", invited, nil)},
		{name: "POST /v1/users/{id}/password-reset", perm: group.UsersManage, status: http.StatusAccepted,
			target: onUser(http.MethodPost, "/password-reset", active, nil)},
		{name: "GET /v1/accounts/{id}/groups", perm: group.UsersManage, status: http.StatusOK,
			target: onAccount(http.MethodGet, "/groups", nil)},
		{name: "POST /v1/accounts/{id}/groups", perm: group.UsersManage, status: http.StatusCreated,
			target: onAccount(http.MethodPost, "/groups", func(string) any {
				return map[string]any{"name": w.unique("Installers"), "permissions": []string{string(group.UsersManage)}}
			})},
		{name: "GET /v1/groups/{id}", perm: group.UsersManage, status: http.StatusOK, target: onGroup(http.MethodGet, nil)},
		{name: "PATCH /v1/groups/{id}", perm: group.UsersManage, status: http.StatusOK,
			target: onGroup(http.MethodPatch, func() any {
				return map[string]any{"name": w.unique("Renamed team"), "permissions": []string{string(group.UsersManage)}}
			})},
		{name: "DELETE /v1/groups/{id}", perm: group.UsersManage, status: http.StatusOK, target: onGroup(http.MethodDelete, nil)},

		{name: "GET /v1/accounts/{id}/recorders", perm: group.RecordersManage, status: http.StatusOK, target: onAccount(http.MethodGet, "/recorders", nil)},
		{name: "GET /v1/recorders/{id}", perm: group.RecordersManage, status: http.StatusOK, target: onRecorder(http.MethodGet, nil)},
		{name: "PATCH /v1/recorders/{id}", perm: group.RecordersManage, status: http.StatusOK,
			target: onRecorder(http.MethodPatch, func() any { return map[string]any{"name": w.unique("Renamed NVR")} })},
		{name: "DELETE /v1/recorders/{id}", perm: group.RecordersManage, status: http.StatusOK, target: onRecorder(http.MethodDelete, nil)},
		{name: "GET /v1/accounts/{id}/items", perm: group.RecordersManage, status: http.StatusOK, target: onAccount(http.MethodGet, "/items", nil)},
		{name: "POST /v1/accounts/{id}/folders", perm: group.RecordersManage, status: http.StatusCreated,
			target: onAccount(http.MethodPost, "/folders", func(string) any { return map[string]any{"name": w.unique("Site")} })},
		{name: "POST /v1/accounts/{id}/cameras:move", perm: group.RecordersManage, status: http.StatusOK,
			target: func(t *testing.T, a string) azTarget {
				id, secrets := cameraIn(t, a)
				return azTarget{req{Method: http.MethodPost, Path: "/v1/accounts/" + a + "/cameras:move", Body: map[string]any{"camera_ids": []string{id}, "folder_id": nil}},
					append(secrets, w.accountSecrets(t, a)...)}
			}},
		{name: "GET /v1/items/{id}", perm: group.RecordersManage, status: http.StatusOK, target: onFolder(http.MethodGet, "/v1/items/", nil)},
		{name: "PATCH /v1/folders/{id}", perm: group.RecordersManage, status: http.StatusOK,
			target: onFolder(http.MethodPatch, "/v1/folders/", func() any { return map[string]any{"name": w.unique("Renamed folder")} })},
		{name: "DELETE /v1/folders/{id}", perm: group.RecordersManage, status: http.StatusOK, target: onFolder(http.MethodDelete, "/v1/folders/", nil)},
		{name: "GET /v1/cameras/{id}", perm: group.RecordersManage, status: http.StatusOK, target: onCamera(http.MethodGet, nil)},
		{name: "PATCH /v1/cameras/{id}", perm: group.RecordersManage, status: http.StatusOK,
			target: onCamera(http.MethodPatch, func() any { return map[string]any{"name": w.unique("Renamed camera")} })},
		{name: "DELETE /v1/cameras/{id}", perm: group.RecordersManage, status: http.StatusOK, target: onCamera(http.MethodDelete, nil)},

		{name: "GET /v1/accounts/{id}/usage", perm: group.BillingView, status: http.StatusOK,
			target: onAccount(http.MethodGet, "/usage?from=2026-10-01&to=2026-10-31", nil)},
		{name: "GET /v1/accounts/{id}/invoices", perm: group.BillingView, status: http.StatusOK, target: onAccount(http.MethodGet, "/invoices", nil)},
		{name: "GET /v1/accounts/{id}/billing-details", perm: group.BillingView, status: http.StatusOK, target: onAccount(http.MethodGet, "/billing-details", nil)},
		{name: "PATCH /v1/accounts/{id}/billing-details", perm: group.BillingManage, status: http.StatusOK,
			target: onAccount(http.MethodPatch, "/billing-details", func(string) any { return map[string]any{"company_name": w.unique("Company")} })},
		{name: "PUT /v1/accounts/{id}/plan", perm: group.BillingManage, status: http.StatusOK,
			target: onAccount(http.MethodPut, "/plan", func(string) any { return map[string]any{"plan_id": planID} })},
		{name: "GET /v1/accounts/{id}/support-grants", perm: group.SupportManage, status: http.StatusOK, target: onAccount(http.MethodGet, "/support-grants", nil)},
		{name: "POST /v1/accounts/{id}/support-grants", perm: group.SupportManage, status: http.StatusCreated,
			target: onAccount(http.MethodPost, "/support-grants", func(string) any { return map[string]any{"whole_account": true, "note": w.unique("ticket")} })},
		{name: "GET /v1/accounts/{id}/service-clients", perm: group.AccountsManage, status: http.StatusOK, target: onAccount(http.MethodGet, "/service-clients", nil)},
		{name: "POST /v1/accounts/{id}/service-clients", perm: group.AccountsManage, also: []group.Permission{group.BillingView}, status: http.StatusCreated,
			target: onAccount(http.MethodPost, "/service-clients", func(string) any { return map[string]any{"name": w.unique("Job"), "scopes": []string{"usage.read"}} })},
	}

	type azCase struct {
		name    string
		token   string
		account string
		status  int    // 0: the row's success status
		problem string // the problem type, when not the status's usual one
		grant   string // the support grant the request names (X-Support-Grant)
	}
	// The routes a support agent may call under a grant; the first three read the account, and
	// answer under a grant of one folder too (its part of the tree, the recorders of its cameras).
	supportable := map[string]bool{}
	for _, name := range []string{"GET /v1/accounts/{id}", "GET /v1/accounts/{id}/recorders", "GET /v1/accounts/{id}/items",
		"GET /v1/recorders/{id}", "PATCH /v1/recorders/{id}", "DELETE /v1/recorders/{id}", "POST /v1/accounts/{id}/folders",
		"POST /v1/accounts/{id}/cameras:move", "GET /v1/items/{id}", "PATCH /v1/folders/{id}", "DELETE /v1/folders/{id}",
		"GET /v1/cameras/{id}", "PATCH /v1/cameras/{id}", "DELETE /v1/cameras/{id}"} {
		supportable[name] = true
	}
	readsAccount := func(row string) bool {
		return slices.Index(slices.Sorted(maps.Keys(supportable)), row) >= 0 && strings.HasPrefix(row, "GET /v1/accounts/")
	}
	if d := time.Until(ends); d > 0 {
		time.Sleep(d)
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			in := row.in
			if in == "" {
				in = w.c
			}
			cases := []azCase{
				{name: "no-permission", token: lacking[row.perm], account: w.p, status: http.StatusForbidden},
				{name: "sibling", token: siblingAdmin, account: in, status: http.StatusNotFound},
				{name: "upward", token: childAdmin, account: w.p, status: http.StatusNotFound},
				{name: "sibling-under-same-partner", token: childAdmin, account: w.s, status: http.StatusNotFound},
				{name: "disabled", token: disabled.token, account: in, status: http.StatusUnauthorized},
				{name: "no-token", token: "", account: in, status: http.StatusUnauthorized},
				{name: "garbage-token", token: garbage, account: in, status: http.StatusUnauthorized},
				{name: "ended-token", token: ended, account: in, status: http.StatusUnauthorized},
				{name: "recorder", token: recorderToken, account: in, status: http.StatusForbidden, problem: "/problems/wrong-credentials"},
				{name: "allowed", token: allowedFor(row), account: in},
				{name: "agent-without-grant", token: agent, account: in, status: http.StatusNotFound},
			}
			for _, g := range []string{"whole", "folder", "revoked", "ended", "other"} {
				c := azCase{name: "agent-" + g + "-grant", token: agent, account: in, grant: grants[g]}
				switch {
				case !supportable[row.name]:
					c.status, c.problem = http.StatusForbidden, "/problems/wrong-credentials"
				case g == "revoked" || g == "ended":
					c.status, c.problem = http.StatusForbidden, "/problems/support-grant-not-live"
				case g == "other" || (g == "folder" && !readsAccount(row.name)):
					c.status = http.StatusNotFound
				}
				cases = append(cases, c)
			}
			if row.perm == "" {
				// Scope only: row (1) does not apply. Instead, a member in scope with no
				// management permission at all reads both their own account and one below it.
				cases[0] = azCase{name: "no-permission(n/a,scope-only)-reads-own", token: viewer, account: w.p}
				for i := range cases {
					if cases[i].name == "allowed" {
						cases[i].token = viewer
					}
				}
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					target := row.target(t, c.account)
					if c.grant != "" {
						target.req.Header = maps.Clone(target.req.Header)
						if target.req.Header == nil {
							target.req.Header = map[string]string{}
						}
						target.req.Header["X-Support-Grant"] = c.grant
					}
					before := h.lastPosition(t)
					resp := h.as(c.token).do(t, target.req)
					if c.status == 0 {
						if resp.Status != row.status {
							t.Fatalf("status %d, want %d; body: %s", resp.Status, row.status, resp.Body)
						}
						return
					}
					if c.problem != "" {
						resp.expectProblem(t, c.status, c.problem)
					} else {
						azExpectRefusal(t, resp, c.status, target.secrets)
					}
					if after := h.lastPosition(t); after != before {
						t.Errorf("a refused request appended events: position %v -> %v", before, after)
					}
				})
			}
		})
	}

	// Self-service endpoints: any active user may use them for themself, so only the disabled
	// user and the bad tokens are refused. Refused requests run on a bystander's sessions, which
	// must survive them; the allowed ones on a fresh user (they end sessions, change passwords).
	type selfUser struct {
		azUser
		spareToken, spareSession string // a second session of the same user
	}
	freshSelf := func(t *testing.T) selfUser {
		t.Helper()
		u := selfUser{azUser: w.signedIn(t, w.c, w.viewers(t, w.c))}
		u.spareToken, u.spareSession = w.signIn(t, u.username)
		return u
	}
	bystander := freshSelf(t)
	selfRows := []struct {
		name   string
		req    func(u selfUser) req
		status int
	}{
		{"GET /v1/me", func(selfUser) req { return req{Method: http.MethodGet, Path: "/v1/me"} }, http.StatusOK},
		{"PATCH /v1/me", func(selfUser) req {
			return req{Method: http.MethodPatch, Path: "/v1/me", Body: map[string]any{"time_zone": "Europe/Paris", "time_format": "12h"}}
		}, http.StatusOK},
		{"POST /v1/me/password", func(selfUser) req {
			const next = "violet umbrella marching 1987 quietly"
			return req{Method: http.MethodPost, Path: "/v1/me/password", Body: map[string]any{
				"original_password": strongPassword, "new_password": next, "password_confirmation": next, "end_other_sessions": true,
			}}
		}, http.StatusOK},
		{"GET /v1/sessions", func(selfUser) req { return req{Method: http.MethodGet, Path: "/v1/sessions"} }, http.StatusOK},
		{"DELETE /v1/sessions", func(selfUser) req { return req{Method: http.MethodDelete, Path: "/v1/sessions"} }, http.StatusNoContent},
		{"DELETE /v1/sessions/{id}", func(u selfUser) req {
			return req{Method: http.MethodDelete, Path: "/v1/sessions/" + u.spareSession}
		}, http.StatusNoContent},
		{"POST /v1/sign-out", func(selfUser) req { return req{Method: http.MethodPost, Path: "/v1/sign-out"} }, http.StatusNoContent},
	}
	stillSignedIn := func(t *testing.T, tokens ...string) {
		t.Helper()
		for _, tok := range tokens {
			if resp := h.as(tok).do(t, req{Method: http.MethodGet, Path: "/v1/me"}); resp.Status != http.StatusOK {
				t.Errorf("a session that should be intact answers %d: %s", resp.Status, resp.Body)
			}
		}
	}
	for _, row := range selfRows {
		t.Run(row.name, func(t *testing.T) {
			for _, c := range []struct{ name, token string }{
				{"disabled", disabled.token}, {"no-token", ""}, {"garbage-token", garbage}, {"ended-token", ended},
			} {
				t.Run(c.name, func(t *testing.T) {
					before := h.lastPosition(t)
					azExpectRefusal(t, h.as(c.token).do(t, row.req(bystander)), http.StatusUnauthorized,
						append(bystander.secrets(), bystander.sessionID, bystander.spareSession))
					if after := h.lastPosition(t); after != before {
						t.Errorf("a refused request appended events: position %v -> %v", before, after)
					}
					stillSignedIn(t, bystander.token, bystander.spareToken)
				})
			}
			t.Run("allowed", func(t *testing.T) {
				u := freshSelf(t)
				if resp := h.as(u.token).do(t, row.req(u)); resp.Status != row.status {
					t.Fatalf("status %d, want %d; body: %s", resp.Status, row.status, resp.Body)
				}
			})
		})
	}
	t.Run("DELETE /v1/sessions/{id}/another-user's-session", func(t *testing.T) {
		// Sessions are scoped to their user: another user's session, even an administrator's
		// of the same account, is not found and stays open.
		victim := freshSelf(t)
		admin := w.signedIn(t, w.c)
		resp := h.as(admin.token).do(t, req{Method: http.MethodDelete, Path: "/v1/sessions/" + victim.spareSession})
		azExpectRefusal(t, resp, http.StatusNotFound, victim.secrets())
		stillSignedIn(t, victim.token, victim.spareToken)
	})
	t.Logf("whole matrix in %v", time.Since(start).Round(time.Millisecond))
}

// TestAuthzPublicEndpoints checks that the open endpoints answer without a token, and that a
// stale or forged token sent along does not make them refuse.
func TestAuthzPublicEndpoints(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	w := &authzTree{h: h, viewerGroups: map[string]string{}}
	c, _ := h.create(t, rootID, "customer", "Authz Public Customer")
	account := c.ID

	rows := []struct {
		name   string
		req    func(t *testing.T) req
		status int
	}{
		{"POST /v1/sign-in", func(t *testing.T) req {
			u := w.active(t, account)
			return req{Method: http.MethodPost, Path: "/v1/sign-in", Body: map[string]any{"username": u.username, "password": strongPassword}}
		}, http.StatusOK},
		{"POST /v1/invitations:accept", func(t *testing.T) req {
			u := w.invited(t, account)
			return req{Method: http.MethodPost, Path: "/v1/invitations:accept", Body: map[string]any{
				"token": h.linkToken(t, identitycmd.PurposeInvitation, u.id), "password": strongPassword,
				"password_confirmation": strongPassword, "age_confirmed": true, "terms_version": "t1",
			}}
		}, http.StatusOK},
		{"POST /v1/password-reset:request", func(t *testing.T) req {
			u := w.active(t, account)
			return req{Method: http.MethodPost, Path: "/v1/password-reset:request", Body: map[string]any{"email": u.email}}
		}, http.StatusAccepted},
		{"POST /v1/password-reset:confirm", func(t *testing.T) req {
			u := w.active(t, account)
			h.do(t, req{Method: http.MethodPost, Path: "/v1/users/" + u.id + "/password-reset"}).expect(t, http.StatusAccepted, nil)
			const next = "violet umbrella marching 1987 quietly"
			return req{Method: http.MethodPost, Path: "/v1/password-reset:confirm", Body: map[string]any{
				"token": h.linkToken(t, identitycmd.PurposePasswordReset, u.id), "password": next, "password_confirmation": next,
			}}
		}, http.StatusOK},
		{"POST /v1/email-change:confirm", func(t *testing.T) req {
			u := w.signedIn(t, account)
			h.as(u.token).do(t, req{Method: http.MethodPatch, Path: "/v1/me", Body: map[string]any{
				"email": "new-" + u.email, "current_password": strongPassword,
			}}).expect(t, http.StatusAccepted, nil)
			return req{Method: http.MethodPost, Path: "/v1/email-change:confirm", Body: map[string]any{
				"token": h.linkToken(t, identitycmd.PurposeEmailChange, u.id),
			}}
		}, http.StatusOK},
		{"POST /v1/password-strength", func(*testing.T) req {
			return req{Method: http.MethodPost, Path: "/v1/password-strength", Body: map[string]any{"password": "hunter2"}}
		}, http.StatusOK},
		{"GET /v1/terms", func(*testing.T) req { return req{Method: http.MethodGet, Path: "/v1/terms"} }, http.StatusOK},
		{"GET /healthz", func(*testing.T) req { return req{Method: http.MethodGet, Path: "/healthz"} }, http.StatusOK},
		{"GET /readyz", func(*testing.T) req { return req{Method: http.MethodGet, Path: "/readyz"} }, http.StatusOK},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			for _, c := range []struct{ name, token string }{{"no-token", ""}, {"garbage-token", azForgedToken(t)}} {
				t.Run(c.name, func(t *testing.T) {
					resp := h.as(c.token).do(t, row.req(t))
					if resp.Status != row.status {
						t.Fatalf("status %d, want %d; body: %s", resp.Status, row.status, resp.Body)
					}
				})
			}
		})
	}
}

// TestAuthzPartnerReach: a partner's user with accounts.manage reads and manages every account
// below the partner (and the partner itself), never above (the platform root) or beside (the
// sibling partner Q and its customer D).
func TestAuthzPartnerReach(t *testing.T) {
	t.Parallel()
	w := newAuthzTree(t)
	h := w.h
	manager := h.as(w.withPerms(t, w.p, group.AccountsManage).token)

	type action struct {
		name string
		req  req
	}
	actions := func(id string) []action {
		return []action{
			{"GET /v1/accounts/{id}", req{Method: http.MethodGet, Path: "/v1/accounts/" + id}},
			{"GET /v1/accounts/{id}/children", req{Method: http.MethodGet, Path: "/v1/accounts/" + id + "/children"}},
			{"PATCH /v1/accounts/{id}", req{Method: http.MethodPatch, Path: "/v1/accounts/" + id, Body: map[string]any{"name": w.unique("Renamed")}}},
			{"POST /v1/accounts/{id}/registration-code:rotate", req{Method: http.MethodPost, Path: "/v1/accounts/" + id + "/registration-code:rotate"}},
		}
	}
	for _, in := range []struct{ name, id string }{{"P(own)", w.p}, {"C", w.c}, {"S", w.s}, {"S's-child", w.sc}} {
		for _, a := range actions(in.id) {
			t.Run("within/"+in.name+"/"+a.name, func(t *testing.T) {
				manager.do(t, a.req).expect(t, http.StatusOK, nil)
			})
		}
	}
	for _, out := range []struct{ name, id string }{{"root(above)", rootID}, {"Q(beside)", w.q}, {"D(below-Q)", w.d}} {
		create := action{"POST /v1/accounts", req{Method: http.MethodPost, Path: "/v1/accounts", Body: map[string]any{
			"parent_id": out.id, "kind": "customer", "name": "Smuggled", "address": testAddress, "first_user": firstUser(),
		}}}
		for _, a := range append(actions(out.id), create) {
			t.Run("outside/"+out.name+"/"+a.name, func(t *testing.T) {
				secrets := w.accountSecrets(t, out.id)
				before := h.lastPosition(t)
				azExpectRefusal(t, manager.do(t, a.req), http.StatusNotFound, secrets)
				if after := h.lastPosition(t); after != before {
					t.Errorf("a refused request appended events: position %v -> %v", before, after)
				}
			})
		}
	}
	t.Run("children of Q", func(t *testing.T) {
		resp := manager.do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + w.q + "/children"})
		azExpectRefusal(t, resp, http.StatusNotFound, append(w.accountSecrets(t, w.q), w.accountSecrets(t, w.d)...))
	})

	t.Run("creates below itself and manages what it created", func(t *testing.T) {
		var made created
		manager.do(t, req{Method: http.MethodPost, Path: "/v1/accounts", Body: map[string]any{
			"parent_id": w.s, "kind": "customer", "name": "Grandchild", "address": testAddress, "first_user": firstUser(),
		}}).expect(t, http.StatusCreated, &made)
		for _, a := range actions(made.ID) {
			manager.do(t, a.req).expect(t, http.StatusOK, nil)
		}
		var kids page
		manager.do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + w.s + "/children"}).expect(t, http.StatusOK, &kids)
		var ids []string
		for _, k := range kids.Items {
			ids = append(ids, k.ID)
		}
		if !slices.Contains(ids, w.sc) || !slices.Contains(ids, made.ID) || len(ids) != 2 {
			t.Errorf("children of S: %v, want S's child %s and the new %s", ids, w.sc, made.ID)
		}
		// Without parent_id the parent is the caller's own account.
		var own created
		manager.do(t, req{Method: http.MethodPost, Path: "/v1/accounts", Body: map[string]any{
			"kind": "customer", "name": "Direct child", "address": testAddress, "first_user": firstUser(),
		}}).expect(t, http.StatusCreated, &own)
		if a, _ := h.get(t, own.ID, ""); a.ParentID != w.p {
			t.Errorf("account created without parent_id has parent %s, want P %s", a.ParentID, w.p)
		}
	})
}

// TestAuthzGroupChangeTakesEffect: a change to a group's permissions, the group's deletion and a
// change of a user's groups all apply from the member's next request.
func TestAuthzGroupChangeTakesEffect(t *testing.T) {
	t.Parallel()
	w := newAuthzTree(t)
	h := w.h
	admin := h.as(w.signedIn(t, w.p).token) // P's administrator manages P's groups
	g := admin.createGroup(t, w.p, "Front desk", string(group.BillingView))
	member := w.signedIn(t, w.p, g)
	probe := func(t *testing.T, want int) {
		t.Helper()
		resp := h.as(member.token).do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + w.c + "/users"})
		if want == http.StatusForbidden {
			azExpectRefusal(t, resp, want, nil)
			return
		}
		resp.expect(t, want, nil)
	}
	setPerms := func(t *testing.T, perms ...group.Permission) {
		t.Helper()
		names := []string{}
		for _, p := range perms {
			names = append(names, string(p))
		}
		admin.do(t, req{Method: http.MethodPatch, Path: "/v1/groups/" + g,
			Body: map[string]any{"name": "Front desk", "permissions": names}}).expect(t, http.StatusOK, nil)
	}
	steps := []struct {
		name string
		do   func(t *testing.T)
		want int
	}{
		{"before", func(*testing.T) {}, http.StatusForbidden},
		{"granted users.manage", func(t *testing.T) { setPerms(t, group.BillingView, group.UsersManage) }, http.StatusOK},
		{"revoked users.manage", func(t *testing.T) { setPerms(t, group.BillingView) }, http.StatusForbidden},
		{"granted again", func(t *testing.T) { setPerms(t, group.UsersManage) }, http.StatusOK},
		{"group emptied (deleting it is refused while it has a member)", func(t *testing.T) {
			admin.do(t, req{Method: http.MethodDelete, Path: "/v1/groups/" + g}).expectProblem(t, http.StatusConflict, "/problems/group-has-members")
			setPerms(t)
		}, http.StatusForbidden},
		{"moved to the Administrator group", func(t *testing.T) {
			admin.do(t, req{Method: http.MethodPatch, Path: "/v1/users/" + member.id,
				Body: map[string]any{"group_ids": []string{group.AdministratorID(w.p)}}}).expect(t, http.StatusOK, nil)
		}, http.StatusOK},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.do(t)
			probe(t, s.want)
			// The profile reports the permissions the member holds now.
			var me struct {
				Permissions []string `json:"permissions"`
			}
			resp := h.as(member.token).do(t, req{Method: http.MethodGet, Path: "/v1/me"})
			if err := json.Unmarshal(resp.Body, &me); err != nil || resp.Status != http.StatusOK {
				t.Fatalf("GET /v1/me: %d %s", resp.Status, resp.Body)
			}
			if got := slices.Contains(me.Permissions, string(group.UsersManage)); got != (s.want == http.StatusOK) {
				t.Errorf("profile permissions %v; users.manage held = %v, want %v", me.Permissions, got, s.want == http.StatusOK)
			}
		})
	}
}

// TestAuthzNoEscalation: a user who may manage users cannot hand out, to others or to
// themself, a permission they do not hold; an administrator can.
func TestAuthzNoEscalation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	partner, _ := h.create(t, rootID, "partner", "Escalation Partner")
	selfID, tok := h.member(t, partner.ID, "az-usermanager", string(group.UsersManage))
	admin := group.AdministratorID(partner.ID)
	accountsGroup := h.createGroup(t, partner.ID, "Account managers", string(group.AccountsManage))
	as := h.as(tok)
	for _, c := range []struct {
		name string
		r    req
	}{
		{"make themself an administrator", req{Method: http.MethodPatch, Path: "/v1/users/" + selfID, Body: map[string]any{"group_ids": []string{admin}}}},
		{"join a group with a permission they lack", req{Method: http.MethodPatch, Path: "/v1/users/" + selfID, Body: map[string]any{"group_ids": []string{accountsGroup}}}},
		{"invite an administrator", req{Method: http.MethodPost, Path: "/v1/accounts/" + partner.ID + "/users", Body: map[string]any{"username": "az-new-admin", "email": "az-new-admin@example.test"}}},
		{"create a group with a permission they lack", req{Method: http.MethodPost, Path: "/v1/accounts/" + partner.ID + "/groups", Body: map[string]any{"name": "Power", "permissions": []string{string(group.AccountsManage)}}}},
		{"widen a group to a permission they lack", req{Method: http.MethodPatch, Path: "/v1/groups/" + accountsGroup, Body: map[string]any{"name": "Account managers", "permissions": []string{string(group.AccountsManage), string(group.BillingManage)}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			as.do(t, c.r).expectProblem(t, http.StatusForbidden, "/problems/forbidden")
		})
	}
	as.do(t, req{Method: http.MethodPatch, Path: "/v1/accounts/" + partner.ID, Body: map[string]any{"name": "Mine now"}}).expectProblem(t, http.StatusForbidden, "/problems/forbidden")
	// The platform administrator holds everything and may grant it.
	h.do(t, req{Method: http.MethodPatch, Path: "/v1/users/" + selfID, Body: map[string]any{"group_ids": []string{admin}}}).expect(t, http.StatusOK, nil)
	as.do(t, req{Method: http.MethodPatch, Path: "/v1/accounts/" + partner.ID, Body: map[string]any{"name": "Granted"}}).expect(t, http.StatusOK, nil)
}
