package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/camcloud/accounts/identity/identitycmd"
)

// TestPasswordPolicyKnowsTheUser: changing or resetting a password refuses the current password
// and any password containing the username or the e-mail address (ignoring case), with a problem
// that says so, and changes nothing; POST /v1/password-strength gives the same verdict.
func TestPasswordPolicyKnowsTheUser(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	anon := h.as("")
	changeID, changeToken := h.member(t, rootID, "tomas.keeping")
	resetID, _ := h.member(t, rootID, "vera.keeping")
	h.do(t, req{Method: http.MethodPost, Path: "/v1/users/" + resetID + "/password-reset"}).expect(t, http.StatusAccepted, nil)
	reset := h.linkToken(t, identitycmd.PurposePasswordReset, resetID)

	flows := []struct {
		name, userID, username, field string
		send                          func(t *testing.T, pw string) response
	}{
		{name: "change", userID: changeID, username: "tomas.keeping", field: "new_password",
			send: func(t *testing.T, pw string) response {
				return h.as(changeToken).do(t, req{Method: http.MethodPost, Path: "/v1/me/password", Body: map[string]any{
					"original_password": strongPassword, "new_password": pw, "password_confirmation": pw,
				}})
			}},
		{name: "reset", userID: resetID, username: "vera.keeping", field: "password",
			send: func(t *testing.T, pw string) response {
				return anon.do(t, req{Method: http.MethodPost, Path: "/v1/password-reset:confirm",
					Body: map[string]string{"token": reset, "password": pw, "password_confirmation": pw}})
			}},
	}
	cases := []struct {
		name     string
		password func(username string) string
		problem  string
		strength bool // whether /v1/password-strength refuses it too (it cannot know the current password)
	}{
		{name: "the current password", password: func(string) string { return strongPassword },
			problem: "must differ from the current one"},
		{name: "containing the username", password: func(u string) string { return "purple otters ride " + u + " home" },
			problem: "must not contain your username or e-mail address", strength: true},
		{name: "containing the username, upper-case", password: func(u string) string { return "Purple otters ride " + strings.ToUpper(u) },
			problem: "must not contain your username or e-mail address", strength: true},
		{name: "containing the e-mail address", password: func(u string) string { return "write to " + u + "@Example.test today" },
			problem: "must not contain your username or e-mail address", strength: true},
	}
	for _, f := range flows {
		t.Run(f.name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					pw := tc.password(f.username)
					revision := h.identUserRevision(t, f.userID)
					resp := f.send(t, pw)
					identProblemField(t, resp.expectProblem(t, http.StatusUnprocessableEntity, identWeakPassword), f.field)
					s := identProblemStrength(t, resp)
					if !slices.ContainsFunc(*s.Problems, func(p string) bool { return strings.Contains(p, tc.problem) }) {
						t.Errorf("problems %q, want one saying %q", *s.Problems, tc.problem)
					}
					if got := h.identUserRevision(t, f.userID); got != revision {
						t.Fatalf("a refused password moved the user from revision %d to %d", revision, got)
					}
					h.identSignIn(t, f.username, strongPassword)

					var verdict identStrength
					anon.do(t, req{Method: http.MethodPost, Path: "/v1/password-strength", Body: map[string]string{
						"password": pw, "username": f.username, "email": f.username + "@example.test",
					}}).expect(t, http.StatusOK, &verdict)
					if tc.strength && *verdict.Acceptable {
						t.Errorf("password-strength accepts what the policy refuses: %+v", verdict)
					}
				})
			}
			// A different password that is fine still goes through.
			f.send(t, identOtherPassword).expect(t, http.StatusOK, &commandAnswer{})
			h.identSignIn(t, f.username, identOtherPassword)
		})
	}
}
