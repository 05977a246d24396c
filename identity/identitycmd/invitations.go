package identitycmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/attempts"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/reservation"
	"github.com/camcloud/accounts/identity/user"
)

// InviteUser adds a user to an account and sends them an invitation.
type InviteUser struct {
	AccountID string
	Username  string
	Email     string
	GroupIDs  []string // default: the account's Administrator group
}

// Invited is the answer to InviteUser.
type Invited struct {
	command.Result
	UserID string
}

// Invite adds a user ("+ Add new user"); the invitation e-mail follows from the event.
func (id *Commands) Invite(ctx context.Context, origin command.Origin, cmd InviteUser) (Invited, error) {
	p := origin.Principal
	if err := id.authz.RequireChange(ctx, p, group.UsersManage, cmd.AccountID); err != nil {
		return Invited{}, err
	}
	if len(cmd.GroupIDs) == 0 {
		cmd.GroupIDs = []string{group.AdministratorID(cmd.AccountID)}
	}
	userID := uuid.NewString()
	done, err := id.h.Transact(ctx, origin, true, func(u *command.Unit) error {
		if err := id.StageInvitation(ctx, u, userID, cmd); err != nil {
			return err
		}
		// Checked after the unit loaded the groups it joins: a group whose permissions change
		// from here on fails the append, and the retry checks them again.
		return id.grantable(ctx, origin.Principal, cmd.AccountID, cmd.GroupIDs)
	})
	if err != nil {
		return Invited{}, fmt.Errorf("invite: %w", err)
	}
	return invited(done, userID), nil
}

// InviteFirstAdministrator invites the first user of an account that was just created by a
// caller authorized to create it: an administrator of the new account.
func (id *Commands) InviteFirstAdministrator(ctx context.Context, origin command.Origin, accountID, username, email string) (Invited, error) {
	return id.invite(ctx, origin, uuid.NewString(), InviteUser{AccountID: accountID, Username: username, Email: email})
}

// CheckAvailable refuses a username or e-mail address that is invalid or taken. It is a courtesy
// check before work that should not start for nothing (creating an account with its first user);
// the reservation made by Invite is what guarantees uniqueness.
func (id *Commands) CheckAvailable(ctx context.Context, username, email string) error {
	// The e-mail first: a username left out defaults to it, and its problem is the e-mail's.
	emailKey, err := reservation.NormalizeEmail(email)
	if err != nil {
		return err
	}
	userKey, err := reservation.NormalizeUsername(username)
	if err != nil {
		return err
	}
	for _, r := range []struct {
		kind, key string
		taken     error
	}{{reserveUsername, userKey, ErrUsernameTaken}, {reserveEmail, emailKey, ErrEmailTaken}} {
		_, held, err := id.owner(ctx, r.kind, r.key)
		if err != nil {
			return err
		}
		if !held {
			continue
		}
		if _, orphaned, err := id.orphanedHold(ctx, r.kind, r.key); err != nil || !orphaned {
			return errors.Join(err, r.taken)
		}
	}
	return nil
}

func (id *Commands) invite(ctx context.Context, origin command.Origin, userID string, cmd InviteUser) (Invited, error) {
	done, err := id.h.Transact(ctx, origin, true, func(u *command.Unit) error {
		return id.StageInvitation(ctx, u, userID, cmd)
	})
	if err != nil {
		return Invited{}, fmt.Errorf("invite: %w", err)
	}
	return invited(done, userID), nil
}

func invited(done command.Committed, userID string) Invited {
	return Invited{Result: done.Of(UserStream(userID), command.Result{}), UserID: userID}
}

// StageInvitation stages a new user's invitation: bad input is refused before anything else;
// then the username and e-mail reservations, the memberships of the custom groups and the user's
// first event, all in u's one append. A value someone else holds is ErrUsernameTaken or
// ErrEmailTaken, and nothing is written.
func (id *Commands) StageInvitation(ctx context.Context, u *command.Unit, userID string, cmd InviteUser) error {
	if len(cmd.GroupIDs) == 0 {
		cmd.GroupIDs = []string{group.AdministratorID(cmd.AccountID)}
	}
	nonce, err := NewNonce()
	if err != nil {
		return err
	}
	now := id.h.Now()
	events, err := user.Invite(user.User{}, user.InviteCommand{UserID: userID, AccountID: cmd.AccountID, Username: cmd.Username, Email: cmd.Email,
		GroupIDs: cmd.GroupIDs, Nonce: nonce, ExpiresAt: now.Add(id.cfg.InvitationTTL), Now: now})
	if err != nil {
		return err
	}
	userKey, _ := reservation.NormalizeUsername(cmd.Username)
	emailKey, _ := reservation.NormalizeEmail(cmd.Email)
	if err := id.stageReservation(ctx, u, reserveUsername, userKey, userID, cmd.AccountID); err != nil {
		if isTaken(err) {
			return ErrUsernameTaken
		}
		return err
	}
	if err := id.stageReservation(ctx, u, reserveEmail, emailKey, userID, cmd.AccountID); err != nil {
		if isTaken(err) {
			return ErrEmailTaken
		}
		return err
	}
	invited := events[0].(user.Invited)
	if err := id.stageMemberships(ctx, u, cmd.AccountID, userID, nil, invited.GroupIDs); err != nil {
		return err
	}
	id.users.Stage(u, id.users.New(userID), events...)
	return nil
}

// ResendInvitation sends a new invitation; the previous link stops working. Resends to one user
// are charged to a budget once authorized and possible; beyond it the answer is the same but
// nothing is written or sent, so no administrator can flood an invitee's mailbox.
func (id *Commands) ResendInvitation(ctx context.Context, origin command.Origin, userID string) (command.Result, error) {
	nonce, err := NewNonce()
	if err != nil {
		return command.Result{}, err
	}
	now := id.h.Now()
	var charged, allowed bool // once: a decision retried after a conflict is not charged again
	return id.changeUser(ctx, origin, userID, ptr(group.UsersManage), func(u user.User) ([]user.Event, error) {
		events, err := u.ResendInvitation(nonce, now.Add(id.cfg.InvitationTTL), now)
		if err != nil {
			return nil, err
		}
		if !charged {
			wait, err := id.limiter.Take(ctx, now, attempts.Attempt{Key: "resend:user:" + u.ID, Limit: resendPerUser})
			if err != nil {
				return nil, fmt.Errorf("resend invitation: %w", err)
			}
			charged, allowed = true, wait == 0
		}
		if !allowed {
			return nil, nil // silently: the answer is the user as it is
		}
		return events, nil
	})
}

// RevokeInvitation withdraws an invitation that was not accepted; the username and e-mail
// address become free again and the user leaves their groups, in the same append.
func (id *Commands) RevokeInvitation(ctx context.Context, origin command.Origin, userID string) (command.Result, error) {
	return id.changeUserWith(ctx, origin, userID, ptr(group.UsersManage), func(u *command.Unit, invited user.User) ([]user.Event, error) {
		events, err := invited.RevokeInvitation()
		if err != nil {
			return nil, err
		}
		userKey, _ := reservation.NormalizeUsername(invited.Username)
		emailKey, _ := reservation.NormalizeEmail(invited.Email)
		for _, r := range []struct{ kind, key string }{{reserveUsername, userKey}, {reserveEmail, emailKey}} {
			if err := id.stageRelease(ctx, u, r.kind, r.key, userID, invited.AccountID); err != nil {
				return nil, err
			}
		}
		if err := id.stageMemberships(ctx, u, invited.AccountID, userID, invited.GroupIDs, nil); err != nil {
			return nil, err
		}
		return events, nil
	})
}

// AcceptInvitation activates an invited user: password, age confirmation, terms of use.
type AcceptInvitation struct {
	Token                string
	Password             string
	PasswordConfirmation string
	AgeConfirmed         bool
	TermsVersion         string
}

// AcceptInvitation sets the invited user's password; from then on they can sign in.
func (id *Commands) AcceptInvitation(ctx context.Context, origin command.Origin, cmd AcceptInvitation) (command.Result, error) {
	userID, nonce, err := id.links.Open(PurposeInvitation, cmd.Token)
	if err != nil {
		return command.Result{}, err
	}
	opens := func(u user.User) error { return u.InvitationOpens(nonce, id.h.Now()) }
	return id.setPassword(ctx, origin, userID, cmd.Password, cmd.PasswordConfirmation, opens, nil, func(u user.User, hash string) ([]user.Event, error) {
		events, err := u.AcceptInvitation(nonce, hash, cmd.TermsVersion, id.cfg.TermsVersion, cmd.AgeConfirmed, id.h.Now())
		if errors.Is(err, user.ErrInvalidLink) {
			err = ErrInvalidToken
		}
		return events, err
	})
}
