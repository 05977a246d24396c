package user

import (
	"errors"

	"github.com/camcloud/accounts/domain/field"
)

// The outcomes a caller acts on; test for them with errors.Is. The HTTP layer maps them to status
// codes, so each one names a distinct answer rather than a distinct cause.
var (
	// ErrInvalid is matched by every *ValidationError: the command is malformed.
	ErrInvalid = field.ErrInvalid
	// ErrNotFound: the user's stream is empty.
	ErrNotFound = errors.New("user not found")
	// ErrAlreadyExists: the user to invite already has a stream.
	ErrAlreadyExists = errors.New("user already exists")
	// ErrInvalidLink: an invitation, password-reset or e-mail-change link does not open. It is
	// the one answer for every cause (no such user, no such link, another nonce, expired, already
	// used, the user's status), so that whoever holds a link learns nothing but "it does not work".
	ErrInvalidLink = errors.New("the link is invalid or has expired")
	// ErrNotInvited: the decision is about an open invitation, and the user has none (they
	// accepted it, or it was revoked).
	ErrNotInvited = errors.New("the user has no open invitation")
	// ErrNotActive: the decision needs a user who accepted their invitation and is not disabled
	// (or, for group and preference changes, one whose invitation was not revoked).
	ErrNotActive = errors.New("the user is not active")
)

// ValidationError says which field of a command is wrong and why (see field.Error); decisions
// return it as a *ValidationError.
type ValidationError = field.Error

func invalid(name, problem string) *ValidationError { return field.Invalid(name, problem) }
