package commands

import (
	"context"

	"github.com/camcloud/accounts/identity/user"
	"github.com/google/uuid"
)

// RootAdministratorID is the platform root's first administrator: fixed, so that instances
// starting together agree on who it is.
var RootAdministratorID = uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:camcloud:user:root-administrator")).String()

// EnsureRootAdministrator invites the platform root's first administrator if there is none, and
// while that invitation is not accepted issues a fresh one at every start. It returns the
// invitation token to print ("" once the administrator has a password), so a newcomer can sign in
// right after starting the service.
func (id *Identity) EnsureRootAdministrator(ctx context.Context, username, email string) (string, error) {
	origin := Origin{Actor: System.UserID}
	s, err := load(ctx, id.Handler, UserStream(RootAdministratorID), user.User{}, applyUser)
	if err != nil {
		return "", err
	}
	switch {
	case !s.exists:
		if _, err := id.invite(ctx, origin, RootAdministratorID, InviteUser{AccountID: PlatformRootID, Username: username, Email: email}); err != nil {
			return "", err
		}
	case s.state.Status == user.StatusInvited:
		if _, err := id.ResendInvitation(ctx, System, origin, RootAdministratorID); err != nil {
			return "", err
		}
	default:
		return "", nil
	}
	s, err = id.loadUser(ctx, RootAdministratorID)
	if err != nil {
		return "", err
	}
	return id.links.Token(PurposeInvitation, RootAdministratorID, s.state.Invitation.Nonce)
}
