package identitycmd

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/identity/reservation"
	"github.com/camcloud/accounts/identity/user"
)

// UpdateProfile changes the signed-in user's preferences and/or asks for a new e-mail address,
// all in one append or not at all. nil fields stay as they are.
type UpdateProfile struct {
	TimeFormat      *user.TimeFormat
	TimeZone        *string
	Email           *string // takes effect when confirmed from the link sent to it
	CurrentPassword string  // required with Email
}

// UpdateProfile applies an UpdateProfile.
func (id *Commands) UpdateProfile(ctx context.Context, origin command.Origin, cmd UpdateProfile) (command.Result, error) {
	p := origin.Principal
	s, err := id.loadUser(ctx, p.ID)
	if err != nil {
		return command.Result{}, err
	}
	changesEmail := cmd.Email != nil && *cmd.Email != s.State.Email
	if changesEmail {
		if err := id.checkNewEmail(ctx, s.State, cmd.CurrentPassword, *cmd.Email); err != nil {
			return command.Result{}, err
		}
	}
	if cmd.TimeZone != nil {
		if _, err := time.LoadLocation(*cmd.TimeZone); err != nil || *cmd.TimeZone == "" || *cmd.TimeZone == "Local" {
			return command.Result{}, user.ValidationError{Field: "time_zone", Problem: "is not a known IANA time zone"}
		}
	}
	nonce, err := NewNonce()
	if err != nil {
		return command.Result{}, err
	}
	now := id.h.Now()
	return id.changeUser(ctx, origin, p.ID, nil, func(u user.User) ([]user.Event, error) {
		var events []user.Event
		if cmd.TimeFormat != nil || cmd.TimeZone != nil {
			format, zone := u.TimeFormat, u.TimeZone
			if cmd.TimeFormat != nil {
				format = *cmd.TimeFormat
			}
			if cmd.TimeZone != nil {
				zone = *cmd.TimeZone
			}
			changed, err := u.ChangePreferences(format, zone)
			if err != nil {
				return nil, err
			}
			events = append(events, changed...)
		}
		if changesEmail {
			requested, err := u.RequestEmailChange(*cmd.Email, nonce, now.Add(id.cfg.EmailChangeTTL), now)
			if err != nil {
				return nil, err
			}
			events = append(events, requested...)
		}
		return events, nil
	})
}

// checkNewEmail refuses an e-mail change without the right current password, or to a malformed
// address. An address another user holds is not refused here: that answer would tell any
// signed-in user which addresses exist on the platform. The link goes to the address, whose owner
// alone can use it, and its confirmation is refused there (ErrEmailTaken), changing nothing.
func (id *Commands) checkNewEmail(ctx context.Context, u user.User, password, newEmail string) error {
	if err := id.confirmPassword(ctx, u, "current_password", password); err != nil {
		return err
	}
	_, err := reservation.NormalizeEmail(newEmail)
	return err
}

// ConfirmEmailChange applies a pending e-mail change from its link: the new address is reserved,
// the user's address changed and the old one released, in one append.
func (id *Commands) ConfirmEmailChange(ctx context.Context, origin command.Origin, token string) (command.Result, error) {
	userID, nonce, err := id.links.Open(PurposeEmailChange, token)
	if err != nil {
		return command.Result{}, err
	}
	if _, err := uuid.Parse(userID); err != nil {
		return command.Result{}, ErrInvalidToken
	}
	origin.Principal = access.Principal{Kind: access.User, ID: userID} // the link proves who acts
	res, err := id.changeUserWith(ctx, origin, userID, nil, func(u *command.Unit, current user.User) ([]user.Event, error) {
		events, err := current.ConfirmEmailChange(nonce, id.h.Now())
		if err != nil {
			return nil, ErrInvalidToken
		}
		newKey, _ := reservation.NormalizeEmail(current.EmailChange.Email)
		oldKey, _ := reservation.NormalizeEmail(current.Email)
		if err := id.stageReservation(ctx, u, reserveEmail, newKey, userID, current.AccountID); err != nil {
			if isTaken(err) {
				return nil, ErrEmailTaken
			}
			return nil, err
		}
		if oldKey != newKey {
			if err := id.stageRelease(ctx, u, reserveEmail, oldKey, userID, current.AccountID); err != nil {
				return nil, err
			}
		}
		return events, nil
	})
	if errors.Is(err, user.ErrNotFound) {
		return command.Result{}, ErrInvalidToken
	}
	return res, err
}

// Profile returns the signed-in user as their stream has it (always current).
func (id *Commands) Profile(ctx context.Context, p access.Principal) (user.User, uint64, error) {
	s, err := id.loadUser(ctx, p.ID)
	return s.State, s.Revision, err
}
