package httpapi_test

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/identitycmd"
)

// TestProfile: GET /v1/me, and PATCH of the time format and the time zone with their bad values.
func TestProfile(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	userID, token := h.member(t, rootID, "lucie.profile")
	me := h.as(token)

	resp := me.do(t, req{Method: http.MethodGet, Path: "/v1/me"})
	var got identProfile
	resp.expect(t, http.StatusOK, &got)
	want := identProfile{identUser: identUser{ID: userID, AccountID: rootID, Username: "lucie.profile", Email: "lucie.profile@example.test",
		TimeFormat: "24h", TimeZone: "UTC"}, Permissions: identPermissionNames(group.All())}
	if !identSameProfile(got, want) {
		t.Fatalf("GET /v1/me = %+v, want %+v", got, want)
	}
	// The same fields as the user's own document, with the same values and ETag.
	asAdmin := h.identUserDoc(t, userID)
	if !reflect.DeepEqual(got.identUser, asAdmin) {
		t.Fatalf("GET /v1/me shows the user as %+v, GET /v1/users/{id} as %+v", got.identUser, asAdmin)
	}
	if tag := resp.Header.Get("ETag"); tag != etag(asAdmin.Revision) {
		t.Errorf("GET /v1/me ETag %q, want %q", tag, etag(asAdmin.Revision))
	}

	steps := []struct {
		name   string
		body   any
		status int
		typ    string // for refusals
		field  string
		format string // expected afterwards
		zone   string
	}{
		{name: "12-hour clock", body: map[string]any{"time_format": "12h"}, status: http.StatusOK, format: "12h", zone: "UTC"},
		{name: "a time zone", body: map[string]any{"time_zone": "Europe/Prague"}, status: http.StatusOK, format: "12h", zone: "Europe/Prague"},
		{name: "both", body: map[string]any{"time_format": "24h", "time_zone": "America/Argentina/Buenos_Aires"}, status: http.StatusOK, format: "24h", zone: "America/Argentina/Buenos_Aires"},
		{name: "the same again", body: map[string]any{"time_format": "24h", "time_zone": "America/Argentina/Buenos_Aires"}, status: http.StatusOK, format: "24h", zone: "America/Argentina/Buenos_Aires"},
		{name: "back to Prague", body: map[string]any{"time_format": "12h", "time_zone": "Europe/Prague"}, status: http.StatusOK, format: "12h", zone: "Europe/Prague"},

		{name: "unknown zone", body: map[string]any{"time_zone": "Mars/Olympus_Mons"}, status: http.StatusUnprocessableEntity, typ: identValidation, field: "time_zone"},
		{name: "zone Local", body: map[string]any{"time_zone": "Local"}, status: http.StatusUnprocessableEntity, typ: identValidation, field: "time_zone"},
		{name: "empty zone", body: map[string]any{"time_zone": ""}, status: http.StatusUnprocessableEntity, typ: identValidation, field: "time_zone"},
		{name: "zone with a path", body: map[string]any{"time_zone": "../../etc/passwd"}, status: http.StatusUnprocessableEntity, typ: identValidation, field: "time_zone"},
		{name: "zone as an offset", body: map[string]any{"time_zone": "+02:00"}, status: http.StatusUnprocessableEntity, typ: identValidation, field: "time_zone"},
		{name: "bad zone with a good format", body: map[string]any{"time_format": "24h", "time_zone": "Europe/Nowhere"}, status: http.StatusUnprocessableEntity, typ: identValidation, field: "time_zone"},
		{name: "unknown format", body: map[string]any{"time_format": "13h"}, status: http.StatusUnprocessableEntity, typ: identValidation, field: "time_format"},
		{name: "empty format", body: map[string]any{"time_format": ""}, status: http.StatusUnprocessableEntity, typ: identValidation, field: "time_format"},
		{name: "format in capitals", body: map[string]any{"time_format": "12H"}, status: http.StatusUnprocessableEntity, typ: identValidation, field: "time_format"},
		{name: "bad format with a good zone", body: map[string]any{"time_format": "am/pm", "time_zone": "Europe/Paris"}, status: http.StatusUnprocessableEntity, typ: identValidation, field: "time_format"},
		{name: "format as a number", body: map[string]any{"time_format": 12}, status: http.StatusBadRequest, typ: "/problems/malformed-request", field: "time_format"},
		{name: "unknown member", body: map[string]any{"nickname": "Lu"}, status: http.StatusBadRequest, typ: "/problems/malformed-request"},
	}
	format, zone := "24h", "UTC"
	for _, tc := range steps {
		t.Run(tc.name, func(t *testing.T) {
			revision := h.identUserRevision(t, userID)
			resp := me.do(t, req{Method: http.MethodPatch, Path: "/v1/me", Body: tc.body})
			if tc.typ != "" {
				identProblemField(t, resp.expectProblem(t, tc.status, tc.typ), tc.field)
				if got := h.identUserRevision(t, userID); got != revision {
					t.Fatalf("refused PATCH moved the user from revision %d to %d", revision, got)
				}
			} else {
				resp.expect(t, tc.status, &commandAnswer{})
				format, zone = tc.format, tc.zone
			}
			if p := me.identMe(t); p.TimeFormat != format || p.TimeZone != zone {
				t.Fatalf("GET /v1/me: %s %s, want %s %s", p.TimeFormat, p.TimeZone, format, zone)
			}
			if u := h.identUserDoc(t, userID); u.TimeFormat != format || u.TimeZone != zone {
				t.Fatalf("GET /v1/users/{id}: %s %s, want %s %s", u.TimeFormat, u.TimeZone, format, zone)
			}
		})
	}
}

// TestProfilePatchIsAllOrNothing: a PATCH /v1/me that is refused changes nothing, also when one
// of its parts (here the time zone) would have been fine on its own.
func TestProfilePatchIsAllOrNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.member(t, rootID, "max.taken")
	userID, token := h.member(t, rootID, "zora.atomic")
	me := h.as(token)

	refusals := []struct {
		name   string
		body   map[string]any
		status int
		typ    string
	}{
		{"new zone, e-mail with a wrong password", map[string]any{"time_zone": "Europe/Prague", "email": "zora.new@example.test", "current_password": "wrong"},
			http.StatusUnprocessableEntity, identWrongPassword},
		{"new format, malformed e-mail", map[string]any{"time_format": "12h", "email": "not-an-address", "current_password": strongPassword},
			http.StatusUnprocessableEntity, identValidation},
		{"new zone, username changed", map[string]any{"time_zone": "Europe/Prague", "username": "zora.renamed"},
			http.StatusUnprocessableEntity, identReadOnly},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			revision, before := h.identUserRevision(t, userID), me.identMe(t)
			me.do(t, req{Method: http.MethodPatch, Path: "/v1/me", Body: tc.body}).expectProblem(t, tc.status, tc.typ)
			if got := h.identUserRevision(t, userID); got != revision {
				t.Errorf("refused PATCH moved the user from revision %d to %d", revision, got)
			}
			if after := me.identMe(t); !identSameProfile(after, before) {
				t.Errorf("refused PATCH changed the profile from %+v to %+v", before, after)
			}
		})
	}
}

// TestUsernameIsReadOnly: a request that tries to change a username answers 422 read-only-field
// and changes nothing; repeating the current username is harmless.
func TestUsernameIsReadOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	userID, token := h.member(t, rootID, "olaf.fixed")
	me := h.as(token)
	adminGroup := group.AdministratorID(rootID)
	custom := h.createGroup(t, rootID, "Viewers", "billing.view")

	refusals := []struct {
		name string
		req  req
	}{
		{"PATCH /v1/me", req{Method: http.MethodPatch, Path: "/v1/me", Body: map[string]any{"username": "other"}}},
		{"PATCH /v1/me, other case", req{Method: http.MethodPatch, Path: "/v1/me", Body: map[string]any{"username": "Olaf.Fixed"}}},
		{"PATCH /v1/me, empty", req{Method: http.MethodPatch, Path: "/v1/me", Body: map[string]any{"username": ""}}},
		{"PATCH /v1/me with a time format", req{Method: http.MethodPatch, Path: "/v1/me", Body: map[string]any{"username": "other", "time_format": "12h"}}},
		{"PATCH /v1/users/{id}", req{Method: http.MethodPatch, Path: "/v1/users/" + userID, Body: map[string]any{"username": "other", "group_ids": []string{custom}}}},
		{"PATCH /v1/users/{id} without groups", req{Method: http.MethodPatch, Path: "/v1/users/" + userID, Body: map[string]any{"username": "other"}}},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			revision := h.identUserRevision(t, userID)
			as := me
			if tc.req.Path != "/v1/me" {
				as = h
			}
			p := as.do(t, tc.req).expectProblem(t, http.StatusUnprocessableEntity, identReadOnly)
			identProblemField(t, p, "username")
			if got := h.identUserRevision(t, userID); got != revision {
				t.Fatalf("refused rename moved the user from revision %d to %d", revision, got)
			}
			u := h.identUserDoc(t, userID)
			if u.Username != "olaf.fixed" || !slices.Equal(u.GroupIDs, []string{adminGroup}) || u.TimeFormat != "24h" {
				t.Fatalf("after a refused rename: %+v", u)
			}
		})
	}

	t.Run("the current username is accepted", func(t *testing.T) {
		me.do(t, req{Method: http.MethodPatch, Path: "/v1/me", Body: map[string]any{"username": "olaf.fixed", "time_zone": "Europe/Oslo"}}).
			expect(t, http.StatusOK, &commandAnswer{})
		h.do(t, req{Method: http.MethodPatch, Path: "/v1/users/" + userID, Body: map[string]any{"username": "olaf.fixed", "group_ids": []string{custom}}}).
			expect(t, http.StatusOK, &commandAnswer{})
		if u := h.identUserDoc(t, userID); u.Username != "olaf.fixed" || !slices.Equal(u.GroupIDs, []string{custom}) || u.TimeZone != "Europe/Oslo" {
			t.Fatalf("after the accepted PATCHes: %+v", u)
		}
	})

	// Nothing was renamed or reserved: the old name signs in, the proposed one is free.
	h.identRefuseSignIn(t, "other", strongPassword)
	h.identSignIn(t, "olaf.fixed", strongPassword)
	h.invite(t, rootID, "other", "other@example.test")
}

// TestEmailChange: changing the address needs the current password, takes effect only when the
// link sent to the new address is confirmed, and then frees the old address.
func TestEmailChange(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	anon := h.as("")
	userID, token := h.member(t, rootID, "mia.mail")
	h.member(t, rootID, "max.mail")
	me := h.as(token)
	const oldEmail, newEmail = "mia.mail@example.test", "mia.new@example.test"

	pendingIs := func(t *testing.T, email, pending string) {
		t.Helper()
		p := me.identMe(t)
		if p.Email != email || p.PendingEmail != pending {
			t.Fatalf("GET /v1/me: email %q, pending %q; want %q, %q", p.Email, p.PendingEmail, email, pending)
		}
		if u := h.identUserDoc(t, userID); u.Email != email {
			t.Fatalf("GET /v1/users/{id}: email %q, want %q", u.Email, email)
		}
	}

	refusals := []struct {
		name   string
		body   map[string]any
		status int
		typ    string
		field  string
	}{
		{"wrong current password", map[string]any{"email": newEmail, "current_password": identOtherPassword}, http.StatusUnprocessableEntity, identWrongPassword, ""},
		{"no current password", map[string]any{"email": newEmail}, http.StatusUnprocessableEntity, identWrongPassword, ""},
		{"malformed", map[string]any{"email": "not-an-address", "current_password": strongPassword}, http.StatusUnprocessableEntity, identValidation, "email"},
	}
	for _, tc := range refusals {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			revision := h.identUserRevision(t, userID)
			p := me.do(t, req{Method: http.MethodPatch, Path: "/v1/me", Body: tc.body}).expectProblem(t, tc.status, tc.typ)
			if tc.field != "" {
				identProblemField(t, p, tc.field)
			}
			if got := h.identUserRevision(t, userID); got != revision {
				t.Fatalf("refused change moved the user from revision %d to %d", revision, got)
			}
			pendingIs(t, oldEmail, "")
		})
	}

	// An address another user holds is answered as any other (else any signed-in user could test
	// which addresses exist): its link goes to that address, and confirming it is refused.
	for _, taken := range []string{"max.mail@example.test", "Max.Mail@Example.test", "admin@example.test"} {
		t.Run("taken by another user: "+taken, func(t *testing.T) {
			me.do(t, req{Method: http.MethodPatch, Path: "/v1/me", Body: map[string]any{"email": taken, "current_password": strongPassword}}).
				expect(t, http.StatusAccepted, nil)
			link := h.linkToken(t, identitycmd.PurposeEmailChange, userID)
			revision := h.identUserRevision(t, userID)
			anon.do(t, req{Method: http.MethodPost, Path: "/v1/email-change:confirm", Body: map[string]string{"token": link}}).
				expectProblem(t, http.StatusConflict, identTaken)
			if got := h.identUserRevision(t, userID); got != revision {
				t.Fatalf("a refused confirmation moved the user from revision %d to %d", revision, got)
			}
			pendingIs(t, oldEmail, taken)
		})
	}

	var link string
	t.Run("requested", func(t *testing.T) {
		me.do(t, req{Method: http.MethodPatch, Path: "/v1/me", Body: map[string]any{"email": newEmail, "current_password": strongPassword}}).
			expect(t, http.StatusAccepted, &commandAnswer{})
		pendingIs(t, oldEmail, newEmail)
		link = h.linkToken(t, identitycmd.PurposeEmailChange, userID)
		// Until confirmed, the old address is the one a password reset goes to.
		anon.do(t, req{Method: http.MethodPost, Path: "/v1/password-reset:request", Body: map[string]string{"email": newEmail}}).expect(t, http.StatusAccepted, nil)
		if h.userState(t, userID).PasswordReset.Nonce != "" {
			t.Fatal("a reset link was sent for the unconfirmed address")
		}
	})

	t.Run("forged confirmations", func(t *testing.T) {
		nonce := h.userState(t, userID).EmailChange.Nonce
		asReset, err := h.links.Token(identitycmd.PurposePasswordReset, userID, nonce)
		if err != nil {
			t.Fatal(err)
		}
		revision := h.identUserRevision(t, userID)
		for _, tok := range []string{"", "garbage", identTamper(t, link, 0), identTamper(t, link, -1), asReset} {
			p := anon.do(t, req{Method: http.MethodPost, Path: "/v1/email-change:confirm", Body: map[string]string{"token": tok}}).
				expectProblem(t, http.StatusBadRequest, identInvalidToken)
			identProblemField(t, p, "token")
		}
		if got := h.identUserRevision(t, userID); got != revision {
			t.Fatalf("forged confirmations moved the user from revision %d to %d", revision, got)
		}
		pendingIs(t, oldEmail, newEmail)
	})

	t.Run("confirmed", func(t *testing.T) {
		anon.do(t, req{Method: http.MethodPost, Path: "/v1/email-change:confirm", Body: map[string]string{"token": link}}).
			expect(t, http.StatusOK, &commandAnswer{})
		pendingIs(t, newEmail, "")
		// Single use.
		revision := h.identUserRevision(t, userID)
		anon.do(t, req{Method: http.MethodPost, Path: "/v1/email-change:confirm", Body: map[string]string{"token": link}}).
			expectProblem(t, http.StatusBadRequest, identInvalidToken)
		if h.identUserRevision(t, userID) != revision {
			t.Fatal("a used link changed the user")
		}
		// The new address is hers, the old one free for someone else.
		p := h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + rootID + "/users",
			Body: map[string]any{"username": "someone.new", "email": "MIA.NEW@example.test"}}).expectProblem(t, http.StatusConflict, identTaken)
		identProblemField(t, p, "email")
		h.invite(t, rootID, "mia.successor", oldEmail)
		// A password reset now goes to the new address.
		anon.do(t, req{Method: http.MethodPost, Path: "/v1/password-reset:request", Body: map[string]string{"email": newEmail}}).expect(t, http.StatusAccepted, nil)
		if h.userState(t, userID).PasswordReset.Nonce == "" {
			t.Fatal("no reset link for the confirmed address")
		}
		h.identSignIn(t, "mia.mail", strongPassword)
	})

	t.Run("taken between request and confirmation", func(t *testing.T) {
		const contested = "contested@example.test"
		me.do(t, req{Method: http.MethodPatch, Path: "/v1/me", Body: map[string]any{"email": contested, "current_password": strongPassword}}).
			expect(t, http.StatusAccepted, nil)
		link := h.linkToken(t, identitycmd.PurposeEmailChange, userID)
		h.invite(t, rootID, "quick.one", contested)
		revision := h.identUserRevision(t, userID)
		p := anon.do(t, req{Method: http.MethodPost, Path: "/v1/email-change:confirm", Body: map[string]string{"token": link}}).
			expectProblem(t, http.StatusConflict, identTaken)
		// The body holds only the token: the problem names no field, its detail says what.
		if p.Field != "" || !strings.Contains(p.Detail, "taken") {
			t.Fatalf("problem %+v, want no field and a detail about the taken address", p)
		}
		if h.identUserRevision(t, userID) != revision {
			t.Fatal("a refused confirmation changed the user")
		}
		if got := me.identMe(t).Email; got != newEmail {
			t.Fatalf("e-mail %q, want %q still", got, newEmail)
		}
	})
}

func identPermissionNames(perms []group.Permission) []string {
	out := make([]string, len(perms))
	for i, p := range perms {
		out[i] = string(p)
	}
	return out
}

func identSameProfile(a, b identProfile) bool {
	return a.ID == b.ID && a.AccountID == b.AccountID && a.Username == b.Username && a.Email == b.Email &&
		a.PendingEmail == b.PendingEmail && a.TimeFormat == b.TimeFormat && a.TimeZone == b.TimeZone &&
		slices.Equal(a.Permissions, b.Permissions)
}
