package user

import "time"

// ChangePassword decides a new password hash for an active user (ErrNotActive otherwise). The
// command layer has checked the original password, the confirmation and the policy, and hashed the
// new one; a pending reset link stops working.
func (u User) ChangePassword(newHash string) ([]Event, error) {
	if err := u.active(); err != nil {
		return nil, err
	}
	if err := validatePasswordHash(newHash); err != nil {
		return nil, err
	}
	return []Event{PasswordChanged{UserID: u.ID, PasswordHash: newHash}}, nil
}

// RequestPasswordReset decides a password-reset link of nonce, expiring at expires, replacing an
// earlier one; the command layer mails it to the user's address.
//
// The link is validated first, before the state is looked at, so that its errors never depend on
// the user. Then, for the user's own request (byAdmin false, the "forgot password" flow), a user
// who does not exist or is not active yields no events and no error: the caller answers the same
// whatever the address, so the flow reveals nothing about who has an account. An administrator's
// request (byAdmin true) has nothing to hide from the administrator, and answers ErrNotFound or
// ErrNotActive so that they learn no mail was sent. An administrator never chooses the password.
func (u User) RequestPasswordReset(nonce string, expires, now time.Time, byAdmin bool) ([]Event, error) {
	link, err := newLink(nonce, expires, now)
	if err != nil {
		return nil, err
	}
	if err := u.active(); err != nil {
		if byAdmin {
			return nil, err
		}
		return nil, nil
	}
	return []Event{PasswordResetRequested{UserID: u.ID, Nonce: link.Nonce, ExpiresAt: link.ExpiresAt, ByAdmin: byAdmin}}, nil
}

// PasswordResetOpens returns ErrInvalidLink unless the user is active and nonce opens their
// pending, unexpired reset link.
func (u User) PasswordResetOpens(nonce string, now time.Time) error {
	if !u.CanSignIn() || !u.PasswordReset.opens(nonce, now) {
		return ErrInvalidLink
	}
	return nil
}

// ResetPassword decides the password set through a reset link: nonce must open the user's pending,
// unexpired reset link, and the user must be active; ErrInvalidLink otherwise, whatever the cause.
// The link is used up; the command layer ends all of the user's sessions.
func (u User) ResetPassword(nonce, newHash string, now time.Time) ([]Event, error) {
	if err := u.PasswordResetOpens(nonce, now); err != nil {
		return nil, err
	}
	if err := validatePasswordHash(newHash); err != nil {
		return nil, err
	}
	return []Event{PasswordReset{UserID: u.ID, PasswordHash: newHash}}, nil
}
