package user_test

import (
	"strings"
	"testing"
	"time"

	"github.com/camcloud/accounts/identity/user"
)

// newInvitation is a valid command to invite Jane into Acme's Administrator group; edits make it
// otherwise.
func newInvitation(edits ...func(*user.InviteCommand)) user.InviteCommand {
	cmd := user.InviteCommand{
		UserID: "jane", AccountID: "acme", Username: "Jane.Doe", Email: "Jane.Doe@Example.com",
		GroupIDs: []string{adminGroup}, Nonce: inviteN1, ExpiresAt: inAWeek, Now: now,
	}
	for _, edit := range edits {
		edit(&cmd)
	}
	return cmd
}

func invite(cmd user.InviteCommand) func(user.User) ([]user.Event, error) {
	return func(existing user.User) ([]user.Event, error) { return user.Invite(existing, cmd) }
}

func resend(nonce string, expires, at time.Time) func(user.User) ([]user.Event, error) {
	return func(u user.User) ([]user.Event, error) { return u.ResendInvitation(nonce, expires, at) }
}

func revoke(u user.User) ([]user.Event, error) { return u.RevokeInvitation() }

// accept is Jane accepting with a good password, the current terms and her age confirmed.
func accept(nonce string, at time.Time) func(user.User) ([]user.Event, error) {
	return acceptWith(nonce, hash, terms, true, at)
}

func acceptWith(nonce, passwordHash, termsVersion string, ageConfirmed bool, at time.Time) func(user.User) ([]user.Event, error) {
	return func(u user.User) ([]user.Event, error) {
		return u.AcceptInvitation(nonce, passwordHash, termsVersion, terms, ageConfirmed, at)
	}
}

func TestInvite(t *testing.T) {
	check(t, []rule{
		{
			Name: "an administrator invites a user",
			When: invite(newInvitation()),
			Then: history(janeInvited),
		},
		{
			Name: "the username and address are stored trimmed, in the case typed",
			When: invite(newInvitation(func(c *user.InviteCommand) {
				c.Username, c.Email = "  Jane.Doe\t", " Jane.Doe@Example.com\n"
			})),
			Then: history(janeInvited),
		},
		{
			Name: "groups are stored sorted without duplicates",
			When: invite(newInvitation(func(c *user.InviteCommand) { c.GroupIDs = []string{"viewers", adminGroup, "viewers"} })),
			Then: history(user.Invited{
				UserID: "jane", AccountID: "acme", Username: "Jane.Doe", Email: "Jane.Doe@Example.com",
				GroupIDs: []string{adminGroup, "viewers"}, Nonce: inviteN1, ExpiresAt: inAWeek,
			}),
		},
		{
			Name: "the expiry is stored in UTC",
			When: invite(newInvitation(func(c *user.InviteCommand) {
				c.ExpiresAt = inAWeek.In(time.FixedZone("CET", 3600))
			})),
			Then: history(janeInvited),
		},
		{
			Name:    "inviting a user twice is refused",
			Given:   invited,
			When:    invite(newInvitation()),
			ThenErr: user.ErrAlreadyExists,
		},
		{
			Name:    "a revoked user's id is not reused",
			Given:   revoked,
			When:    invite(newInvitation()),
			ThenErr: user.ErrAlreadyExists,
		},
		{
			Name:    "the state is checked before the content: an existing user wins over a bad address",
			Given:   active,
			When:    invite(newInvitation(func(c *user.InviteCommand) { c.Email = "nope" })),
			ThenErr: user.ErrAlreadyExists,
		},
		{
			Name:    "a user needs an id",
			When:    invite(newInvitation(func(c *user.InviteCommand) { c.UserID = "" })),
			ThenErr: refused("user_id"),
		},
		{
			Name:    "a user needs an account",
			When:    invite(newInvitation(func(c *user.InviteCommand) { c.AccountID = "" })),
			ThenErr: refused("account_id"),
		},
		{
			Name:    "a user needs a username",
			When:    invite(newInvitation(func(c *user.InviteCommand) { c.Username = " " })),
			ThenErr: refused("username"),
		},
		{
			Name:    "a username of two characters is refused",
			When:    invite(newInvitation(func(c *user.InviteCommand) { c.Username = "jd" })),
			ThenErr: refused("username"),
		},
		{
			Name:    "a username of 65 characters is refused",
			When:    invite(newInvitation(func(c *user.InviteCommand) { c.Username = strings.Repeat("j", 65) })),
			ThenErr: refused("username"),
		},
		{
			Name:    "a username with a space is refused",
			When:    invite(newInvitation(func(c *user.InviteCommand) { c.Username = "Jane Doe" })),
			ThenErr: refused("username"),
		},
		{
			Name:    "a username starting with punctuation is refused",
			When:    invite(newInvitation(func(c *user.InviteCommand) { c.Username = ".jane" })),
			ThenErr: refused("username"),
		},
		{
			Name:    "a username with a non-ASCII letter is refused",
			When:    invite(newInvitation(func(c *user.InviteCommand) { c.Username = "jané" })),
			ThenErr: refused("username"),
		},
		{
			Name:    "a user needs an e-mail address",
			When:    invite(newInvitation(func(c *user.InviteCommand) { c.Email = "" })),
			ThenErr: refused("email"),
		},
		{
			Name:    "an address without a domain is refused",
			When:    invite(newInvitation(func(c *user.InviteCommand) { c.Email = "jane@" })),
			ThenErr: refused("email"),
		},
		{
			Name:    "an address with a header injection is refused",
			When:    invite(newInvitation(func(c *user.InviteCommand) { c.Email = "jane@example.com\nBcc: eve@example.com" })),
			ThenErr: refused("email"),
		},
		{
			Name:    "a user needs a group",
			When:    invite(newInvitation(func(c *user.InviteCommand) { c.GroupIDs = nil })),
			ThenErr: refused("group_ids"),
		},
		{
			Name:    "an empty group id is refused",
			When:    invite(newInvitation(func(c *user.InviteCommand) { c.GroupIDs = []string{adminGroup, ""} })),
			ThenErr: refused("group_ids"),
		},
		{
			Name:    "an invitation needs a nonce",
			When:    invite(newInvitation(func(c *user.InviteCommand) { c.Nonce = "" })),
			ThenErr: refused("nonce"),
		},
		{
			Name:    "an invitation expiring now is refused",
			When:    invite(newInvitation(func(c *user.InviteCommand) { c.ExpiresAt = now })),
			ThenErr: refused("expires_at"),
		},
		{
			Name:    "an invitation without an expiry is refused",
			When:    invite(newInvitation(func(c *user.InviteCommand) { c.ExpiresAt = time.Time{} })),
			ThenErr: refused("expires_at"),
		},
		{
			Name:    "the first field in error is reported",
			When:    invite(user.InviteCommand{UserID: "jane", AccountID: "acme", Now: now}),
			ThenErr: refused("username"),
		},
	})
}

func TestResendInvitation(t *testing.T) {
	check(t, []rule{
		{
			Name:  "an invitation is resent with a new link",
			Given: invited,
			When:  resend(inviteN2, later.Add(7*24*time.Hour), later),
			Then:  history(janeResent),
		},
		{
			Name:  "an expired invitation is renewed by resending it",
			Given: invited,
			When:  resend(inviteN2, tooLate.Add(7*24*time.Hour), tooLate),
			Then:  history(user.InvitationResent{UserID: "jane", Nonce: inviteN2, ExpiresAt: tooLate.Add(7 * 24 * time.Hour)}),
		},
		{
			Name:  "an invitation can be resent more than once",
			Given: given(invited, janeResent),
			When:  resend(inviteN1+"x", inAWeek.Add(time.Hour), later),
			Then:  history(user.InvitationResent{UserID: "jane", Nonce: inviteN1 + "x", ExpiresAt: inAWeek.Add(time.Hour)}),
		},
		{
			Name:    "the new link must differ from the current one, or the old link would live on",
			Given:   invited,
			When:    resend(inviteN1, inAWeek.Add(time.Hour), later),
			ThenErr: refused("nonce"),
		},
		{
			Name:    "the new link must expire after now",
			Given:   invited,
			When:    resend(inviteN2, later, later),
			ThenErr: refused("expires_at"),
		},
		{
			Name:    "the new link needs a nonce",
			Given:   invited,
			When:    resend("", inAWeek, now),
			ThenErr: refused("nonce"),
		},
		{
			Name:    "an accepted invitation cannot be resent",
			Given:   active,
			When:    resend(inviteN2, inAWeek, now),
			ThenErr: user.ErrNotInvited,
		},
		{
			Name:    "a disabled user's invitation cannot be resent",
			Given:   disabled,
			When:    resend(inviteN2, inAWeek, now),
			ThenErr: user.ErrNotInvited,
		},
		{
			Name:    "a revoked invitation cannot be resent",
			Given:   revoked,
			When:    resend(inviteN2, inAWeek, now),
			ThenErr: user.ErrNotInvited,
		},
		{
			Name:    "a user that does not exist has no invitation to resend",
			When:    resend(inviteN2, inAWeek, now),
			ThenErr: user.ErrNotFound,
		},
	})
}

func TestRevokeInvitation(t *testing.T) {
	check(t, []rule{
		{
			Name:  "an open invitation is revoked",
			Given: invited,
			When:  revoke,
			Then:  history(janeRevoked),
		},
		{
			Name:  "an expired invitation is revoked",
			Given: given(invited, janeResent),
			When:  revoke,
			Then:  history(janeRevoked),
		},
		{
			Name:  "revoking a revoked invitation changes nothing",
			Given: revoked,
			When:  revoke,
		},
		{
			Name:    "an accepted invitation cannot be revoked",
			Given:   active,
			When:    revoke,
			ThenErr: user.ErrNotInvited,
		},
		{
			Name:    "a disabled user's invitation cannot be revoked",
			Given:   disabled,
			When:    revoke,
			ThenErr: user.ErrNotInvited,
		},
		{
			Name:    "a user that does not exist has no invitation to revoke",
			When:    revoke,
			ThenErr: user.ErrNotFound,
		},
	})
}

func TestAcceptInvitation(t *testing.T) {
	check(t, []rule{
		{
			Name:  "an invited user accepts: password, terms, age",
			Given: invited,
			When:  accept(inviteN1, later),
			Then:  history(janeAccepted),
		},
		{
			Name:  "an invitation is accepted in its last nanosecond",
			Given: invited,
			When:  accept(inviteN1, lastNanos),
			Then:  history(janeAccepted),
		},
		{
			Name:  "a resent invitation is accepted with the new link",
			Given: given(invited, janeResent),
			When:  accept(inviteN2, later.Add(time.Hour)),
			Then:  history(janeAccepted),
		},
		{
			Name:    "an expired invitation is refused",
			Given:   invited,
			When:    accept(inviteN1, tooLate),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "an invitation expires at its expiry, not after",
			Given:   invited,
			When:    accept(inviteN1, inAWeek),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "an invitation is used once: accepting twice is refused",
			Given:   given(active),
			When:    accept(inviteN1, later),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "a resent invitation's old link is refused",
			Given:   given(invited, janeResent),
			When:    accept(inviteN1, later),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "a revoked invitation is refused",
			Given:   revoked,
			When:    accept(inviteN1, later),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "a disabled user's old invitation is refused",
			Given:   disabled,
			When:    accept(inviteN1, later),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "a forged nonce is refused",
			Given:   invited,
			When:    accept("inv-Zm9yZ2VkIG5vbmNlIQ", later),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "a prefix of the nonce is refused",
			Given:   invited,
			When:    accept(inviteN1[:len(inviteN1)-1], later),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "an empty nonce is refused",
			Given:   invited,
			When:    accept("", later),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "a user that does not exist has no invitation: the same answer as a bad link",
			When:    accept(inviteN1, later),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "the link is checked before the content: an expired link wins over a missing age",
			Given:   invited,
			When:    acceptWith(inviteN1, hash, terms, false, tooLate),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "the age must be confirmed",
			Given:   invited,
			When:    acceptWith(inviteN1, hash, terms, false, later),
			ThenErr: refused("age_confirmed"),
		},
		{
			Name:    "the current terms of use must be accepted, not an older version",
			Given:   invited,
			When:    acceptWith(inviteN1, hash, "2025-06", true, later),
			ThenErr: refused("terms_version"),
		},
		{
			Name:    "the terms of use must be accepted",
			Given:   invited,
			When:    acceptWith(inviteN1, hash, "", true, later),
			ThenErr: refused("terms_version"),
		},
		{
			Name:    "a password hash is required",
			Given:   invited,
			When:    acceptWith(inviteN1, "", terms, true, later),
			ThenErr: refused("password_hash"),
		},
		{
			Name:    "a plain password is never recorded",
			Given:   invited,
			When:    acceptWith(inviteN1, "correct horse battery staple", terms, true, later),
			ThenErr: refused("password_hash"),
		},
		{
			Name:    "a password that merely starts with a dollar is not a hash",
			Given:   invited,
			When:    acceptWith(inviteN1, "$ecret", terms, true, later),
			ThenErr: refused("password_hash"),
		},
	})
}
