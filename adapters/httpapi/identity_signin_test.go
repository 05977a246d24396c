package httpapi_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/camcloud/accounts/identity/identitycmd"
)

// TestSignIn: a good sign-in returns an opaque token and its session; every bad one (unknown user,
// wrong password, not yet accepted, disabled) gets the very same 401.
func TestSignIn(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	samID, _ := h.member(t, rootID, "sam.signin")
	h.invite(t, rootID, "ivan.invited", "ivan@example.test")
	doraID, _ := h.member(t, rootID, "dora.disabled")
	h.do(t, req{Method: http.MethodPost, Path: "/v1/users/" + doraID + ":disable"}).expect(t, http.StatusOK, nil)

	t.Run("success", func(t *testing.T) {
		before := time.Now()
		resp := h.identSignInAnswer(t, "SAM.Signin", strongPassword) // usernames ignore case
		var out struct {
			Token   string       `json:"token"`
			Session identSession `json:"session"`
		}
		resp.expect(t, http.StatusOK, &out)
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q, want no-store on an answer with a token", cc)
		}
		raw, err := base64.RawURLEncoding.DecodeString(out.Token)
		if err != nil || len(raw) < 16 {
			t.Fatalf("token %q is not at least 128 bits of base64url (%v)", out.Token, err)
		}
		s := out.Session
		if s.UserID != samID || s.AccountID != rootID || s.ClientAddress == "" || s.UserAgent == "" {
			t.Fatalf("session %+v", s)
		}
		if d := s.IdleExpiresAt.Sub(before); d < 29*time.Minute || d > 31*time.Minute {
			t.Errorf("idle expiry in %s, want the default 30 minutes", d)
		}
		if d := s.ExpiresAt.Sub(before); d < 12*time.Hour-time.Minute || d > 12*time.Hour+time.Minute {
			t.Errorf("absolute expiry in %s, want the default 12 hours", d)
		}
		if me := h.as(out.Token).identMe(t); me.ID != samID {
			t.Fatalf("the token is %s's, want sam's", me.ID)
		}
	})

	// Every failure below counts against the client address (20) and its username (5).
	reference := h.identRefuseSignIn(t, "nobody.here", strongPassword)
	failures := []struct{ name, username, password string }{
		{"wrong password", "sam.signin", identOtherPassword},
		{"password in another case", "sam.signin", strings.ToUpper(strongPassword)},
		{"empty password", "sam.signin", ""},
		{"invited, not accepted", "ivan.invited", strongPassword},
		{"disabled, right password", "dora.disabled", strongPassword},
		{"empty username", "", strongPassword},
		{"username that cannot exist", "no such user!", strongPassword},
	}
	for _, tc := range failures {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			resp := h.identRefuseSignIn(t, tc.username, tc.password)
			if !bytes.Equal(resp.Body, reference.Body) {
				t.Fatalf("body %s differs from an unknown user's %s", resp.Body, reference.Body)
			}
			for _, k := range []string{"Content-Type", "Content-Length", "Cache-Control", "WWW-Authenticate", "Retry-After"} {
				if resp.Header.Get(k) != reference.Header.Get(k) {
					t.Fatalf("header %s %q differs from an unknown user's %q", k, resp.Header.Get(k), reference.Header.Get(k))
				}
			}
		})
	}

	// Timing: an unknown user pays a dummy verification. Logged, not asserted (it would flake).
	timed := func(username string) time.Duration {
		start := time.Now()
		h.identRefuseSignIn(t, username, identOtherPassword)
		return time.Since(start)
	}
	unknown, wrong := timed("nobody.else"), timed("sam.signin")
	t.Logf("sign-in refusal took %s for an unknown user and %s for a wrong password", unknown, wrong)

	// None of that locked sam out (4 failures < 5), and sessions still work.
	h.identSignIn(t, "sam.signin", strongPassword)
}

// TestSignInRateLimit: after 5 failures for one username it answers 429 with Retry-After, even
// with the right password and in any case; other usernames are not affected until the client
// address has failed 20 times.
func TestSignInRateLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.member(t, rootID, "victim")
	h.member(t, rootID, "bystander")

	limited := func(t *testing.T, username, pw string) {
		t.Helper()
		resp := h.identSignInAnswer(t, username, pw)
		resp.expectProblem(t, http.StatusTooManyRequests, identRateLimited)
		raw := resp.Header.Get("Retry-After")
		secs, err := strconv.Atoi(raw)
		if err != nil || secs < 1 {
			t.Fatalf("Retry-After %q, want whole seconds >= 1", raw)
		}
	}

	for i := range 5 {
		resp := h.identSignInAnswer(t, "victim", identOtherPassword)
		if resp.Status != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d, want 401; body %s", i+1, resp.Status, resp.Body)
		}
	}
	limited(t, "victim", identOtherPassword)
	limited(t, "victim", strongPassword) // the right password does not lift it
	limited(t, "VICTIM", strongPassword) // nor another spelling of the username
	h.identSignIn(t, "bystander", strongPassword)

	// Per client address: 20 failures in all (5 above), whatever the usernames.
	for i := range 15 {
		h.identRefuseSignIn(t, "stranger"+strconv.Itoa(i), identOtherPassword)
	}
	limited(t, "bystander", strongPassword)
	limited(t, "stranger99", strongPassword)
}

// TestSessions: list mine (with current), end one, end the others, sign out, end all; another
// user's session is not found.
func TestSessions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	sofiaID, t0 := h.member(t, rootID, "sofia")
	t1, s1 := h.identSignIn(t, "sofia", strongPassword)
	t2, s2 := h.identSignIn(t, "sofia", strongPassword)
	sofia := h.as(t1)

	list := func(t *testing.T, as *harness) []identSession {
		t.Helper()
		var out struct {
			Items []identSession `json:"items"`
		}
		as.do(t, req{Method: http.MethodGet, Path: "/v1/sessions"}).expect(t, http.StatusOK, &out)
		return out.Items
	}
	ids := func(sessions []identSession) map[string]bool {
		m := map[string]bool{}
		for _, s := range sessions {
			m[s.ID] = true
		}
		return m
	}

	t.Run("list", func(t *testing.T) {
		got := list(t, sofia)
		if len(got) != 3 {
			t.Fatalf("%d sessions, want 3: %+v", len(got), got)
		}
		current := 0
		for _, s := range got {
			if s.UserID != sofiaID || s.AccountID != rootID {
				t.Errorf("listed a session of another user: %+v", s)
			}
			if s.Current {
				current++
				if s.ID != s1.ID {
					t.Errorf("current session %s, want %s (the one in use)", s.ID, s1.ID)
				}
			}
		}
		if current != 1 {
			t.Fatalf("%d sessions marked current, want 1", current)
		}
		if ids(list(t, h))[s1.ID] {
			t.Fatal("the administrator's list shows sofia's session")
		}
	})

	t.Run("another user's session is not found", func(t *testing.T) {
		for _, id := range []string{s2.ID, "not-a-session", "00000000-0000-0000-0000-000000000000"} {
			h.do(t, req{Method: http.MethodDelete, Path: "/v1/sessions/" + id}).expectProblem(t, http.StatusNotFound, identNotFound)
		}
		if !h.identAuthenticated(t, t2) {
			t.Fatal("another user's attempt ended the session")
		}
	})

	t.Run("end one", func(t *testing.T) {
		sofia.do(t, req{Method: http.MethodDelete, Path: "/v1/sessions/" + s2.ID}).expect(t, http.StatusNoContent, nil)
		if h.identAuthenticated(t, t2) {
			t.Fatal("the ended session's token still works")
		}
		if !h.identAuthenticated(t, t1) || !h.identAuthenticated(t, t0) {
			t.Fatal("ending one session ended another")
		}
		if got := ids(list(t, sofia)); len(got) != 2 || got[s2.ID] {
			t.Fatalf("after ending %s: %v", s2.ID, got)
		}
		sofia.do(t, req{Method: http.MethodDelete, Path: "/v1/sessions/" + s2.ID}).expectProblem(t, http.StatusNotFound, identNotFound)
	})

	t.Run("end the others", func(t *testing.T) {
		t3, _ := h.identSignIn(t, "sofia", strongPassword)
		// A value other than true or false is refused, not read as false (which would end the
		// session its sender meant to keep).
		for _, v := range []string{"yes", "1", "TRUE"} {
			sofia.do(t, req{Method: http.MethodDelete, Path: "/v1/sessions?keep_current=" + v}).expectProblem(t, http.StatusBadRequest, "/problems/malformed-request")
		}
		if !h.identAuthenticated(t, t1) || !h.identAuthenticated(t, t3) {
			t.Fatal("a refused keep_current ended sessions")
		}
		sofia.do(t, req{Method: http.MethodDelete, Path: "/v1/sessions?keep_current=true"}).expect(t, http.StatusNoContent, nil)
		for _, tok := range []string{t0, t3} {
			if h.identAuthenticated(t, tok) {
				t.Fatal("another session survived DELETE /v1/sessions?keep_current=true")
			}
		}
		if !h.identAuthenticated(t, t1) {
			t.Fatal("keep_current=true ended the current session")
		}
		if got := list(t, sofia); len(got) != 1 || got[0].ID != s1.ID || !got[0].Current {
			t.Fatalf("left %+v, want only the current session", got)
		}
		if !h.identAuthenticated(t, h.token) {
			t.Fatal("sofia ended the administrator's session")
		}
	})

	t.Run("sign out", func(t *testing.T) {
		sofia.do(t, req{Method: http.MethodPost, Path: "/v1/sign-out"}).expect(t, http.StatusNoContent, nil)
		if h.identAuthenticated(t, t1) {
			t.Fatal("the token works after signing out")
		}
		h.as(t1).do(t, req{Method: http.MethodPost, Path: "/v1/sign-out"}).expectProblem(t, http.StatusUnauthorized, identUnauthenticated)
	})

	t.Run("end all", func(t *testing.T) {
		t5, _ := h.identSignIn(t, "sofia", strongPassword)
		t6, _ := h.identSignIn(t, "sofia", strongPassword)
		h.as(t5).do(t, req{Method: http.MethodDelete, Path: "/v1/sessions"}).expect(t, http.StatusNoContent, nil)
		if h.identAuthenticated(t, t5) || h.identAuthenticated(t, t6) {
			t.Fatal("a session survived DELETE /v1/sessions")
		}
		if !h.identAuthenticated(t, h.token) {
			t.Fatal("sofia ended the administrator's session")
		}
	})
}

// TestBearerToken: a missing, malformed or unknown bearer token answers 401 with
// WWW-Authenticate on every authenticated endpoint.
func TestBearerToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, token := h.member(t, rootID, "tom.token")
	ended, _ := h.identSignIn(t, "tom.token", strongPassword)
	h.as(ended).do(t, req{Method: http.MethodPost, Path: "/v1/sign-out"}).expect(t, http.StatusNoContent, nil)

	headers := []struct{ name, value string }{
		{"no Authorization header", ""},
		{"Basic credentials", "Basic " + base64.StdEncoding.EncodeToString([]byte("tom.token:"+strongPassword))},
		{"scheme without token", "Bearer"},
		{"empty token", "Bearer    "},
		{"token without scheme", token},
		{"another scheme", "Token " + token},
		{"garbage", "Bearer not-a-token"},
		{"token with a character more", "Bearer " + token + "x"},
		{"token with a character less", "Bearer " + token[:len(token)-1]},
		{"token with a byte flipped", "Bearer " + identTamper(t, token, 5)},
		{"two tokens", "Bearer " + token + " Bearer " + token},
		{"a signed-out token", "Bearer " + ended},
	}
	endpoints := []req{
		{Method: http.MethodGet, Path: "/v1/me"},
		{Method: http.MethodGet, Path: "/v1/sessions"},
		{Method: http.MethodPost, Path: "/v1/sign-out"},
		{Method: http.MethodPost, Path: "/v1/me/password", Body: map[string]any{}},
		{Method: http.MethodGet, Path: "/v1/accounts/" + rootID + "/users"},
	}
	events := h.eventCount(t)
	for _, hd := range headers {
		t.Run(hd.name, func(t *testing.T) {
			for _, e := range endpoints {
				e.Header = map[string]string{"Authorization": hd.value}
				resp := h.do(t, e)
				resp.expectProblem(t, http.StatusUnauthorized, identUnauthenticated)
				if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
					t.Fatalf("%s %s: WWW-Authenticate %q, want a Bearer challenge", e.Method, e.Path, got)
				}
			}
		})
	}
	if !h.identAuthenticated(t, token) {
		t.Fatal("the good token stopped working")
	}
	if n := h.eventCount(t); n != events {
		t.Fatalf("refused requests appended %d events", n-events)
	}
}

// TestBearerSchemeIsCaseInsensitive: the authentication scheme is a case-insensitive token
// (RFC 9110 section 11.1), so "bearer <token>" is the same credential as "Bearer <token>".
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		resp := h.do(t, req{Method: http.MethodGet, Path: "/v1/me", Header: map[string]string{"Authorization": scheme + " " + h.token}})
		if resp.Status != http.StatusOK {
			t.Errorf("Authorization: %s <valid token>: status %d, want 200; body %s", scheme, resp.Status, resp.Body)
		}
	}
}

// TestDisableAndEnable: disabling ends every session of the user at once and stops sign-in;
// enabling lets them sign in again (old sessions stay ended).
func TestDisableAndEnable(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	doraID, a := h.member(t, rootID, "dora")
	b, _ := h.identSignIn(t, "dora", strongPassword)
	otherID, other := h.member(t, rootID, "otto")
	invitedID := h.invite(t, rootID, "ines.invited", "ines@example.test")
	path := func(id, action string) string { return "/v1/users/" + id + ":" + action }

	t.Run("an invited user cannot be disabled", func(t *testing.T) {
		revision := h.identUserRevision(t, invitedID)
		h.do(t, req{Method: http.MethodPost, Path: path(invitedID, "disable")}).expectProblem(t, http.StatusConflict, identState)
		h.do(t, req{Method: http.MethodPost, Path: path(invitedID, "enable")}).expectProblem(t, http.StatusConflict, identState)
		if got := h.identUserRevision(t, invitedID); got != revision {
			t.Fatalf("refused disable moved the user from revision %d to %d", revision, got)
		}
		if u := h.identUserDoc(t, invitedID); u.Status != "invited" {
			t.Fatalf("status %q, want invited", u.Status)
		}
	})

	t.Run("unknown user", func(t *testing.T) {
		for _, id := range []string{"00000000-0000-0000-0000-000000000000", "nobody"} {
			h.do(t, req{Method: http.MethodPost, Path: path(id, "disable")}).expectProblem(t, http.StatusNotFound, identNotFound)
		}
	})

	t.Run("disable", func(t *testing.T) {
		h.do(t, req{Method: http.MethodPost, Path: path(doraID, "disable")}).expect(t, http.StatusOK, &commandAnswer{})
		// The very next request of each session is refused.
		for _, tok := range []string{a, b} {
			if h.identAuthenticated(t, tok) {
				t.Fatal("a session of the disabled user still works")
			}
		}
		if u := h.identUserDoc(t, doraID); u.Status != "disabled" {
			t.Fatalf("status %q, want disabled", u.Status)
		}
		unknown := h.identRefuseSignIn(t, "nobody.at.all", strongPassword)
		if disabled := h.identRefuseSignIn(t, "dora", strongPassword); !bytes.Equal(disabled.Body, unknown.Body) {
			t.Fatalf("disabled user's refusal %s differs from an unknown user's %s", disabled.Body, unknown.Body)
		}
		// Disabling again changes nothing; other users keep their sessions.
		revision := h.identUserRevision(t, doraID)
		h.do(t, req{Method: http.MethodPost, Path: path(doraID, "disable")}).expect(t, http.StatusOK, nil)
		if got := h.identUserRevision(t, doraID); got != revision {
			t.Fatalf("disabling twice moved the user from revision %d to %d", revision, got)
		}
		if !h.identAuthenticated(t, other) || !h.identAuthenticated(t, h.token) {
			t.Fatal("disabling dora ended another user's session")
		}
		if u := h.identUserDoc(t, otherID); u.Status != "active" {
			t.Fatalf("otto is %q", u.Status)
		}
	})

	t.Run("enable", func(t *testing.T) {
		h.do(t, req{Method: http.MethodPost, Path: path(doraID, "enable")}).expect(t, http.StatusOK, &commandAnswer{})
		if u := h.identUserDoc(t, doraID); u.Status != "active" {
			t.Fatalf("status %q, want active", u.Status)
		}
		if h.identAuthenticated(t, a) || h.identAuthenticated(t, b) {
			t.Fatal("enabling revived an ended session")
		}
		fresh, _ := h.identSignIn(t, "dora", strongPassword)
		if me := h.as(fresh).identMe(t); me.ID != doraID {
			t.Fatalf("signed in as %s, want dora", me.ID)
		}
		revision := h.identUserRevision(t, doraID)
		h.do(t, req{Method: http.MethodPost, Path: path(doraID, "enable")}).expect(t, http.StatusOK, nil)
		if got := h.identUserRevision(t, doraID); got != revision {
			t.Fatalf("enabling twice moved the user from revision %d to %d", revision, got)
		}
	})

	t.Run("a disabled user's links stop working", func(t *testing.T) {
		h.do(t, req{Method: http.MethodPost, Path: "/v1/users/" + otherID + "/password-reset"}).expect(t, http.StatusAccepted, nil)
		reset := h.linkToken(t, identitycmd.PurposePasswordReset, otherID)
		h.do(t, req{Method: http.MethodPost, Path: path(otherID, "disable")}).expect(t, http.StatusOK, nil)
		h.as("").do(t, req{Method: http.MethodPost, Path: "/v1/password-reset:confirm", Body: map[string]string{
			"token": reset, "password": identOtherPassword, "password_confirmation": identOtherPassword,
		}}).expectProblem(t, http.StatusBadRequest, identInvalidToken)
		h.do(t, req{Method: http.MethodPost, Path: path(otherID, "enable")}).expect(t, http.StatusOK, nil)
		h.identSignIn(t, "otto", strongPassword)
	})
}
