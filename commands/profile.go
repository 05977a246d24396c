package commands

import (
	"context"
	"errors"
	"time"

	"github.com/camcloud/accounts/identity/reservation"
	"github.com/camcloud/accounts/identity/user"
	"github.com/google/uuid"
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
func (id *Identity) UpdateProfile(ctx context.Context, p Principal, origin Origin, cmd UpdateProfile) (Result, error) {
	s, err := id.loadUser(ctx, p.UserID)
	if err != nil {
		return Result{}, err
	}
	changesEmail := cmd.Email != nil && *cmd.Email != s.state.Email
	if changesEmail {
		if err := id.checkNewEmail(ctx, p, s.state, cmd.CurrentPassword, *cmd.Email); err != nil {
			return Result{}, err
		}
	}
	if cmd.TimeZone != nil {
		if _, err := time.LoadLocation(*cmd.TimeZone); err != nil || *cmd.TimeZone == "" || *cmd.TimeZone == "Local" {
			return Result{}, user.ValidationError{Field: "time_zone", Problem: "is not a known IANA time zone"}
		}
	}
	nonce, err := NewNonce()
	if err != nil {
		return Result{}, err
	}
	now := id.now()
	return id.changeUser(ctx, p, origin, p.UserID, nil, func(u user.User) ([]user.Event, error) {
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

// checkNewEmail refuses an e-mail change without the right current password, or to an address
// another user holds.
func (id *Identity) checkNewEmail(ctx context.Context, p Principal, u user.User, password, newEmail string) error {
	if err := id.confirmPassword(ctx, u, "current_password", password); err != nil {
		return err
	}
	key, err := reservation.NormalizeEmail(newEmail)
	if err != nil {
		return err
	}
	owner, held, err := id.owner(ctx, reserveEmail, key)
	if err != nil {
		return err
	}
	if held && owner != p.UserID {
		return ErrEmailTaken
	}
	return nil
}

// ConfirmEmailChange applies a pending e-mail change from its link: the new address is reserved,
// the user's address changed and the old one released, in one append.
func (id *Identity) ConfirmEmailChange(ctx context.Context, origin Origin, token string) (Result, error) {
	userID, nonce, err := id.links.Open(PurposeEmailChange, token)
	if err != nil {
		return Result{}, err
	}
	if _, err := uuid.Parse(userID); err != nil {
		return Result{}, ErrInvalidToken
	}
	origin.Actor = userID // the link proves who acts
	res, err := id.changeUserWith(ctx, System, origin, userID, nil, func(u *unit, current user.User) ([]user.Event, error) {
		events, err := current.ConfirmEmailChange(nonce, id.now())
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
		return Result{}, ErrInvalidToken
	}
	return res, err
}

// Profile returns the signed-in user as their stream has it (always current).
func (id *Identity) Profile(ctx context.Context, p Principal) (user.User, uint64, error) {
	s, err := id.loadUser(ctx, p.UserID)
	return s.state, s.revision, err
}
