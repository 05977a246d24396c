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
			name:  "an active user changes their password",
			given: active,
			when:  changePassword(newHash),
			then:  history(user.PasswordChanged{UserID: "jane", PasswordHash: newHash}),
		},
		{
			name:    "a plain password is never recorded",
			given:   active,
			when:    changePassword("hunter2hunter2"),
			thenErr: refused("password_hash"),
		},
		{
			name:    "a hash is required",
			given:   active,
			when:    changePassword(""),
			thenErr: refused("password_hash"),
		},
		{
			name:    "an invited user has no password to change",
			given:   invited,
			when:    changePassword(newHash),
			thenErr: user.ErrNotActive,
		},
		{
			name:    "a disabled user cannot change their password",
			given:   disabled,
			when:    changePassword(newHash),
			thenErr: user.ErrNotActive,
		},
		{
			name:    "a revoked user cannot change a password",
			given:   revoked,
			when:    changePassword(newHash),
			thenErr: user.ErrNotActive,
		},
		{
			name:    "a user that does not exist has no password",
			when:    changePassword(newHash),
			thenErr: user.ErrNotFound,
		},
	})
}

func TestRequestPasswordReset(t *testing.T) {
	check(t, []rule{
		{
			name:  "an active user who forgot their password gets a reset link",
			given: active,
			when:  requestReset(resetN1, inAnHour, now, false),
			then:  history(resetRequested),
		},
		{
			name:  "an administrator triggers a reset link for a user",
			given: active,
			when:  requestReset(resetN1, inAnHour, now, true),
			then:  history(user.PasswordResetRequested{UserID: "jane", Nonce: resetN1, ExpiresAt: inAnHour, ByAdmin: true}),
		},
		{
			name:  "a new request replaces a pending link",
			given: given(active, resetRequested),
			when:  requestReset(resetN2, inAnHour.Add(time.Minute), now.Add(time.Minute), false),
			then:  history(user.PasswordResetRequested{UserID: "jane", Nonce: resetN2, ExpiresAt: inAnHour.Add(time.Minute)}),
		},
		{
			name:  "forgot password reveals nothing: an invited user gets no link and no error",
			given: invited,
			when:  requestReset(resetN1, inAnHour, now, false),
		},
		{
			name:  "forgot password reveals nothing: a disabled user gets no link and no error",
			given: disabled,
			when:  requestReset(resetN1, inAnHour, now, false),
		},
		{
			name:  "forgot password reveals nothing: a revoked user gets no link and no error",
			given: revoked,
			when:  requestReset(resetN1, inAnHour, now, false),
		},
		{
			name: "forgot password reveals nothing: an unknown user gets no link and no error",
			when: requestReset(resetN1, inAnHour, now, false),
		},
		{
			name:    "an administrator is told a disabled user gets no link",
			given:   disabled,
			when:    requestReset(resetN1, inAnHour, now, true),
			thenErr: user.ErrNotActive,
		},
		{
			name:    "an administrator is told an invited user gets no link",
			given:   invited,
			when:    requestReset(resetN1, inAnHour, now, true),
			thenErr: user.ErrNotActive,
		},
		{
			name:    "an administrator is told an unknown user gets no link",
			when:    requestReset(resetN1, inAnHour, now, true),
			thenErr: user.ErrNotFound,
		},
		{
			name:    "the link is validated whoever the user: an expiry in the past",
			given:   active,
			when:    requestReset(resetN1, now.Add(-time.Second), now, false),
			thenErr: refused("expires_at"),
		},
		{
			name:    "the link is validated whoever the user: the same answer for an unknown user",
			when:    requestReset(resetN1, now.Add(-time.Second), now, false),
			thenErr: refused("expires_at"),
		},
		{
			name:    "the link needs a nonce",
			given:   disabled,
			when:    requestReset("", inAnHour, now, false),
			thenErr: refused("nonce"),
		},
	})
}

func TestResetPassword(t *testing.T) {
	withLink := given(active, resetRequested)
	check(t, []rule{
		{
			name:  "the reset link sets a new password",
			given: withLink,
			when:  resetPassword(resetN1, newHash, now.Add(30*time.Minute)),
			then:  history(user.PasswordReset{UserID: "jane", PasswordHash: newHash}),
		},
		{
			name:  "an administrator's reset link works the same",
			given: given(active, user.PasswordResetRequested{UserID: "jane", Nonce: resetN1, ExpiresAt: inAnHour, ByAdmin: true}),
			when:  resetPassword(resetN1, newHash, now.Add(30*time.Minute)),
			then:  history(user.PasswordReset{UserID: "jane", PasswordHash: newHash}),
		},
		{
			name:  "the newest link works",
			given: given(withLink, user.PasswordResetRequested{UserID: "jane", Nonce: resetN2, ExpiresAt: inAnHour}),
			when:  resetPassword(resetN2, newHash, now.Add(time.Minute)),
			then:  history(user.PasswordReset{UserID: "jane", PasswordHash: newHash}),
		},
		{
			name:    "an expired link is refused",
			given:   withLink,
			when:    resetPassword(resetN1, newHash, inAnHour),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "a link is used once",
			given:   given(withLink, user.PasswordReset{UserID: "jane", PasswordHash: newHash}),
			when:    resetPassword(resetN1, hash, now.Add(time.Minute)),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "a replaced link is refused",
			given:   given(withLink, user.PasswordResetRequested{UserID: "jane", Nonce: resetN2, ExpiresAt: inAnHour}),
			when:    resetPassword(resetN1, newHash, now.Add(time.Minute)),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "a changed password closes the pending link",
			given:   given(withLink, user.PasswordChanged{UserID: "jane", PasswordHash: newHash}),
			when:    resetPassword(resetN1, hash, now.Add(time.Minute)),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "disabling closes the pending link, and enabling does not reopen it",
			given:   given(withLink, janeDisabled, janeEnabled),
			when:    resetPassword(resetN1, newHash, now.Add(time.Minute)),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "a disabled user's link is refused",
			given:   given(withLink, janeDisabled),
			when:    resetPassword(resetN1, newHash, now.Add(time.Minute)),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "a forged nonce is refused",
			given:   withLink,
			when:    resetPassword("rst-Zm9yZ2Vk", newHash, now.Add(time.Minute)),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "the invitation's nonce does not open a reset",
			given:   withLink,
			when:    resetPassword(inviteN1, newHash, now.Add(time.Minute)),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "an empty nonce is refused when no reset is pending",
			given:   active,
			when:    resetPassword("", newHash, now),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "a user that does not exist: the same answer as a bad link",
			when:    resetPassword(resetN1, newHash, now),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "a plain password is never recorded",
			given:   withLink,
			when:    resetPassword(resetN1, "hunter2hunter2", now.Add(time.Minute)),
			thenErr: refused("password_hash"),
		},
	})
}
