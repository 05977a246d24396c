package user

import (
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/domain/field"
)

// The outcomes a caller acts on; test for them with errors.Is. Each says its kind (domain/fault),
// which ports map to their answers, so each one names a distinct answer rather than a distinct cause.
var (
	// ErrInvalid is matched by every *ValidationError: the command is malformed.
	ErrInvalid = field.ErrInvalid
	// ErrNotFound: the user's stream is empty.
	ErrNotFound = fault.New(fault.NotFound, "user not found")
	// ErrAlreadyExists: the user to invite already has a stream.
	ErrAlreadyExists = fault.New(fault.State, "user already exists").With(fault.Problem{Explain: true})
	// ErrInvalidLink: an invitation, password-reset or e-mail-change link does not open. It is
	// the one answer for every cause (no such user, no such link, another nonce, expired, already
	// used, the user's status), so that whoever holds a link learns nothing but "it does not work".
	ErrInvalidLink = fault.New(fault.Malformed, "the link is invalid or has expired").With(fault.Problem{
		Type: "invalid-token", Title: "Invalid link", Field: "token",
		Detail: "the link is invalid, expired or already used; ask for a new one",
	})
	// ErrNotInvited: the decision is about an open invitation, and the user has none (they
	// accepted it, or it was revoked).
	ErrNotInvited = fault.New(fault.State, "the user has no open invitation").With(fault.Problem{Explain: true})
	// ErrNotActive: the decision needs a user who accepted their invitation and is not disabled
	// (or, for group and preference changes, one whose invitation was not revoked).
	ErrNotActive = fault.New(fault.State, "the user is not active").With(fault.Problem{Explain: true})
)

// ValidationError says which field of a command is wrong and why (see field.Error); decisions
// return it as a *ValidationError.
type ValidationError = field.Error

func invalid(name, problem string) *ValidationError { return field.Invalid(name, problem) }
