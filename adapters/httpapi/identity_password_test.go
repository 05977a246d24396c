package httpapi_test

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/camcloud/accounts/identity/identitycmd"
)

// identTooLong is over the policy's maximum of 128 characters.
var identTooLong = strings.Repeat("Vq9#tLw-", 17)

// TestPasswordPolicyOnEveryFlow: accepting an invitation, resetting a forgotten password and
// changing one refuse weak, common, too long, username-based and mismatched passwords alike, with
// the strength of the refused password, and change nothing.
func TestPasswordPolicyOnEveryFlow(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	anon := h.as("")

	// One user per flow: an invited one, one with an open reset link, one signed in.
	invitedID, invitation := h.identInvited(t, rootID, "marketa.dvorakova")
	resetID, _ := h.member(t, rootID, "petr.resetting")
	h.do(t, req{Method: http.MethodPost, Path: "/v1/users/" + resetID + "/password-reset"}).expect(t, http.StatusAccepted, nil)
	reset := h.linkToken(t, identitycmd.PurposePasswordReset, resetID)
	changeID, changeToken := h.member(t, rootID, "jana.changing")

	type flow struct {
		name, userID, username string
		field                  string // the request field a weak-password problem names; "-": not checked
		send                   func(t *testing.T, pw, confirmation string) response
		unchanged              func(t *testing.T)
	}
	stillSignsIn := func(username string) func(t *testing.T) {
		return func(t *testing.T) { h.identSignIn(t, username, strongPassword) }
	}
	flows := []flow{
		{
			name: "accept invitation", userID: invitedID, username: "marketa.dvorakova", field: "password",
			send: func(t *testing.T, pw, confirmation string) response {
				return h.identAccept(t, invitation, pw, confirmation)
			},
			unchanged: func(t *testing.T) {
				if st := h.userState(t, invitedID); st.Status != "invited" || st.PasswordHash != "" {
					t.Fatalf("after a refused acceptance: status %q, hash set %v", st.Status, st.PasswordHash != "")
				}
			},
		},
		{
			name: "reset password", userID: resetID, username: "petr.resetting", field: "password",
			send: func(t *testing.T, pw, confirmation string) response {
				return anon.do(t, req{Method: http.MethodPost, Path: "/v1/password-reset:confirm",
					Body: map[string]string{"token": reset, "password": pw, "password_confirmation": confirmation}})
			},
			unchanged: stillSignsIn("petr.resetting"),
		},
		{
			// The field a weak new password is reported under is TestChangePassword's concern.
			name: "change password", userID: changeID, username: "jana.changing", field: "-",
			send: func(t *testing.T, pw, confirmation string) response {
				return h.as(changeToken).do(t, req{Method: http.MethodPost, Path: "/v1/me/password", Body: map[string]any{
					"original_password": strongPassword, "new_password": pw, "password_confirmation": confirmation,
				}})
			},
			unchanged: stillSignsIn("jana.changing"),
		},
	}

	capitalized := func(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
	cases := []struct {
		name         string
		password     func(username string) string
		confirmation func(username string) string // nil: the same as password
		typ, problem string                       // problem: a piece of one of the strength's problems
	}{
		{name: "weak", password: func(string) string { return "abc" }, typ: identWeakPassword, problem: "at least 8 characters"},
		{name: "seven characters", password: func(string) string { return "Vq9#tLw" }, typ: identWeakPassword, problem: "at least 8 characters"},
		{name: "common: password1", password: func(string) string { return "password1" }, typ: identWeakPassword, problem: "commonly used"},
		{name: "common: qwerty123", password: func(string) string { return "qwerty123" }, typ: identWeakPassword, problem: "commonly used"},
		{name: "common, other case", password: func(string) string { return "PassWord1" }, typ: identWeakPassword, problem: "commonly used"},
		{name: "too long", password: func(string) string { return identTooLong }, typ: identWeakPassword, problem: "at most 128 characters"},
		{name: "the username", password: capitalized, typ: identWeakPassword, problem: "username or e-mail"},
		{name: "the e-mail address", password: func(u string) string { return u + "@example.test" }, typ: identWeakPassword, problem: "username or e-mail"},
		{name: "mismatched confirmation", password: func(string) string { return identOtherPassword },
			confirmation: func(string) string { return identOtherPassword + " " }, typ: identValidation},
		{name: "confirmation missing", password: func(string) string { return identOtherPassword },
			confirmation: func(string) string { return "" }, typ: identValidation},
	}

	for _, f := range flows {
		t.Run(f.name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					pw := tc.password(f.username)
					confirmation := pw
					if tc.confirmation != nil {
						confirmation = tc.confirmation(f.username)
					}
					revision := h.identUserRevision(t, f.userID)
					resp := f.send(t, pw, confirmation)
					p := resp.expectProblem(t, http.StatusUnprocessableEntity, tc.typ)
					if tc.typ == identValidation {
						identProblemField(t, p, "password_confirmation")
					} else {
						if f.field != "-" {
							identProblemField(t, p, f.field)
						}
						s := identProblemStrength(t, resp)
						if !slices.ContainsFunc(*s.Problems, func(p string) bool { return strings.Contains(p, tc.problem) }) {
							t.Errorf("problems %q, want one about %q", *s.Problems, tc.problem)
						}
					}
					if len(pw) >= 8 && bytes.Contains(resp.Body, []byte(pw)) {
						t.Fatalf("the answer quotes the password: %s", resp.Body)
					}
					if got := h.identUserRevision(t, f.userID); got != revision {
						t.Fatalf("refused password moved the user from revision %d to %d", revision, got)
					}
					f.unchanged(t)
				})
			}
			// After all the refusals the flow still works with a good password.
			f.send(t, identOtherPassword, identOtherPassword).expect(t, http.StatusOK, &commandAnswer{})
			h.identSignIn(t, f.username, identOtherPassword)
		})
	}
}

// TestPasswordStrength: POST /v1/password-strength scores a candidate without authentication and
// without storing anything.
func TestPasswordStrength(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	exactly128 := strings.Repeat("Vq9#tLw-", 16)
	if utf8.RuneCountInString(exactly128) != 128 {
		t.Fatal("exactly128 is not 128 characters")
	}
	tests := []struct {
		name       string
		body       map[string]string
		acceptable bool
		score      func(int) bool
		hint       string // a piece of one hint, if one is expected
	}{
		{name: "weak", body: map[string]string{"password": "abc"}, score: func(s int) bool { return s <= 1 }, hint: "longer"},
		{name: "common", body: map[string]string{"password": "password1"}, score: func(s int) bool { return s == 0 }, hint: "common"},
		{name: "keyboard pattern", body: map[string]string{"password": "qwerty123"}, score: func(s int) bool { return s == 0 }},
		{name: "too long", body: map[string]string{"password": identTooLong}, score: func(s int) bool { return s == 0 }},
		{name: "the username", body: map[string]string{"password": "Vaclav.Havel", "username": "vaclav.havel", "email": "vh@example.test"},
			score: func(s int) bool { return s == 0 }, hint: "username"},
		{name: "lower case only", body: map[string]string{"password": "bluecarpet"}, acceptable: true,
			score: func(s int) bool { return s >= 1 && s < 4 }, hint: "upper-case letters and digits"},
		{name: "exactly 128 characters", body: map[string]string{"password": exactly128}, acceptable: true, score: func(s int) bool { return s >= 1 }},
		{name: "strong", body: map[string]string{"password": strongPassword}, acceptable: true, score: func(s int) bool { return s == 4 }},
	}
	events := h.eventCount(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := h.as("").do(t, req{Method: http.MethodPost, Path: "/v1/password-strength", Body: tc.body})
			var s identStrength
			resp.expect(t, http.StatusOK, &s)
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", cc)
			}
			identCheckStrength(t, s, resp.Body)
			if *s.Acceptable != tc.acceptable || !tc.score(*s.Score) {
				t.Fatalf("got %s, want acceptable %v and a fitting score", resp.Body, tc.acceptable)
			}
			if problems := identStrings(s.Problems); tc.acceptable != (len(problems) == 0) {
				t.Fatalf("acceptable %v with problems %q", *s.Acceptable, problems)
			}
			if hints := identStrings(s.Hints); tc.hint != "" && !slices.ContainsFunc(hints, func(h string) bool { return strings.Contains(h, tc.hint) }) {
				t.Fatalf("hints %q, want one about %q", hints, tc.hint)
			}
			if pw := tc.body["password"]; len(pw) >= 8 && bytes.Contains(resp.Body, []byte(pw)) {
				t.Fatalf("the answer quotes the password: %s", resp.Body)
			}
		})
	}
	if n := h.eventCount(t); n != events {
		t.Fatalf("scoring passwords appended %d events", n-events)
	}
}

// TestChangePassword: the original password is required, the confirmation must match, and the
// other sessions can be ended at the same time; the old password stops working.
func TestChangePassword(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	userID, current := h.member(t, rootID, "karel.change")
	other, _ := h.identSignIn(t, "karel.change", strongPassword)
	change := func(t *testing.T, body map[string]any) response {
		return h.as(current).do(t, req{Method: http.MethodPost, Path: "/v1/me/password", Body: body})
	}

	refusals := []struct {
		name   string
		body   map[string]any
		typ    string
		field  string
		weakOK bool
	}{
		{name: "wrong original", typ: identWrongPassword,
			body: map[string]any{"original_password": identOtherPassword, "new_password": identOtherPassword, "password_confirmation": identOtherPassword}},
		{name: "original missing", typ: identWrongPassword,
			body: map[string]any{"new_password": identOtherPassword, "password_confirmation": identOtherPassword}},
		{name: "original in another case", typ: identWrongPassword,
			body: map[string]any{"original_password": strings.ToUpper(strongPassword), "new_password": identOtherPassword, "password_confirmation": identOtherPassword}},
		{name: "mismatched confirmation", typ: identValidation, field: "password_confirmation",
			body: map[string]any{"original_password": strongPassword, "new_password": identOtherPassword, "password_confirmation": strongPassword}},
		{name: "weak new password", typ: identWeakPassword, field: "new_password",
			body: map[string]any{"original_password": strongPassword, "new_password": "abc", "password_confirmation": "abc"}},
	}
	for _, tc := range refusals {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			revision := h.identUserRevision(t, userID)
			resp := change(t, tc.body)
			p := resp.expectProblem(t, http.StatusUnprocessableEntity, tc.typ)
			if tc.field != "" {
				identProblemField(t, p, tc.field)
			}
			if got := h.identUserRevision(t, userID); got != revision {
				t.Fatalf("refused change moved the user from revision %d to %d", revision, got)
			}
			if !h.identAuthenticated(t, current) || !h.identAuthenticated(t, other) {
				t.Fatal("a refused change ended a session")
			}
			h.identSignIn(t, "karel.change", strongPassword)
		})
	}

	t.Run("changed, other sessions kept", func(t *testing.T) {
		change(t, map[string]any{"original_password": strongPassword, "new_password": identOtherPassword,
			"password_confirmation": identOtherPassword}).expect(t, http.StatusOK, &commandAnswer{})
		if !h.identAuthenticated(t, current) || !h.identAuthenticated(t, other) {
			t.Fatal("end_other_sessions absent, yet a session ended")
		}
		h.identRefuseSignIn(t, "karel.change", strongPassword)
		h.identSignIn(t, "karel.change", identOtherPassword)
	})

	t.Run("changed, other sessions ended", func(t *testing.T) {
		third, _ := h.identSignIn(t, "karel.change", identOtherPassword)
		const newest = "seven wet lanterns hum softly"
		change(t, map[string]any{"original_password": identOtherPassword, "new_password": newest,
			"password_confirmation": newest, "end_other_sessions": true}).expect(t, http.StatusOK, &commandAnswer{})
		if !h.identAuthenticated(t, current) {
			t.Fatal("end_other_sessions ended the current session")
		}
		if h.identAuthenticated(t, other) || h.identAuthenticated(t, third) {
			t.Fatal("end_other_sessions left another session alive")
		}
		if !h.identAuthenticated(t, h.token) {
			t.Fatal("end_other_sessions ended another user's session")
		}
		h.identRefuseSignIn(t, "karel.change", identOtherPassword)
		h.identRefuseSignIn(t, "karel.change", strongPassword)
		h.identSignIn(t, "karel.change", newest)
	})
}

// TestForgotPassword: a reset request answers the same for every address; an active user gets a
// single-use link that sets the password and ends every session.
func TestForgotPassword(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	anon := h.as("")
	olgaID, a := h.member(t, rootID, "olga.forgot")
	b, _ := h.identSignIn(t, "olga.forgot", strongPassword)
	ivoID := h.invite(t, rootID, "ivo.invited", "ivo.invited@example.test")
	danID, _ := h.member(t, rootID, "dan.disabled")
	h.do(t, req{Method: http.MethodPost, Path: "/v1/users/" + danID + ":disable"}).expect(t, http.StatusOK, nil)

	request := func(t *testing.T, email string) response {
		t.Helper()
		resp := anon.do(t, req{Method: http.MethodPost, Path: "/v1/password-reset:request", Body: map[string]string{"email": email}})
		resp.expect(t, http.StatusAccepted, &struct {
			Status string `json:"status"`
		}{})
		return resp
	}
	reference := request(t, "nobody@example.test")

	requests := []struct {
		name, email, userID string
		link                bool // whether the user gets a link
	}{
		{name: "unknown address", email: "someone.else@example.test"},
		{name: "malformed address", email: "not-an-address"},
		{name: "empty address", email: ""},
		{name: "invited user", email: "ivo.invited@example.test", userID: ivoID},
		{name: "disabled user", email: "dan.disabled@example.test", userID: danID},
		{name: "active user", email: "olga.forgot@example.test", userID: olgaID, link: true},
		{name: "active user, address in another case", email: "  OLGA.Forgot@Example.TEST ", userID: olgaID, link: true},
	}
	for _, tc := range requests {
		t.Run("request: "+tc.name, func(t *testing.T) {
			events := h.eventCount(t)
			var revision uint64
			if tc.userID != "" {
				revision = h.identUserRevision(t, tc.userID)
			}
			resp := request(t, tc.email)
			if !bytes.Equal(resp.Body, reference.Body) {
				t.Fatalf("body %s differs from an unknown address's %s", resp.Body, reference.Body)
			}
			for _, k := range []string{"Content-Type", "Content-Length", "Cache-Control"} {
				if resp.Header.Get(k) != reference.Header.Get(k) {
					t.Fatalf("header %s %q differs from an unknown address's %q", k, resp.Header.Get(k), reference.Header.Get(k))
				}
			}
			switch {
			case tc.link:
				if h.userState(t, tc.userID).PasswordReset.Nonce == "" {
					t.Fatal("no open reset link for an active user")
				}
			case tc.userID != "":
				if h.userState(t, tc.userID).PasswordReset.Nonce != "" || h.identUserRevision(t, tc.userID) != revision {
					t.Fatal("a user who cannot sign in got a reset link")
				}
				fallthrough
			default:
				if n := h.eventCount(t); n != events {
					t.Fatalf("a request that sends nothing appended %d events", n-events)
				}
			}
		})
	}

	confirm := func(t *testing.T, token, pw string) response {
		t.Helper()
		return anon.do(t, req{Method: http.MethodPost, Path: "/v1/password-reset:confirm",
			Body: map[string]string{"token": token, "password": pw, "password_confirmation": pw}})
	}

	t.Run("a newer link replaces the older", func(t *testing.T) {
		older := h.linkToken(t, identitycmd.PurposePasswordReset, olgaID)
		request(t, "olga.forgot@example.test")
		if newer := h.linkToken(t, identitycmd.PurposePasswordReset, olgaID); newer == older {
			t.Fatal("the new request did not issue a new link")
		}
		revision := h.identUserRevision(t, olgaID)
		confirm(t, older, identOtherPassword).expectProblem(t, http.StatusBadRequest, identInvalidToken)
		if got := h.identUserRevision(t, olgaID); got != revision {
			t.Fatalf("refused link moved the user from revision %d to %d", revision, got)
		}
	})

	t.Run("forged links", func(t *testing.T) {
		link := h.linkToken(t, identitycmd.PurposePasswordReset, olgaID)
		nonce := h.userState(t, olgaID).PasswordReset.Nonce
		asInvitation, err := h.links.Token(identitycmd.PurposeInvitation, olgaID, nonce)
		if err != nil {
			t.Fatal(err)
		}
		revision := h.identUserRevision(t, olgaID)
		for _, token := range []string{"", "garbage", identTamper(t, link, 3), identTamper(t, link, -2), asInvitation,
			h.linkToken(t, identitycmd.PurposeInvitation, ivoID)} {
			p := confirm(t, token, identOtherPassword).expectProblem(t, http.StatusBadRequest, identInvalidToken)
			identProblemField(t, p, "token")
		}
		if got := h.identUserRevision(t, olgaID); got != revision {
			t.Fatalf("forged links moved the user from revision %d to %d", revision, got)
		}
		if h.userState(t, ivoID).Status != "invited" {
			t.Fatal("an invitation link used on the reset endpoint changed the invited user")
		}
	})

	t.Run("confirmed", func(t *testing.T) {
		link := h.linkToken(t, identitycmd.PurposePasswordReset, olgaID)
		if !h.identAuthenticated(t, a) || !h.identAuthenticated(t, b) {
			t.Fatal("sessions ended before the reset")
		}
		confirm(t, link, identOtherPassword).expect(t, http.StatusOK, &commandAnswer{})
		if h.identAuthenticated(t, a) || h.identAuthenticated(t, b) {
			t.Fatal("a session survived the password reset")
		}
		if !h.identAuthenticated(t, h.token) {
			t.Fatal("olga's reset ended another user's session")
		}
		h.identRefuseSignIn(t, "olga.forgot", strongPassword)
		h.identSignIn(t, "olga.forgot", identOtherPassword)

		// Single use: the link does not work again, and the password stays.
		revision, hash := h.identUserRevision(t, olgaID), h.userState(t, olgaID).PasswordHash
		confirm(t, link, strongPassword).expectProblem(t, http.StatusBadRequest, identInvalidToken)
		if h.identUserRevision(t, olgaID) != revision || h.userState(t, olgaID).PasswordHash != hash {
			t.Fatal("a used link changed the user")
		}
		h.identSignIn(t, "olga.forgot", identOtherPassword)
	})
}

// TestAdminPasswordReset: an administrator has a reset link sent; the password stays the user's
// until they use it, and the administrator never chooses it.
func TestAdminPasswordReset(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	userID, session := h.member(t, rootID, "hana.admin.reset")
	invitedID := h.invite(t, rootID, "igor.invited", "igor@example.test")
	path := func(id string) string { return "/v1/users/" + id + "/password-reset" }
	hash := h.userState(t, userID).PasswordHash

	h.do(t, req{Method: http.MethodPost, Path: path(userID)}).expect(t, http.StatusAccepted, &commandAnswer{})
	st := h.userState(t, userID)
	if st.PasswordReset.Nonce == "" {
		t.Fatal("no reset link after the administrator's request")
	}
	if d := time.Until(st.PasswordReset.ExpiresAt); d < 59*time.Minute || d > 61*time.Minute {
		t.Errorf("reset link expires in %s, want the default hour", d)
	}
	if st.PasswordHash != hash || !h.identAuthenticated(t, session) {
		t.Fatal("the administrator's request changed the password or ended a session")
	}
	h.identSignIn(t, "hana.admin.reset", strongPassword)

	t.Run("the administrator cannot choose the password", func(t *testing.T) {
		const chosen = "administrators choice 12345"
		resp := h.do(t, req{Method: http.MethodPost, Path: path(userID), Body: map[string]string{
			"password": chosen, "password_confirmation": chosen, "new_password": chosen,
		}})
		if resp.Status != http.StatusAccepted && resp.Status != http.StatusBadRequest {
			t.Fatalf("status %d, want 202 (body ignored) or 400 (body refused); body %s", resp.Status, resp.Body)
		}
		if h.userState(t, userID).PasswordHash != hash {
			t.Fatal("the administrator's request set a password")
		}
		h.identRefuseSignIn(t, "hana.admin.reset", chosen)
	})

	t.Run("refused for users who cannot sign in", func(t *testing.T) {
		revision := h.identUserRevision(t, invitedID)
		h.do(t, req{Method: http.MethodPost, Path: path(invitedID)}).expectProblem(t, http.StatusConflict, identState)
		if h.identUserRevision(t, invitedID) != revision {
			t.Fatal("refused reset changed the invited user")
		}
		h.do(t, req{Method: http.MethodPost, Path: path("00000000-0000-0000-0000-000000000000")}).expectProblem(t, http.StatusNotFound, identNotFound)
	})

	t.Run("the user sets the password from the link", func(t *testing.T) {
		link := h.linkToken(t, identitycmd.PurposePasswordReset, userID)
		h.as("").do(t, req{Method: http.MethodPost, Path: "/v1/password-reset:confirm", Body: map[string]string{
			"token": link, "password": identOtherPassword, "password_confirmation": identOtherPassword,
		}}).expect(t, http.StatusOK, nil)
		if h.identAuthenticated(t, session) {
			t.Fatal("a session survived the reset")
		}
		h.identSignIn(t, "hana.admin.reset", identOtherPassword)
	})
}

// TestExpiredResetAndEmailLinks: a password-reset link and an e-mail-change link stop working
// when they expire, and nothing changes.
func TestExpiredResetAndEmailLinks(t *testing.T) {
	t.Parallel()
	h, expiring := newIdentityHarnessPair(t, identitycmd.Config{PasswordResetTTL: time.Nanosecond, EmailChangeTTL: time.Nanosecond})

	t.Run("password reset", func(t *testing.T) {
		t.Parallel()
		userID, session := h.member(t, rootID, "ema.expired.reset")
		expiring.do(t, req{Method: http.MethodPost, Path: "/v1/users/" + userID + "/password-reset"}).expect(t, http.StatusAccepted, nil)
		link := h.linkToken(t, identitycmd.PurposePasswordReset, userID)
		identWaitPast(t, h.userState(t, userID).PasswordReset.ExpiresAt)
		revision := h.identUserRevision(t, userID)
		h.as("").do(t, req{Method: http.MethodPost, Path: "/v1/password-reset:confirm", Body: map[string]string{
			"token": link, "password": identOtherPassword, "password_confirmation": identOtherPassword,
		}}).expectProblem(t, http.StatusBadRequest, identInvalidToken)
		if h.identUserRevision(t, userID) != revision || !h.identAuthenticated(t, session) {
			t.Fatal("an expired reset link changed the user or ended a session")
		}
		h.identSignIn(t, "ema.expired.reset", strongPassword)
	})

	t.Run("e-mail change", func(t *testing.T) {
		t.Parallel()
		userID, session := h.member(t, rootID, "eda.expired.email")
		expiring.as(session).do(t, req{Method: http.MethodPatch, Path: "/v1/me", Body: map[string]any{
			"email": "eda.new@example.test", "current_password": strongPassword,
		}}).expect(t, http.StatusAccepted, nil)
		link := h.linkToken(t, identitycmd.PurposeEmailChange, userID)
		identWaitPast(t, h.userState(t, userID).EmailChange.ExpiresAt)
		revision := h.identUserRevision(t, userID)
		h.as("").do(t, req{Method: http.MethodPost, Path: "/v1/email-change:confirm", Body: map[string]string{"token": link}}).
			expectProblem(t, http.StatusBadRequest, identInvalidToken)
		if h.identUserRevision(t, userID) != revision {
			t.Fatal("an expired e-mail link changed the user")
		}
		if me := h.as(session).identMe(t); me.Email != "eda.expired.email@example.test" {
			t.Fatalf("e-mail %q after an expired confirmation", me.Email)
		}
		// The new address was never taken.
		h.invite(t, rootID, "eda.other", "eda.new@example.test")
	})
}

// TestPasswordStrengthMembersAlwaysPresent: an assessment always has all four members, problems
// and hints as arrays (empty when there is nothing to say), as adapters/password returns them, so
// that a client need not tell a missing member from an empty one. This holds for the answer of
// POST /v1/password-strength and for the strength of a weak-password problem.
func TestPasswordStrengthMembersAlwaysPresent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for name, pw := range map[string]string{"strong": strongPassword, "acceptable with hints": "bluecarpet", "too long": identTooLong} {
		t.Run("password-strength: "+name, func(t *testing.T) {
			resp := h.as("").do(t, req{Method: http.MethodPost, Path: "/v1/password-strength", Body: map[string]string{"password": pw}})
			var s identStrength
			resp.expect(t, http.StatusOK, &s)
			identRequireAllMembers(t, s, resp.Body)
		})
	}
	t.Run("weak-password problem: too long", func(t *testing.T) {
		_, invitation := h.identInvited(t, rootID, "tereza.toolong")
		resp := h.identAccept(t, invitation, identTooLong, identTooLong)
		resp.expectProblem(t, http.StatusUnprocessableEntity, identWeakPassword)
		identRequireAllMembers(t, identProblemStrength(t, resp), resp.Body)
	})
}
