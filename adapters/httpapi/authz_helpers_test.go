package httpapi_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/identitycmd"
)

// The authorization tests share this tree of accounts, built by the platform root administrator:
//
//	platform root
//	├── P  partner
//	│   ├── C   customer
//	│   └── S   sub-partner
//	│       └── SC  customer
//	└── Q  partner (P's sibling)
//	    └── D   customer
type authzTree struct {
	h                 *harness // acts as the platform root administrator
	p, c, s, sc, q, d string
	viewerGroups      map[string]string // account ID -> its "Viewers" group (billing.view only)
	managerGroups     map[string]string // account ID -> its "User managers" group (users.manage only)
	serial            int               // makes names unique within the harness
}

func newAuthzTree(t *testing.T) *authzTree {
	t.Helper()
	h := newHarness(t)
	w := &authzTree{h: h, viewerGroups: map[string]string{}, managerGroups: map[string]string{}}
	mk := func(parent, kind, name string) string {
		c, _ := h.create(t, parent, kind, name)
		return c.ID
	}
	w.p = mk(rootID, "partner", "Authz Partner Pemberton")
	w.q = mk(rootID, "partner", "Authz Partner Quillon")
	w.c = mk(w.p, "customer", "Authz Customer Carrow")
	w.s = mk(w.p, "partner", "Authz Subpartner Sandor")
	w.sc = mk(w.s, "customer", "Authz Customer Scovill")
	w.d = mk(w.q, "customer", "Authz Customer Dunmore")
	return w
}

// unique returns prefix with a number no other call on this tree returned.
func (w *authzTree) unique(prefix string) string {
	w.serial++
	return fmt.Sprintf("%s-%d", prefix, w.serial)
}

// viewers returns the account's custom group holding only billing.view, creating it once.
func (w *authzTree) viewers(t *testing.T, accountID string) string {
	t.Helper()
	if id, ok := w.viewerGroups[accountID]; ok {
		return id
	}
	id := w.h.createGroup(t, accountID, w.unique("Viewers"), string(group.BillingView))
	w.viewerGroups[accountID] = id
	return id
}

// userManagers returns the account's custom group holding only users.manage, creating it once:
// the one group a user who holds just users.manage may hand out.
func (w *authzTree) userManagers(t *testing.T, accountID string) string {
	t.Helper()
	if id, ok := w.managerGroups[accountID]; ok {
		return id
	}
	id := w.h.createGroup(t, accountID, w.unique("User managers"), string(group.UsersManage))
	w.managerGroups[accountID] = id
	return id
}

// azUser is a user made for a test: its identifying data never appears in a 404 to a stranger.
type azUser struct {
	id, username, email string
	token, sessionID    string // when signed in
}

func (u azUser) secrets() []string { return []string{u.id, u.username, u.email} }

// invited invites a fresh user (as the root administrator) who has not accepted yet.
func (w *authzTree) invited(t *testing.T, accountID string, groupIDs ...string) azUser {
	t.Helper()
	name := w.unique("az-user")
	u := azUser{username: name, email: name + "@example.test"}
	u.id = w.h.invite(t, accountID, u.username, u.email, groupIDs...)
	return u
}

// active invites a fresh user and accepts the invitation with strongPassword (not signed in).
func (w *authzTree) active(t *testing.T, accountID string, groupIDs ...string) azUser {
	t.Helper()
	u := w.invited(t, accountID, groupIDs...)
	w.h.do(t, req{Method: http.MethodPost, Path: "/v1/invitations:accept", Body: map[string]any{
		"token": w.h.linkToken(t, identitycmd.PurposeInvitation, u.id), "password": strongPassword, "password_confirmation": strongPassword,
		"age_confirmed": true, "terms_version": "t1",
	}, Header: map[string]string{"Authorization": ""}}).expect(t, http.StatusOK, nil)
	return u
}

// signedIn makes an active user and signs them in.
func (w *authzTree) signedIn(t *testing.T, accountID string, groupIDs ...string) azUser {
	t.Helper()
	u := w.active(t, accountID, groupIDs...)
	u.token, u.sessionID = w.signIn(t, u.username)
	return u
}

// signIn opens a session for a user whose password is strongPassword.
func (w *authzTree) signIn(t *testing.T, username string) (token, sessionID string) {
	t.Helper()
	var out struct {
		Token   string `json:"token"`
		Session struct {
			ID string `json:"id"`
		} `json:"session"`
	}
	resp := w.h.do(t, req{Method: http.MethodPost, Path: "/v1/sign-in", Body: map[string]string{"username": username, "password": strongPassword},
		Header: map[string]string{"Authorization": ""}})
	if resp.Status != http.StatusOK {
		t.Fatalf("sign in %s: status %d: %s", username, resp.Status, resp.Body)
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil || out.Token == "" || out.Session.ID == "" {
		t.Fatalf("sign in %s: %v: %s", username, err, resp.Body)
	}
	return out.Token, out.Session.ID
}

// disabled makes an active user and disables them (as the root administrator).
func (w *authzTree) disabled(t *testing.T, accountID string, groupIDs ...string) azUser {
	t.Helper()
	u := w.active(t, accountID, groupIDs...)
	w.h.do(t, req{Method: http.MethodPost, Path: "/v1/users/" + u.id + ":disable"}).expect(t, http.StatusOK, nil)
	return u
}

// withPerms makes a signed-in user of the account whose only group holds exactly perms.
func (w *authzTree) withPerms(t *testing.T, accountID string, perms ...group.Permission) azUser {
	t.Helper()
	names := make([]string, len(perms))
	for i, p := range perms {
		names[i] = string(p)
	}
	g := w.h.createGroup(t, accountID, w.unique("Group"), names...)
	return w.signedIn(t, accountID, g)
}

// accountSecrets is what identifies an account: its ID, current name and registration code.
func (w *authzTree) accountSecrets(t *testing.T, id string) []string {
	t.Helper()
	a, _ := w.h.get(t, id, "")
	return []string{a.ID, a.Name, a.RegistrationCode}
}

// azForgedToken looks like a session token (32 random bytes, base64url) but belongs to no session.
func azForgedToken(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// azExpectRefusal asserts one of the refusals of the matrix, and that the answer names nothing of
// the target (secrets) unless it is a 403 (the caller may see the target, just not change it).
func azExpectRefusal(t *testing.T, resp response, status int, secrets []string) {
	t.Helper()
	switch status {
	case http.StatusUnauthorized:
		resp.expectProblem(t, status, "/problems/unauthenticated")
		if got := resp.Header.Get("WWW-Authenticate"); got == "" {
			t.Errorf("401 without WWW-Authenticate")
		}
	case http.StatusForbidden:
		resp.expectProblem(t, status, "/problems/forbidden")
		return
	case http.StatusNotFound:
		resp.expectProblem(t, status, "/problems/not-found")
	default:
		t.Fatalf("azExpectRefusal: no refusal with status %d", status)
	}
	for _, s := range secrets {
		if s != "" && bytes.Contains(bytes.ToLower(resp.Body), bytes.ToLower([]byte(s))) {
			t.Errorf("the %d answer names the target (%q): %s", status, s, resp.Body)
		}
	}
}
