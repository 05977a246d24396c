package httpapi_test

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/identitycmd"
)

// TestInvitationAcceptAndSignIn: an invited user is listed as invited, can accept only with a
// password and its confirmation, the age confirmed and the current terms version, and then signs
// in; every refused acceptance leaves the invitation as it was.
func TestInvitationAcceptAndSignIn(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	anon := h.as("")

	var terms struct {
		Version string `json:"version"`
	}
	anon.do(t, req{Method: http.MethodGet, Path: "/v1/terms"}).expect(t, http.StatusOK, &terms)
	if terms.Version != "t1" {
		t.Fatalf("terms version %q, want the configured t1", terms.Version)
	}

	before := time.Now()
	userID, invitation := h.identInvited(t, rootID, "nora.kral")
	listed := identFindUser(t, h.identUsers(t, rootID), userID)
	if listed.Status != "invited" || listed.Username != "nora.kral" || listed.Email != "nora.kral@example.test" || listed.AccountID != rootID {
		t.Fatalf("listed as %+v, want nora.kral invited in the root account", listed)
	}
	if want := []string{group.AdministratorID(rootID)}; !slices.Equal(listed.GroupIDs, want) {
		t.Fatalf("groups %q, want the Administrator group %q by default", listed.GroupIDs, want)
	}
	if e := listed.InvitationExpiresAt; e == nil || e.Before(before.Add(7*24*time.Hour-time.Minute)) || e.After(time.Now().Add(7*24*time.Hour+time.Minute)) {
		t.Fatalf("invitation_expires_at %v, want about 7 days from now", e)
	}
	// Not yet a password: signing in fails like any bad credentials.
	h.identRefuseSignIn(t, "nora.kral", strongPassword)

	base := func() map[string]any {
		return map[string]any{"token": invitation, "password": strongPassword, "password_confirmation": strongPassword,
			"age_confirmed": true, "terms_version": "t1"}
	}
	refusals := []struct {
		name   string
		change func(map[string]any)
		status int
		typ    string
		field  string
	}{
		{"no terms version", func(b map[string]any) { delete(b, "terms_version") }, http.StatusUnprocessableEntity, identValidation, "terms_version"},
		{"an older terms version", func(b map[string]any) { b["terms_version"] = "t0" }, http.StatusUnprocessableEntity, identValidation, "terms_version"},
		{"age not confirmed", func(b map[string]any) { b["age_confirmed"] = false }, http.StatusUnprocessableEntity, identValidation, "age_confirmed"},
		{"age confirmation missing", func(b map[string]any) { delete(b, "age_confirmed") }, http.StatusUnprocessableEntity, identValidation, "age_confirmed"},
		{"no password confirmation", func(b map[string]any) { delete(b, "password_confirmation") }, http.StatusUnprocessableEntity, identValidation, "password_confirmation"},
		{"confirmation differs", func(b map[string]any) { b["password_confirmation"] = identOtherPassword }, http.StatusUnprocessableEntity, identValidation, "password_confirmation"},
		{"no password", func(b map[string]any) { b["password"], b["password_confirmation"] = "", "" }, http.StatusUnprocessableEntity, identWeakPassword, "password"},
		{"no token", func(b map[string]any) { delete(b, "token") }, http.StatusBadRequest, identInvalidToken, "token"},
	}
	revision := h.identUserRevision(t, userID)
	for _, tc := range refusals {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			body := base()
			tc.change(body)
			resp := anon.do(t, req{Method: http.MethodPost, Path: "/v1/invitations:accept", Body: body})
			identProblemField(t, resp.expectProblem(t, tc.status, tc.typ), tc.field)
			if got := h.identUserRevision(t, userID); got != revision {
				t.Fatalf("refused acceptance moved the user from revision %d to %d", revision, got)
			}
			if u := h.identUserDoc(t, userID); u.Status != "invited" {
				t.Fatalf("status %q after a refused acceptance, want invited", u.Status)
			}
		})
	}

	t.Run("accepted", func(t *testing.T) {
		var answer commandAnswer
		anon.do(t, req{Method: http.MethodPost, Path: "/v1/invitations:accept", Body: base()}).expect(t, http.StatusOK, &answer)
		if answer.ID != userID || answer.Revision != revision+1 || answer.Position == "" {
			t.Fatalf("answer %+v, want user %s at revision %d and a position", answer, userID, revision+1)
		}
		listed := identFindUser(t, h.identUsers(t, rootID), userID)
		if listed.Status != "active" || listed.InvitationExpiresAt != nil {
			t.Fatalf("after accepting: %+v, want active without an invitation expiry", listed)
		}
		if st := h.userState(t, userID); st.TermsVersion != "t1" || st.PasswordHash == "" || strings.Contains(st.PasswordHash, strongPassword) {
			t.Fatalf("state after accepting: terms %q, hash %q", st.TermsVersion, st.PasswordHash)
		}
		token, session := h.identSignIn(t, "nora.kral", strongPassword)
		if session.UserID != userID || session.AccountID != rootID {
			t.Fatalf("session %+v, want nora.kral's in the root account", session)
		}
		if me := h.as(token).identMe(t); me.ID != userID || me.Username != "nora.kral" {
			t.Fatalf("GET /v1/me as the new user: %+v", me)
		}
	})

	t.Run("first user of a new account", func(t *testing.T) {
		var c struct {
			ID               string `json:"id"`
			FirstUserID      string `json:"first_user_id"`
			RegistrationCode string `json:"registration_code"`
			Revision         uint64 `json:"revision"`
			Position         string `json:"position"`
		}
		h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts", Body: map[string]any{
			"kind": "customer", "name": "Bakery Novak", "address": testAddress,
			"first_user": map[string]string{"username": "pavel.novak", "email": "pavel@bakery.example"},
		}}).expect(t, http.StatusCreated, &c)
		if c.FirstUserID == "" {
			t.Fatal("no first_user_id")
		}
		listed := h.identUsers(t, c.ID)
		if len(listed) != 1 || listed[0].ID != c.FirstUserID || listed[0].Status != "invited" ||
			!slices.Equal(listed[0].GroupIDs, []string{group.AdministratorID(c.ID)}) {
			t.Fatalf("users of the new account: %+v, want pavel.novak invited into its Administrator group", listed)
		}
		token := h.acceptAndSignIn(t, h.linkToken(t, identitycmd.PurposeInvitation, c.FirstUserID), "pavel.novak")
		if me := h.as(token).identMe(t); me.AccountID != c.ID || len(me.Permissions) != len(group.All()) {
			t.Fatalf("the first user: %+v, want an administrator of %s", me, c.ID)
		}
	})
}

// TestInvitationTokens: expired, reused, replaced (resent), revoked and forged invitation links
// all answer 400 invalid-token and change nothing.
func TestInvitationTokens(t *testing.T) {
	t.Parallel()
	h, expiring := newIdentityHarnessPair(t, identitycmd.Config{InvitationTTL: time.Nanosecond})

	// refused accepts token with a good password and expects the invitation problem and no
	// change to the user.
	refused := func(t *testing.T, userID, token string) {
		t.Helper()
		revision, status := h.identUserRevision(t, userID), h.userState(t, userID).Status
		resp := h.identAccept(t, token, identOtherPassword, identOtherPassword)
		identProblemField(t, resp.expectProblem(t, http.StatusBadRequest, identInvalidToken), "token")
		if got := h.identUserRevision(t, userID); got != revision {
			t.Fatalf("refused link moved the user from revision %d to %d", revision, got)
		}
		if got := h.userState(t, userID).Status; got != status {
			t.Fatalf("refused link changed the status from %q to %q", status, got)
		}
	}

	t.Run("expired", func(t *testing.T) {
		t.Parallel()
		userID, first := expiring.identInvited(t, rootID, "eva.expired")
		identWaitPast(t, h.userState(t, userID).Invitation.ExpiresAt)
		refused(t, userID, first)
		if u := h.identUserDoc(t, userID); u.Status != "invited" || u.InvitationExpiresAt == nil || !u.InvitationExpiresAt.Before(time.Now()) {
			t.Fatalf("after expiry: %+v, want still invited with an expiry in the past", u)
		}

		// A resend renews it: one that expires again does not, and neither link works ...
		expiring.do(t, req{Method: http.MethodPost, Path: "/v1/users/" + userID + "/invitation:resend"}).expect(t, http.StatusAccepted, nil)
		second := h.linkToken(t, identitycmd.PurposeInvitation, userID)
		identWaitPast(t, h.userState(t, userID).Invitation.ExpiresAt)
		refused(t, userID, second)
		refused(t, userID, first)

		// ... and one with the normal lifetime does.
		h.do(t, req{Method: http.MethodPost, Path: "/v1/users/" + userID + "/invitation:resend"}).expect(t, http.StatusAccepted, nil)
		h.identAccept(t, h.linkToken(t, identitycmd.PurposeInvitation, userID), strongPassword, strongPassword).expect(t, http.StatusOK, nil)
		h.identSignIn(t, "eva.expired", strongPassword)
	})

	t.Run("reused", func(t *testing.T) {
		t.Parallel()
		userID, token := h.identInvited(t, rootID, "rudi.reused")
		h.identAccept(t, token, strongPassword, strongPassword).expect(t, http.StatusOK, nil)
		refused(t, userID, token) // with identOtherPassword, which must not become the password
		h.identRefuseSignIn(t, "rudi.reused", identOtherPassword)
		h.identSignIn(t, "rudi.reused", strongPassword)
	})

	t.Run("resent", func(t *testing.T) {
		t.Parallel()
		userID, old := h.identInvited(t, rootID, "rosa.resent")
		var answer commandAnswer
		h.do(t, req{Method: http.MethodPost, Path: "/v1/users/" + userID + "/invitation:resend"}).expect(t, http.StatusAccepted, &answer)
		fresh := h.linkToken(t, identitycmd.PurposeInvitation, userID)
		if fresh == old {
			t.Fatal("the resent link is the old one")
		}
		refused(t, userID, old)
		h.identAccept(t, fresh, strongPassword, strongPassword).expect(t, http.StatusOK, nil)
		h.identSignIn(t, "rosa.resent", strongPassword)

		// Accepted: nothing left to resend or revoke.
		revision := h.identUserRevision(t, userID)
		h.do(t, req{Method: http.MethodPost, Path: "/v1/users/" + userID + "/invitation:resend"}).expectProblem(t, http.StatusConflict, identState)
		h.do(t, req{Method: http.MethodDelete, Path: "/v1/users/" + userID + "/invitation"}).expectProblem(t, http.StatusConflict, identState)
		if got := h.identUserRevision(t, userID); got != revision {
			t.Fatalf("refused resend/revoke moved the user from revision %d to %d", revision, got)
		}
	})

	t.Run("revoked", func(t *testing.T) {
		t.Parallel()
		userID := h.invite(t, rootID, "vera.revoked", "vera@revoked.example")
		token := h.linkToken(t, identitycmd.PurposeInvitation, userID)
		h.do(t, req{Method: http.MethodDelete, Path: "/v1/users/" + userID + "/invitation"}).expect(t, http.StatusOK, nil)
		if u := h.identUserDoc(t, userID); u.Status != "revoked" {
			t.Fatalf("status %q after revoking, want revoked", u.Status)
		}
		refused(t, userID, token)
		h.do(t, req{Method: http.MethodPost, Path: "/v1/users/" + userID + "/invitation:resend"}).expectProblem(t, http.StatusConflict, identState)
		h.identRefuseSignIn(t, "vera.revoked", identOtherPassword)

		// The username and the address are free again (in any case).
		again := h.invite(t, rootID, "Vera.Revoked", "VERA@revoked.example")
		if again == userID {
			t.Fatal("the new invitation reused the revoked user")
		}
		h.identAccept(t, h.linkToken(t, identitycmd.PurposeInvitation, again), strongPassword, strongPassword).expect(t, http.StatusOK, nil)
		if _, session := h.identSignIn(t, "vera.revoked", strongPassword); session.UserID != again {
			t.Fatalf("signed in as %s, want the new user %s", session.UserID, again)
		}
		if u := h.identUserDoc(t, userID); u.Status != "revoked" {
			t.Fatalf("the revoked user became %q", u.Status)
		}
	})

	// A link that does not open is refused as such whatever the password: the answer must not
	// first ask for a better password (or a matching confirmation) and only then say that the
	// link is dead (user.AcceptInvitation: the link is checked "before any check of the content").
	t.Run("dead links are refused before the password is judged", func(t *testing.T) {
		t.Parallel()
		reusedID, reused := h.identInvited(t, rootID, "dina.dead.reused")
		h.identAccept(t, reused, strongPassword, strongPassword).expect(t, http.StatusOK, nil)
		revokedID, revoked := h.identInvited(t, rootID, "dina.dead.revoked")
		h.do(t, req{Method: http.MethodDelete, Path: "/v1/users/" + revokedID + "/invitation"}).expect(t, http.StatusOK, nil)
		expiredID, expired := expiring.identInvited(t, rootID, "dina.dead.expired")
		identWaitPast(t, h.userState(t, expiredID).Invitation.ExpiresAt)
		resetID, _ := h.member(t, rootID, "dina.dead.reset")
		h.do(t, req{Method: http.MethodPost, Path: "/v1/users/" + resetID + "/password-reset"}).expect(t, http.StatusAccepted, nil)
		usedReset := h.linkToken(t, identitycmd.PurposePasswordReset, resetID)
		h.as("").do(t, req{Method: http.MethodPost, Path: "/v1/password-reset:confirm", Body: map[string]string{
			"token": usedReset, "password": identOtherPassword, "password_confirmation": identOtherPassword,
		}}).expect(t, http.StatusOK, nil)

		links := []struct {
			name, userID, token string
			reset               bool
		}{
			{"reused invitation", reusedID, reused, false},
			{"revoked invitation", revokedID, revoked, false},
			{"expired invitation", expiredID, expired, false},
			{"used reset link", resetID, usedReset, true},
		}
		passwords := []struct{ name, pw, confirmation string }{
			{"weak password", "abc", "abc"},
			{"common password", "password1", "password1"},
			{"mismatched confirmation", identOtherPassword, strongPassword},
		}
		for _, l := range links {
			for _, pw := range passwords {
				t.Run(l.name+", "+pw.name, func(t *testing.T) {
					revision := h.identUserRevision(t, l.userID)
					var resp response
					if l.reset {
						resp = h.as("").do(t, req{Method: http.MethodPost, Path: "/v1/password-reset:confirm", Body: map[string]string{
							"token": l.token, "password": pw.pw, "password_confirmation": pw.confirmation,
						}})
					} else {
						resp = h.identAccept(t, l.token, pw.pw, pw.confirmation)
					}
					identProblemField(t, resp.expectProblem(t, http.StatusBadRequest, identInvalidToken), "token")
					if got := h.identUserRevision(t, l.userID); got != revision {
						t.Fatalf("dead link moved the user from revision %d to %d", revision, got)
					}
				})
			}
		}
	})

	t.Run("forged", func(t *testing.T) {
		t.Parallel()
		userID, token := h.identInvited(t, rootID, "fred.forged")
		nonce := h.userState(t, userID).Invitation.Nonce
		sign := func(links *identitycmd.Links, purpose, id, nonce string) string {
			t.Helper()
			tok, err := links.Token(purpose, id, nonce)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		otherKey, err := identitycmd.NewLinks([]byte(strings.Repeat("x", 32)))
		if err != nil {
			t.Fatal(err)
		}
		random := make([]byte, 16+16+32)
		_, _ = rand.Read(random)
		// An active user's real password-reset link.
		activeID, _ := h.member(t, rootID, "paula.reset")
		h.do(t, req{Method: http.MethodPost, Path: "/v1/users/" + activeID + "/password-reset"}).expect(t, http.StatusAccepted, nil)

		forged := []struct{ name, token string }{
			{"a random string", "not-a-token"},
			{"random bytes of the right length", base64.RawURLEncoding.EncodeToString(random)},
			{"a uuid", userID},
			{"the token base64-encoded again", base64.RawURLEncoding.EncodeToString([]byte(token))},
			{"the token cut short", token[:len(token)-4]},
			{"the token with bytes appended", token + "AAAA"},
			{"a byte of the user id flipped", identTamper(t, token, 0)},
			{"a byte of the nonce flipped", identTamper(t, token, 16)},
			{"a byte of the signature flipped", identTamper(t, token, -1)},
			{"signed for password reset", sign(h.links, identitycmd.PurposePasswordReset, userID, nonce)},
			{"signed for e-mail change", sign(h.links, identitycmd.PurposeEmailChange, userID, nonce)},
			{"another user's password-reset link", h.linkToken(t, identitycmd.PurposePasswordReset, activeID)},
			{"signed with another key", sign(otherKey, identitycmd.PurposeInvitation, userID, nonce)},
			{"a nonce never issued", sign(h.links, identitycmd.PurposeInvitation, userID, "bm90LWlzc3VlZA")},
		}
		for _, f := range forged {
			t.Run(f.name, func(t *testing.T) {
				if f.token == token {
					t.Fatal("the forged token is the real one")
				}
				refused(t, userID, f.token)
			})
		}
		// The real link still works, and the other user's reset link was not used up.
		h.identAccept(t, token, strongPassword, strongPassword).expect(t, http.StatusOK, nil)
		h.identSignIn(t, "fred.forged", strongPassword)
		if h.userState(t, activeID).PasswordReset.Nonce == "" {
			t.Fatal("a refused invitation used up another user's reset link")
		}
	})
}

// TestDuplicateUsernameAndEmail: usernames and e-mail addresses are unique system-wide and
// regardless of case; a refused invitation reserves neither value.
func TestDuplicateUsernameAndEmail(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	customer, pos := h.create(t, "", "customer", "Customer")
	h.get(t, customer.ID, pos)
	h.invite(t, rootID, "dana.dup", "dana.dup@example.test")

	fresh := 0
	next := func(prefix string) string { fresh++; return prefix + string(rune('a'+fresh)) }
	tests := []struct {
		name      string
		account   string
		username  string // "" picks a fresh one
		email     string // "" picks a fresh one
		field     string
		firstUser bool // through POST /v1/accounts with first_user
	}{
		{name: "same username", username: "dana.dup", field: "username"},
		{name: "same username, other case", username: "DANA.Dup", field: "username"},
		{name: "same username, surrounding spaces", username: "  dana.dup ", field: "username"},
		{name: "same username in another account", account: customer.ID, username: "dana.dup", field: "username"},
		{name: "the root administrator's username", username: "Admin", field: "username"},
		{name: "same e-mail", email: "dana.dup@example.test", field: "email"},
		{name: "same e-mail, other case", email: "Dana.Dup@EXAMPLE.test", field: "email"},
		{name: "same e-mail in another account", account: customer.ID, email: "dana.dup@example.test", field: "email"},
		{name: "both taken", username: "dana.dup", email: "dana.dup@example.test", field: "username"},
		{name: "first user of a new account: same username", username: "dana.dup", field: "first_user.username", firstUser: true},
		{name: "first user of a new account: same e-mail", email: "DANA.DUP@example.test", field: "first_user.email", firstUser: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			account := tc.account
			if account == "" {
				account = rootID
			}
			username, email := tc.username, tc.email
			freeUsername, freeEmail := username == "", email == ""
			if freeUsername {
				username = next("fresh.user.")
			}
			if freeEmail {
				email = next("fresh.mail.") + "@example.test"
			}
			usersBefore := len(h.identUsers(t, account))
			kidsBefore, _ := h.children(t, rootID, "", 100)

			var resp response
			if tc.firstUser {
				resp = h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts", Body: map[string]any{
					"kind": "customer", "name": "Refused " + tc.name, "address": testAddress,
					"first_user": map[string]string{"username": username, "email": email},
				}})
			} else {
				resp = h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + account + "/users",
					Body: map[string]any{"username": username, "email": email}})
			}
			identProblemField(t, resp.expectProblem(t, http.StatusConflict, identTaken), tc.field)

			if n := len(h.identUsers(t, account)); n != usersBefore {
				t.Fatalf("refused invitation: %d users, was %d", n, usersBefore)
			}
			if kids, _ := h.children(t, rootID, "", 100); len(kids) != len(kidsBefore) {
				t.Fatalf("refused first user: %d child accounts, was %d", len(kids), len(kidsBefore))
			}
			// The value that was free is still free.
			switch {
			case freeUsername:
				h.invite(t, account, username, next("probe.")+"@example.test")
			case freeEmail:
				h.invite(t, account, next("probe."), email)
			}
		})
	}
}

func identFindUser(t *testing.T, users []identUser, id string) identUser {
	t.Helper()
	for _, u := range users {
		if u.ID == id {
			return u
		}
	}
	t.Fatalf("user %s is not listed in %+v", id, users)
	return identUser{}
}
