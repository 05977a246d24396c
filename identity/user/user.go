// Package user holds the User aggregate: a person who signs in to one account. A user is invited
// (by a partner creating the account, or by an account administrator), becomes active by accepting
// the invitation (setting a password, confirming their age, accepting the terms of use), and can
// then be disabled and enabled again. An invitation can be revoked before it is accepted, which
// ends the user for good.
//
//	invited --accept--> active <--disable/enable--> disabled
//	   \--revoke--> revoked
//
// The package never sees a password: the command layer checks the password policy, verifies the
// original password and hashes the new one (argon2id, as a PHC string), and decisions take the
// hash. Links mailed to the user (invitation, password reset, e-mail change) are identified by a
// nonce the command layer draws; the token in the link is an HMAC of the nonce, computed and
// checked outside the domain, so events hold the nonce and never the token. Every link expires, is
// replaced by a newer one of its kind (the old link stops working), and is used up when used.
//
// The package is pure: decisions are functions from the folded state and a command to new events
// or a typed error, and the state changes only by applying events. They take the current time as
// an argument. Reserving usernames and e-mail addresses (package reservation), checking that the
// groups exist in the user's account, authorization, sessions and mail are the command layer's
// work.
//
// Decisions check the state before the command's content, except where noted, and events carry
// normalized values.
package user

import (
	"crypto/subtle"
	"slices"
	"time"
)

// Status is where a user is in their lifecycle.
type Status string

const (
	// StatusInvited: invited, has not accepted the invitation yet; cannot sign in.
	StatusInvited Status = "invited"
	// StatusActive: accepted the invitation; can sign in.
	StatusActive Status = "active"
	// StatusDisabled: stopped by an administrator; cannot sign in until enabled.
	StatusDisabled Status = "disabled"
	// StatusRevoked: the invitation was withdrawn; terminal.
	StatusRevoked Status = "revoked"
)

// TimeFormat is how the user wants times of day shown.
type TimeFormat string

const (
	TimeFormat24h TimeFormat = "24h" // 13:05
	TimeFormat12h TimeFormat = "12h" // 1:05 PM
)

func (f TimeFormat) valid() bool { return f == TimeFormat24h || f == TimeFormat12h }

// Preferences of a user who never changed them.
const (
	DefaultTimeFormat = TimeFormat24h
	DefaultTimeZone   = "UTC"
)

// Link is a pending link mailed to the user: it opens with Nonce until ExpiresAt. The zero value
// is no link.
type Link struct {
	Nonce     string
	ExpiresAt time.Time
}

// opens reports whether the link is pending and nonce is its own, at now. The nonce is compared
// in constant time. A link is expired from ExpiresAt on.
func (l Link) opens(nonce string, now time.Time) bool {
	return l.Nonce != "" &&
		subtle.ConstantTimeCompare([]byte(l.Nonce), []byte(nonce)) == 1 &&
		now.Before(l.ExpiresAt)
}

// EmailChange is a pending change of address: the confirmation link was sent to Email.
type EmailChange struct {
	Email string
	Link
}

// User is the state of one user, folded from their stream. The zero value is a user that does not
// exist yet (an empty stream).
type User struct {
	ID           string
	AccountID    string
	Username     string // as typed, trimmed; never changes
	Email        string // as typed, trimmed
	Status       Status
	GroupIDs     []string // sorted, no duplicates
	PasswordHash string   // "" until the invitation is accepted
	TermsVersion string   // the terms of use accepted
	TimeFormat   TimeFormat
	TimeZone     string

	Invitation    Link // pending while invited
	PasswordReset Link
	EmailChange   EmailChange
	Exists        bool
}

// Apply returns the state after e. Events of other streams and unknown types leave the state as it
// is, so a user stream may gain event types this version does not know. The state never shares a
// slice with an event.
//
// Besides the link an event uses up, some events close other links: disabling closes the pending
// password reset and e-mail change (enabling does not reopen them), a changed password closes a
// pending reset, and a changed address closes a pending reset, whose mail went to the old address.
func (u User) Apply(e Event) User {
	switch e := e.(type) {
	case Invited:
		return User{
			ID:         e.UserID,
			AccountID:  e.AccountID,
			Username:   e.Username,
			Email:      e.Email,
			Status:     StatusInvited,
			GroupIDs:   slices.Clone(e.GroupIDs),
			TimeFormat: DefaultTimeFormat,
			TimeZone:   DefaultTimeZone,
			Invitation: Link{Nonce: e.Nonce, ExpiresAt: e.ExpiresAt},
			Exists:     true,
		}
	case InvitationResent:
		u.Invitation = Link{Nonce: e.Nonce, ExpiresAt: e.ExpiresAt}
	case InvitationRevoked:
		u.Status = StatusRevoked
		u.Invitation = Link{}
	case InvitationAccepted:
		u.Status = StatusActive
		u.PasswordHash = e.PasswordHash
		u.TermsVersion = e.TermsVersion
		u.Invitation = Link{}
	case Disabled:
		u.Status = StatusDisabled
		u.PasswordReset = Link{}
		u.EmailChange = EmailChange{}
	case Enabled:
		u.Status = StatusActive
	case PasswordChanged:
		u.PasswordHash = e.PasswordHash
		u.PasswordReset = Link{}
	case PasswordResetRequested:
		u.PasswordReset = Link{Nonce: e.Nonce, ExpiresAt: e.ExpiresAt}
	case PasswordReset:
		u.PasswordHash = e.PasswordHash
		u.PasswordReset = Link{}
	case EmailChangeRequested:
		u.EmailChange = EmailChange{Email: e.NewEmail, Link: Link{Nonce: e.Nonce, ExpiresAt: e.ExpiresAt}}
	case EmailChanged:
		u.Email = e.Email
		u.EmailChange = EmailChange{}
		u.PasswordReset = Link{}
	case PreferencesChanged:
		u.TimeFormat = e.TimeFormat
		u.TimeZone = e.TimeZone
	case GroupsAssigned:
		u.GroupIDs = slices.Clone(e.GroupIDs)
	}
	return u
}

// Fold returns the state after events, applied in order to a user that does not exist.
func Fold(events ...Event) User {
	var u User
	for _, e := range events {
		u = u.Apply(e)
	}
	return u
}

// CanSignIn reports whether the user may sign in (and keep using their sessions): they exist and
// are active.
func (u User) CanSignIn() bool {
	return u.Exists && u.Status == StatusActive
}
