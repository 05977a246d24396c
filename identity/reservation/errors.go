package reservation

import (
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/domain/field"
)

// The outcomes a caller acts on; test for them with errors.Is.
var (
	// ErrInvalid is matched by every *ValidationError: the value or command is malformed.
	ErrInvalid = field.ErrInvalid
	// ErrTaken: another owner holds the value.
	ErrTaken = fault.New(fault.Taken, "already taken")
)

// ValidationError says which field of a command is wrong and why (see field.Error); decisions
// return it as a *ValidationError.
type ValidationError = field.Error

func invalid(name, problem string) *ValidationError { return field.Invalid(name, problem) }
