package identitycmd

import (
	"context"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/identity/user"
)

// RootAdministratorID is the platform root's first administrator: fixed, so that instances
// starting together agree on who it is.
var RootAdministratorID = uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:camcloud:user:root-administrator")).String()

// EnsureRootAdministrator invites the platform root's first administrator if there is none, and
// while that invitation is not accepted issues a fresh one at every start. It returns the
// invitation token to print ("" once the administrator has a password), so a newcomer can sign in
// right after starting the service.
func (id *Commands) EnsureRootAdministrator(ctx context.Context, origin command.Origin, username, email string) (string, error) {
	s, err := id.users.Load(ctx, RootAdministratorID)
	if err != nil {
		return "", err
	}
	switch {
	case !s.Exists:
		if _, err := id.invite(ctx, origin, RootAdministratorID, InviteUser{AccountID: account.PlatformRootID, Username: username, Email: email}); err != nil {
			return "", err
		}
	case s.State.Status == user.StatusInvited:
		if _, err := id.ResendInvitation(ctx, origin, RootAdministratorID); err != nil {
			return "", err
		}
	default:
		return "", nil
	}
	s, err = id.loadUser(ctx, RootAdministratorID)
	if err != nil {
		return "", err
	}
	return id.links.Token(PurposeInvitation, RootAdministratorID, s.State.Invitation.Nonce)
}
