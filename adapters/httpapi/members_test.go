package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/identity/identitycmd"
	"github.com/camcloud/accounts/identity/user"
)

// as returns the harness acting with another bearer token ("" for none).
func (h *harness) as(token string) *harness {
	other := *h
	other.token = token
	return &other
}

// userState folds a user's stream, as the command layer sees it.
func (h *harness) userState(t *testing.T, userID string) user.User {
	t.Helper()
	events, err := h.store.ReadStream(context.Background(), identitycmd.UserStream(userID), 0, eventstore.Forwards, 1000)
	if err != nil {
		t.Fatal(err)
	}
	codec := eventstore.NewCodec(domain.Events()...)
	var u user.User
	for _, e := range events {
		ev, err := codec.Decode(e.Type, e.Data)
		if err != nil {
			t.Fatal(err)
		}
		u = u.Apply(ev.(user.Event))
	}
	return u
}

// linkToken is the token of the link the user was last e-mailed for purpose (what the mail
// dispatcher would put in the message).
func (h *harness) linkToken(t *testing.T, purpose, userID string) string {
	t.Helper()
	u := h.userState(t, userID)
	nonce := map[string]string{
		identitycmd.PurposeInvitation:    u.Invitation.Nonce,
		identitycmd.PurposePasswordReset: u.PasswordReset.Nonce,
		identitycmd.PurposeEmailChange:   u.EmailChange.Nonce,
	}[purpose]
	if nonce == "" {
		t.Fatalf("user %s has no open %s link", userID, purpose)
	}
	token, err := h.links.Token(purpose, userID, nonce)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// invite adds a user to an account over HTTP (as the harness's current token) and returns the
// new user's ID.
func (h *harness) invite(t *testing.T, accountID, username, email string, groupIDs ...string) string {
	t.Helper()
	body := map[string]any{"username": username, "email": email}
	if len(groupIDs) > 0 {
		body["group_ids"] = groupIDs
	}
	var out struct {
		ID       string `json:"id"`
		Revision uint64 `json:"revision"`
		Position string `json:"position"`
	}
	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + accountID + "/users", Body: body}).expect(t, http.StatusCreated, &out)
	return out.ID
}

// createGroup creates a custom group over HTTP and returns its ID.
func (h *harness) createGroup(t *testing.T, accountID, name string, perms ...string) string {
	t.Helper()
	var out struct {
		ID       string `json:"id"`
		Revision uint64 `json:"revision"`
		Position string `json:"position"`
	}
	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + accountID + "/groups",
		Body: map[string]any{"name": name, "permissions": append([]string{}, perms...)}}).expect(t, http.StatusCreated, &out)
	return out.ID
}

// member makes an active, signed-in user of an account and returns their ID and token. With no
// permissions named the user is an administrator; with some, the user's only group holds just
// those (an empty list: call with perms = []string{} via memberWith).
func (h *harness) member(t *testing.T, accountID, username string, perms ...string) (userID, token string) {
	t.Helper()
	var groups []string
	if perms != nil {
		groups = []string{h.createGroup(t, accountID, "Group of "+username, perms...)}
	}
	userID = h.invite(t, accountID, username, username+"@example.test", groups...)
	token = h.acceptAndSignIn(t, h.linkToken(t, identitycmd.PurposeInvitation, userID), username)
	return userID, token
}
