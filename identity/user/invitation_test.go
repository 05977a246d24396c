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
			name: "an administrator invites a user",
			when: invite(newInvitation()),
			then: history(janeInvited),
		},
		{
			name: "the username and address are stored trimmed, in the case typed",
			when: invite(newInvitation(func(c *user.InviteCommand) {
				c.Username, c.Email = "  Jane.Doe\t", " Jane.Doe@Example.com\n"
			})),
			then: history(janeInvited),
		},
		{
			name: "groups are stored sorted without duplicates",
			when: invite(newInvitation(func(c *user.InviteCommand) { c.GroupIDs = []string{"viewers", adminGroup, "viewers"} })),
			then: history(user.Invited{
				UserID: "jane", AccountID: "acme", Username: "Jane.Doe", Email: "Jane.Doe@Example.com",
				GroupIDs: []string{adminGroup, "viewers"}, Nonce: inviteN1, ExpiresAt: inAWeek,
			}),
		},
		{
			name: "the expiry is stored in UTC",
			when: invite(newInvitation(func(c *user.InviteCommand) {
				c.ExpiresAt = inAWeek.In(time.FixedZone("CET", 3600))
			})),
			then: history(janeInvited),
		},
		{
			name:    "inviting a user twice is refused",
			given:   invited,
			when:    invite(newInvitation()),
			thenErr: user.ErrAlreadyExists,
		},
		{
			name:    "a revoked user's id is not reused",
			given:   revoked,
			when:    invite(newInvitation()),
			thenErr: user.ErrAlreadyExists,
		},
		{
			name:    "the state is checked before the content: an existing user wins over a bad address",
			given:   active,
			when:    invite(newInvitation(func(c *user.InviteCommand) { c.Email = "nope" })),
			thenErr: user.ErrAlreadyExists,
		},
		{
			name:    "a user needs an id",
			when:    invite(newInvitation(func(c *user.InviteCommand) { c.UserID = "" })),
			thenErr: refused("user_id"),
		},
		{
			name:    "a user needs an account",
			when:    invite(newInvitation(func(c *user.InviteCommand) { c.AccountID = "" })),
			thenErr: refused("account_id"),
		},
		{
			name:    "a user needs a username",
			when:    invite(newInvitation(func(c *user.InviteCommand) { c.Username = " " })),
			thenErr: refused("username"),
		},
		{
			name:    "a username of two characters is refused",
			when:    invite(newInvitation(func(c *user.InviteCommand) { c.Username = "jd" })),
			thenErr: refused("username"),
		},
		{
			name:    "a username of 65 characters is refused",
			when:    invite(newInvitation(func(c *user.InviteCommand) { c.Username = strings.Repeat("j", 65) })),
			thenErr: refused("username"),
		},
		{
			name:    "a username with a space is refused",
			when:    invite(newInvitation(func(c *user.InviteCommand) { c.Username = "Jane Doe" })),
			thenErr: refused("username"),
		},
		{
			name:    "a username starting with punctuation is refused",
			when:    invite(newInvitation(func(c *user.InviteCommand) { c.Username = ".jane" })),
			thenErr: refused("username"),
		},
		{
			name:    "a username with a non-ASCII letter is refused",
			when:    invite(newInvitation(func(c *user.InviteCommand) { c.Username = "jané" })),
			thenErr: refused("username"),
		},
		{
			name:    "a user needs an e-mail address",
			when:    invite(newInvitation(func(c *user.InviteCommand) { c.Email = "" })),
			thenErr: refused("email"),
		},
		{
			name:    "an address without a domain is refused",
			when:    invite(newInvitation(func(c *user.InviteCommand) { c.Email = "jane@" })),
			thenErr: refused("email"),
		},
		{
			name:    "an address with a header injection is refused",
			when:    invite(newInvitation(func(c *user.InviteCommand) { c.Email = "jane@example.com\nBcc: eve@example.com" })),
			thenErr: refused("email"),
		},
		{
			name:    "a user needs a group",
			when:    invite(newInvitation(func(c *user.InviteCommand) { c.GroupIDs = nil })),
			thenErr: refused("group_ids"),
		},
		{
			name:    "an empty group id is refused",
			when:    invite(newInvitation(func(c *user.InviteCommand) { c.GroupIDs = []string{adminGroup, ""} })),
			thenErr: refused("group_ids"),
		},
		{
			name:    "an invitation needs a nonce",
			when:    invite(newInvitation(func(c *user.InviteCommand) { c.Nonce = "" })),
			thenErr: refused("nonce"),
		},
		{
			name:    "an invitation expiring now is refused",
			when:    invite(newInvitation(func(c *user.InviteCommand) { c.ExpiresAt = now })),
			thenErr: refused("expires_at"),
		},
		{
			name:    "an invitation without an expiry is refused",
			when:    invite(newInvitation(func(c *user.InviteCommand) { c.ExpiresAt = time.Time{} })),
			thenErr: refused("expires_at"),
		},
		{
			name:    "the first field in error is reported",
			when:    invite(user.InviteCommand{UserID: "jane", AccountID: "acme", Now: now}),
			thenErr: refused("username"),
		},
	})
}

func TestResendInvitation(t *testing.T) {
	check(t, []rule{
		{
			name:  "an invitation is resent with a new link",
			given: invited,
			when:  resend(inviteN2, later.Add(7*24*time.Hour), later),
			then:  history(janeResent),
		},
		{
			name:  "an expired invitation is renewed by resending it",
			given: invited,
			when:  resend(inviteN2, tooLate.Add(7*24*time.Hour), tooLate),
			then:  history(user.InvitationResent{UserID: "jane", Nonce: inviteN2, ExpiresAt: tooLate.Add(7 * 24 * time.Hour)}),
		},
		{
			name:  "an invitation can be resent more than once",
			given: given(invited, janeResent),
			when:  resend(inviteN1+"x", inAWeek.Add(time.Hour), later),
			then:  history(user.InvitationResent{UserID: "jane", Nonce: inviteN1 + "x", ExpiresAt: inAWeek.Add(time.Hour)}),
		},
		{
			name:    "the new link must differ from the current one, or the old link would live on",
			given:   invited,
			when:    resend(inviteN1, inAWeek.Add(time.Hour), later),
			thenErr: refused("nonce"),
		},
		{
			name:    "the new link must expire after now",
			given:   invited,
			when:    resend(inviteN2, later, later),
			thenErr: refused("expires_at"),
		},
		{
			name:    "the new link needs a nonce",
			given:   invited,
			when:    resend("", inAWeek, now),
			thenErr: refused("nonce"),
		},
		{
			name:    "an accepted invitation cannot be resent",
			given:   active,
			when:    resend(inviteN2, inAWeek, now),
			thenErr: user.ErrNotInvited,
		},
		{
			name:    "a disabled user's invitation cannot be resent",
			given:   disabled,
			when:    resend(inviteN2, inAWeek, now),
			thenErr: user.ErrNotInvited,
		},
		{
			name:    "a revoked invitation cannot be resent",
			given:   revoked,
			when:    resend(inviteN2, inAWeek, now),
			thenErr: user.ErrNotInvited,
		},
		{
			name:    "a user that does not exist has no invitation to resend",
			when:    resend(inviteN2, inAWeek, now),
			thenErr: user.ErrNotFound,
		},
	})
}

func TestRevokeInvitation(t *testing.T) {
	check(t, []rule{
		{
			name:  "an open invitation is revoked",
			given: invited,
			when:  revoke,
			then:  history(janeRevoked),
		},
		{
			name:  "an expired invitation is revoked",
			given: given(invited, janeResent),
			when:  revoke,
			then:  history(janeRevoked),
		},
		{
			name:  "revoking a revoked invitation changes nothing",
			given: revoked,
			when:  revoke,
		},
		{
			name:    "an accepted invitation cannot be revoked",
			given:   active,
			when:    revoke,
			thenErr: user.ErrNotInvited,
		},
		{
			name:    "a disabled user's invitation cannot be revoked",
			given:   disabled,
			when:    revoke,
			thenErr: user.ErrNotInvited,
		},
		{
			name:    "a user that does not exist has no invitation to revoke",
			when:    revoke,
			thenErr: user.ErrNotFound,
		},
	})
}

func TestAcceptInvitation(t *testing.T) {
	check(t, []rule{
		{
			name:  "an invited user accepts: password, terms, age",
			given: invited,
			when:  accept(inviteN1, later),
			then:  history(janeAccepted),
		},
		{
			name:  "an invitation is accepted in its last nanosecond",
			given: invited,
			when:  accept(inviteN1, lastNanos),
			then:  history(janeAccepted),
		},
		{
			name:  "a resent invitation is accepted with the new link",
			given: given(invited, janeResent),
			when:  accept(inviteN2, later.Add(time.Hour)),
			then:  history(janeAccepted),
		},
		{
			name:    "an expired invitation is refused",
			given:   invited,
			when:    accept(inviteN1, tooLate),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "an invitation expires at its expiry, not after",
			given:   invited,
			when:    accept(inviteN1, inAWeek),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "an invitation is used once: accepting twice is refused",
			given:   given(active),
			when:    accept(inviteN1, later),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "a resent invitation's old link is refused",
			given:   given(invited, janeResent),
			when:    accept(inviteN1, later),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "a revoked invitation is refused",
			given:   revoked,
			when:    accept(inviteN1, later),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "a disabled user's old invitation is refused",
			given:   disabled,
			when:    accept(inviteN1, later),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "a forged nonce is refused",
			given:   invited,
			when:    accept("inv-Zm9yZ2VkIG5vbmNlIQ", later),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "a prefix of the nonce is refused",
			given:   invited,
			when:    accept(inviteN1[:len(inviteN1)-1], later),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "an empty nonce is refused",
			given:   invited,
			when:    accept("", later),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "a user that does not exist has no invitation: the same answer as a bad link",
			when:    accept(inviteN1, later),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "the link is checked before the content: an expired link wins over a missing age",
			given:   invited,
			when:    acceptWith(inviteN1, hash, terms, false, tooLate),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "the age must be confirmed",
			given:   invited,
			when:    acceptWith(inviteN1, hash, terms, false, later),
			thenErr: refused("age_confirmed"),
		},
		{
			name:    "the current terms of use must be accepted, not an older version",
			given:   invited,
			when:    acceptWith(inviteN1, hash, "2025-06", true, later),
			thenErr: refused("terms_version"),
		},
		{
			name:    "the terms of use must be accepted",
			given:   invited,
			when:    acceptWith(inviteN1, hash, "", true, later),
			thenErr: refused("terms_version"),
		},
		{
			name:    "a password hash is required",
			given:   invited,
			when:    acceptWith(inviteN1, "", terms, true, later),
			thenErr: refused("password_hash"),
		},
		{
			name:    "a plain password is never recorded",
			given:   invited,
			when:    acceptWith(inviteN1, "correct horse battery staple", terms, true, later),
			thenErr: refused("password_hash"),
		},
		{
			name:    "a password that merely starts with a dollar is not a hash",
			given:   invited,
			when:    acceptWith(inviteN1, "$ecret", terms, true, later),
			thenErr: refused("password_hash"),
		},
	})
}
