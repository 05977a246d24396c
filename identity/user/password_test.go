package user_test

import (
	"testing"
	"time"

	"github.com/camcloud/accounts/identity/user"
)

func changePassword(h string) func(user.User) ([]user.Event, error) {
	return func(u user.User) ([]user.Event, error) { return u.ChangePassword(h) }
}

func requestReset(nonce string, expires, at time.Time, byAdmin bool) func(user.User) ([]user.Event, error) {
	return func(u user.User) ([]user.Event, error) { return u.RequestPasswordReset(nonce, expires, at, byAdmin) }
}

func resetPassword(nonce, h string, at time.Time) func(user.User) ([]user.Event, error) {
	return func(u user.User) ([]user.Event, error) { return u.ResetPassword(nonce, h, at) }
}

func TestChangePassword(t *testing.T) {
	check(t, []rule{
		{
			Name:  "an active user changes their password",
			Given: active,
			When:  changePassword(newHash),
			Then:  history(user.PasswordChanged{UserID: "jane", PasswordHash: newHash}),
		},
		{
			Name:    "a plain password is never recorded",
			Given:   active,
			When:    changePassword("hunter2hunter2"),
			ThenErr: refused("password_hash"),
		},
		{
			Name:    "a hash is required",
			Given:   active,
			When:    changePassword(""),
			ThenErr: refused("password_hash"),
		},
		{
			Name:    "an invited user has no password to change",
			Given:   invited,
			When:    changePassword(newHash),
			ThenErr: user.ErrNotActive,
		},
		{
			Name:    "a disabled user cannot change their password",
			Given:   disabled,
			When:    changePassword(newHash),
			ThenErr: user.ErrNotActive,
		},
		{
			Name:    "a revoked user cannot change a password",
			Given:   revoked,
			When:    changePassword(newHash),
			ThenErr: user.ErrNotActive,
		},
		{
			Name:    "a user that does not exist has no password",
			When:    changePassword(newHash),
			ThenErr: user.ErrNotFound,
		},
	})
}

func TestRequestPasswordReset(t *testing.T) {
	check(t, []rule{
		{
			Name:  "an active user who forgot their password gets a reset link",
			Given: active,
			When:  requestReset(resetN1, inAnHour, now, false),
			Then:  history(resetRequested),
		},
		{
			Name:  "an administrator triggers a reset link for a user",
			Given: active,
			When:  requestReset(resetN1, inAnHour, now, true),
			Then:  history(user.PasswordResetRequested{UserID: "jane", Nonce: resetN1, ExpiresAt: inAnHour, ByAdmin: true}),
		},
		{
			Name:  "a new request replaces a pending link",
			Given: given(active, resetRequested),
			When:  requestReset(resetN2, inAnHour.Add(time.Minute), now.Add(time.Minute), false),
			Then:  history(user.PasswordResetRequested{UserID: "jane", Nonce: resetN2, ExpiresAt: inAnHour.Add(time.Minute)}),
		},
		{
			Name:  "forgot password reveals nothing: an invited user gets no link and no error",
			Given: invited,
			When:  requestReset(resetN1, inAnHour, now, false),
		},
		{
			Name:  "forgot password reveals nothing: a disabled user gets no link and no error",
			Given: disabled,
			When:  requestReset(resetN1, inAnHour, now, false),
		},
		{
			Name:  "forgot password reveals nothing: a revoked user gets no link and no error",
			Given: revoked,
			When:  requestReset(resetN1, inAnHour, now, false),
		},
		{
			Name: "forgot password reveals nothing: an unknown user gets no link and no error",
			When: requestReset(resetN1, inAnHour, now, false),
		},
		{
			Name:    "an administrator is told a disabled user gets no link",
			Given:   disabled,
			When:    requestReset(resetN1, inAnHour, now, true),
			ThenErr: user.ErrNotActive,
		},
		{
			Name:    "an administrator is told an invited user gets no link",
			Given:   invited,
			When:    requestReset(resetN1, inAnHour, now, true),
			ThenErr: user.ErrNotActive,
		},
		{
			Name:    "an administrator is told an unknown user gets no link",
			When:    requestReset(resetN1, inAnHour, now, true),
			ThenErr: user.ErrNotFound,
		},
		{
			Name:    "the link is validated whoever the user: an expiry in the past",
			Given:   active,
			When:    requestReset(resetN1, now.Add(-time.Second), now, false),
			ThenErr: refused("expires_at"),
		},
		{
			Name:    "the link is validated whoever the user: the same answer for an unknown user",
			When:    requestReset(resetN1, now.Add(-time.Second), now, false),
			ThenErr: refused("expires_at"),
		},
		{
			Name:    "the link needs a nonce",
			Given:   disabled,
			When:    requestReset("", inAnHour, now, false),
			ThenErr: refused("nonce"),
		},
	})
}

func TestResetPassword(t *testing.T) {
	withLink := given(active, resetRequested)
	check(t, []rule{
		{
			Name:  "the reset link sets a new password",
			Given: withLink,
			When:  resetPassword(resetN1, newHash, now.Add(30*time.Minute)),
			Then:  history(user.PasswordReset{UserID: "jane", PasswordHash: newHash}),
		},
		{
			Name:  "an administrator's reset link works the same",
			Given: given(active, user.PasswordResetRequested{UserID: "jane", Nonce: resetN1, ExpiresAt: inAnHour, ByAdmin: true}),
			When:  resetPassword(resetN1, newHash, now.Add(30*time.Minute)),
			Then:  history(user.PasswordReset{UserID: "jane", PasswordHash: newHash}),
		},
		{
			Name:  "the newest link works",
			Given: given(withLink, user.PasswordResetRequested{UserID: "jane", Nonce: resetN2, ExpiresAt: inAnHour}),
			When:  resetPassword(resetN2, newHash, now.Add(time.Minute)),
			Then:  history(user.PasswordReset{UserID: "jane", PasswordHash: newHash}),
		},
		{
			Name:    "an expired link is refused",
			Given:   withLink,
			When:    resetPassword(resetN1, newHash, inAnHour),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "a link is used once",
			Given:   given(withLink, user.PasswordReset{UserID: "jane", PasswordHash: newHash}),
			When:    resetPassword(resetN1, hash, now.Add(time.Minute)),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "a replaced link is refused",
			Given:   given(withLink, user.PasswordResetRequested{UserID: "jane", Nonce: resetN2, ExpiresAt: inAnHour}),
			When:    resetPassword(resetN1, newHash, now.Add(time.Minute)),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "a changed password closes the pending link",
			Given:   given(withLink, user.PasswordChanged{UserID: "jane", PasswordHash: newHash}),
			When:    resetPassword(resetN1, hash, now.Add(time.Minute)),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "disabling closes the pending link, and enabling does not reopen it",
			Given:   given(withLink, janeDisabled, janeEnabled),
			When:    resetPassword(resetN1, newHash, now.Add(time.Minute)),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "a disabled user's link is refused",
			Given:   given(withLink, janeDisabled),
			When:    resetPassword(resetN1, newHash, now.Add(time.Minute)),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "a forged nonce is refused",
			Given:   withLink,
			When:    resetPassword("rst-Zm9yZ2Vk", newHash, now.Add(time.Minute)),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "the invitation's nonce does not open a reset",
			Given:   withLink,
			When:    resetPassword(inviteN1, newHash, now.Add(time.Minute)),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "an empty nonce is refused when no reset is pending",
			Given:   active,
			When:    resetPassword("", newHash, now),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "a user that does not exist: the same answer as a bad link",
			When:    resetPassword(resetN1, newHash, now),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "a plain password is never recorded",
			Given:   withLink,
			When:    resetPassword(resetN1, "hunter2hunter2", now.Add(time.Minute)),
			ThenErr: refused("password_hash"),
		},
	})
}
