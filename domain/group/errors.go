package group

import (
	"errors"

	"github.com/camcloud/accounts/domain/field"
)

// The outcomes a caller acts on; test for them with errors.Is. The HTTP layer maps them to status
// codes, so each one names a distinct answer rather than a distinct cause.
var (
	// ErrInvalid is matched by every *ValidationError: the command is malformed.
	ErrInvalid = field.ErrInvalid
	// ErrNotFound: the group's stream is empty, or the group was deleted.
	ErrNotFound = errors.New("group not found")
	// ErrAlreadyExists: the group to create already has a stream (deleted groups included: ids
	// are never reused).
	ErrAlreadyExists = errors.New("group already exists")
	// ErrBuiltin: the Administrator group cannot be created, changed or deleted.
	ErrBuiltin = errors.New("the Administrator group cannot be changed")
)

// ValidationError says which field of a command is wrong and why (see field.Error); decisions
// return it as a *ValidationError.
type ValidationError = field.Error

func invalid(name, problem string) *ValidationError { return field.Invalid(name, problem) }
