package group

import "errors"

// The outcomes a caller acts on; test for them with errors.Is. The HTTP layer maps them to status
// codes, so each one names a distinct answer rather than a distinct cause.
var (
	// ErrInvalid is matched by every *ValidationError: the command is malformed.
	ErrInvalid = errors.New("invalid group data")
	// ErrNotFound: the group's stream is empty, or the group was deleted.
	ErrNotFound = errors.New("group not found")
	// ErrAlreadyExists: the group to create already has a stream (deleted groups included: ids
	// are never reused).
	ErrAlreadyExists = errors.New("group already exists")
	// ErrBuiltin: the Administrator group cannot be created, changed or deleted.
	ErrBuiltin = errors.New("the Administrator group cannot be changed")
)

// ValidationError says which field of a command is wrong and why, so that a client can point at
// the input to fix. Field is the field's JSON name. Decisions return it as a *ValidationError.
type ValidationError struct {
	Field   string
	Problem string
}

func invalid(field, problem string) *ValidationError {
	return &ValidationError{Field: field, Problem: problem}
}

// Error returns "field: problem", e.g. "name: must not be empty".
func (e ValidationError) Error() string { return e.Field + ": " + e.Problem }

// Is makes errors.Is(err, ErrInvalid) true for every validation error, so callers need not know
// the type to answer "bad input".
func (e ValidationError) Is(target error) bool { return target == ErrInvalid }

// As lets errors.As fill a ValidationError value as well as a *ValidationError, so a caller gets
// the field whichever of the two it declared.
func (e ValidationError) As(target any) bool {
	if t, ok := target.(*ValidationError); ok {
		*t = e
		return true
	}
	return false
}
