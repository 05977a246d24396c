package httpapi_test

// Helpers of the identity HTTP tests (identity_*_test.go). Their names start with "ident" so
// that they cannot clash with helpers other test files of this package add.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/identity/identitycmd"
)

// Problem types of the identity endpoints.
const (
	identInvalidToken    = "/problems/invalid-token"
	identWeakPassword    = "/problems/weak-password"
	identWrongPassword   = "/problems/wrong-password"
	identValidation      = "/problems/validation-failed"
	identTaken           = "/problems/already-taken"
	identReadOnly        = "/problems/read-only-field"
	identBadCredentials  = "/problems/bad-credentials"
	identRateLimited     = "/problems/rate-limited"
	identUnauthenticated = "/problems/unauthenticated"
	identNotFound        = "/problems/not-found"
	identForbidden       = "/problems/forbidden"
	identBuiltin         = "/problems/builtin-group"
	identState           = "/problems/invalid-state"
)

// identOtherPassword is a second password that passes the policy.
const identOtherPassword = "purple otter drives a tram 77"

// identUser is a user as GET /v1/users/{id} and GET /v1/accounts/{id}/users show it.
type identUser struct {
	ID                  string     `json:"id"`
	AccountID           string     `json:"account_id"`
	Username            string     `json:"username"`
	Email               string     `json:"email"`
	Status              string     `json:"status"`
	GroupIDs            []string   `json:"group_ids"`
	TimeFormat          string     `json:"time_format"`
	TimeZone            string     `json:"time_zone"`
	InvitationExpiresAt *time.Time `json:"invitation_expires_at"`
	Revision            uint64     `json:"revision"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
}

// identProfile is GET /v1/me: the fields of GET /v1/users/{id}, and what only the user sees.
type identProfile struct {
	identUser
	PendingEmail string   `json:"pending_email"`
	Permissions  []string `json:"permissions"`
}

// identSession is a session as sign-in and GET /v1/sessions show it.
type identSession struct {
	ID            string    `json:"id"`
	UserID        string    `json:"user_id"`
	AccountID     string    `json:"account_id"`
	CreatedAt     time.Time `json:"created_at"`
	LastSeenAt    time.Time `json:"last_seen_at"`
	IdleExpiresAt time.Time `json:"idle_expires_at"`
	ExpiresAt     time.Time `json:"expires_at"`
	UserAgent     string    `json:"user_agent"`
	ClientAddress string    `json:"client_address"`
	Current       bool      `json:"current"` // only in GET /v1/sessions
}

// identGroup is a group as GET /v1/accounts/{id}/groups and GET /v1/groups/{id} show it.
type identGroup struct {
	ID          string   `json:"id"`
	AccountID   string   `json:"account_id"`
	Name        string   `json:"name"`
	Permissions []string `json:"permissions"`
	Builtin     bool     `json:"builtin"`
	Revision    uint64   `json:"revision"`
}

// identStrength is a password's assessment, as POST /v1/password-strength answers it and as the
// "strength" member of a weak-password problem. The slices are pointers so that a test can tell
// an absent member from an empty array.
type identStrength struct {
	Score      *int      `json:"score"`
	Acceptable *bool     `json:"acceptable"`
	Problems   *[]string `json:"problems"`
	Hints      *[]string `json:"hints"`
}

// identUserDoc reads a user as an administrator (the harness's token) sees it.
func (h *harness) identUserDoc(t *testing.T, userID string) identUser {
	t.Helper()
	var u identUser
	h.do(t, req{Method: http.MethodGet, Path: "/v1/users/" + userID}).expect(t, http.StatusOK, &u)
	return u
}

// identUsers lists an account's users.
func (h *harness) identUsers(t *testing.T, accountID string) []identUser {
	t.Helper()
	var out struct {
		Items []identUser `json:"items"`
	}
	h.do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + accountID + "/users"}).expect(t, http.StatusOK, &out)
	if out.Items == nil {
		t.Fatalf("users of %s: items is null, want a list", accountID)
	}
	return out.Items
}

// identMe reads the profile of the harness's token.
func (h *harness) identMe(t *testing.T) identProfile {
	t.Helper()
	var p identProfile
	h.do(t, req{Method: http.MethodGet, Path: "/v1/me"}).expect(t, http.StatusOK, &p)
	return p
}

// identSignInAnswer signs in and returns the whole answer (no expectation on it).
func (h *harness) identSignInAnswer(t *testing.T, username, pw string) response {
	t.Helper()
	return h.do(t, req{Method: http.MethodPost, Path: "/v1/sign-in",
		Body: map[string]string{"username": username, "password": pw}, Header: map[string]string{"Authorization": ""}})
}

// identSignIn signs in and returns the token and its session.
func (h *harness) identSignIn(t *testing.T, username, pw string) (string, identSession) {
	t.Helper()
	var out struct {
		Token   string       `json:"token"`
		Session identSession `json:"session"`
	}
	h.identSignInAnswer(t, username, pw).expect(t, http.StatusOK, &out)
	if out.Token == "" || out.Session.ID == "" {
		t.Fatalf("sign-in answered no token or no session: %+v", out)
	}
	return out.Token, out.Session
}

// identRefuseSignIn expects a sign-in to fail with bad credentials and returns the answer.
func (h *harness) identRefuseSignIn(t *testing.T, username, pw string) response {
	t.Helper()
	resp := h.identSignInAnswer(t, username, pw)
	resp.expectProblem(t, http.StatusUnauthorized, identBadCredentials)
	return resp
}

// identAuthenticated reports whether a token is accepted (GET /v1/me), and insists that a refusal
// is a proper 401.
func (h *harness) identAuthenticated(t *testing.T, token string) bool {
	t.Helper()
	resp := h.as(token).do(t, req{Method: http.MethodGet, Path: "/v1/me"})
	if resp.Status == http.StatusOK {
		return true
	}
	resp.expectProblem(t, http.StatusUnauthorized, identUnauthenticated)
	if got := resp.Header.Get("WWW-Authenticate"); got == "" {
		t.Fatalf("401 without WWW-Authenticate")
	}
	return false
}

// identAccept posts an invitation acceptance without a bearer token.
func (h *harness) identAccept(t *testing.T, token, pw, confirmation string) response {
	t.Helper()
	return h.do(t, req{Method: http.MethodPost, Path: "/v1/invitations:accept", Body: map[string]any{
		"token": token, "password": pw, "password_confirmation": confirmation,
		"age_confirmed": true, "terms_version": "t1",
	}, Header: map[string]string{"Authorization": ""}})
}

// identInvited invites a user into an account of the harness's token and returns the ID and the
// invitation link's token.
func (h *harness) identInvited(t *testing.T, accountID, username string) (userID, invitation string) {
	t.Helper()
	userID = h.invite(t, accountID, username, username+"@example.test")
	return userID, h.linkToken(t, identitycmd.PurposeInvitation, userID)
}

// identUserRevision is the revision of a user's stream: it moves with every event, including
// those no read model shows (password changes, links).
func (h *harness) identUserRevision(t *testing.T, userID string) uint64 {
	t.Helper()
	last, err := h.store.ReadStream(context.Background(), identitycmd.UserStream(userID), eventstore.End, eventstore.Backwards, 1)
	if err != nil {
		t.Fatalf("read the stream of user %s: %v", userID, err)
	}
	if len(last) == 0 {
		t.Fatalf("user %s has no stream", userID)
	}
	return last[0].Revision
}

// identProblemField fails unless the problem names field ("" for none).
func identProblemField(t *testing.T, p problem, field string) {
	t.Helper()
	if p.Field != field {
		t.Fatalf("problem field %q, want %q; problem: %+v", p.Field, field, p)
	}
}

// identProblemStrength decodes the "strength" member of a weak-password problem and checks that
// it has a score in 0..4, acceptable false and at least one problem.
func identProblemStrength(t *testing.T, resp response) identStrength {
	t.Helper()
	var body struct {
		Strength *identStrength `json:"strength"`
	}
	if err := json.Unmarshal(resp.Body, &body); err != nil {
		t.Fatalf("decode %s: %v", resp.Body, err)
	}
	if body.Strength == nil {
		t.Fatalf("weak-password problem without a strength member: %s", resp.Body)
	}
	s := *body.Strength
	identCheckStrength(t, s, resp.Body)
	if *s.Acceptable {
		t.Fatalf("refused password reported acceptable: %s", resp.Body)
	}
	if len(identStrings(s.Problems)) == 0 {
		t.Fatalf("refused password without a problem saying why: %s", resp.Body)
	}
	return s
}

// identCheckStrength insists on a score in 0..4 and acceptable.
func identCheckStrength(t *testing.T, s identStrength, raw []byte) {
	t.Helper()
	switch {
	case s.Score == nil || *s.Score < 0 || *s.Score > 4:
		t.Fatalf("strength without a score in 0..4: %s", raw)
	case s.Acceptable == nil:
		t.Fatalf("strength without acceptable: %s", raw)
	}
}

// identRequireAllMembers insists on every member of an assessment, problems and hints as JSON
// arrays even when empty.
func identRequireAllMembers(t *testing.T, s identStrength, raw []byte) {
	t.Helper()
	identCheckStrength(t, s, raw)
	switch {
	case s.Problems == nil:
		t.Fatalf("strength without a problems array: %s", raw)
	case s.Hints == nil:
		t.Fatalf("strength without a hints array: %s", raw)
	}
}

// identTamper returns token with one byte of its decoded form flipped at index i (negative i
// counts from the end).
func identTamper(t *testing.T, token string, i int) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		t.Fatalf("decode token: %v", err)
	}
	if i < 0 {
		i += len(raw)
	}
	raw[i] ^= 0x01
	return base64.RawURLEncoding.EncodeToString(raw)
}

// identWaitPast sleeps until the wall clock is past at (a link's expiry), so that an expiry test
// does not depend on how fast the requests before it were.
func identWaitPast(t *testing.T, at time.Time) {
	t.Helper()
	if d := time.Until(at); d > 0 {
		if d > time.Second {
			t.Fatalf("link expires at %s, not about now", at)
		}
		time.Sleep(d + time.Millisecond)
	}
}

// newIdentityHarnessPair builds the harness as newHarness does, and a second server, expiring,
// on the same database, read models and sessions whose identity handlers run with variant:
// what it does (e.g. invite with a tiny InvitationTTL) is seen by both servers. The root
// administrator's token works on both.
func newIdentityHarnessPair(t *testing.T, variant identitycmd.Config) (h, expiring *harness) {
	t.Helper()
	h = newHarness(t)
	return h, h.variant(t, variant)
}

// identStrings is a member that may be absent, as a slice.
func identStrings(p *[]string) []string {
	if p == nil {
		return nil
	}
	return *p
}
