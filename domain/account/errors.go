package account

import (
	"errors"

	"github.com/camcloud/accounts/domain/field"
)

// The outcomes a caller acts on; test for them with errors.Is. The HTTP layer maps them to status
// codes, so each one names a distinct answer rather than a distinct cause.
var (
	// ErrInvalid is matched by every *ValidationError: the command is malformed.
	ErrInvalid = field.ErrInvalid
	// ErrNotFound: the account's stream is empty.
	ErrNotFound = errors.New("account not found")
	// ErrAlreadyExists: the account to create already has a stream.
	ErrAlreadyExists = errors.New("account already exists")
	// ErrUnknownParent: the parent named by a create command does not exist.
	ErrUnknownParent = errors.New("parent account not found")
	// ErrParentNotPartner: only partners hold other accounts.
	ErrParentNotPartner = errors.New("parent account is not a partner")
)

// ValidationError says which field of a command is wrong and why (see field.Error); decisions
// return it as a *ValidationError.
type ValidationError = field.Error

func invalid(name, problem string) *ValidationError { return field.Invalid(name, problem) }
