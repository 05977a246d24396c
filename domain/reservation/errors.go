package reservation

import "errors"

// The outcomes a caller acts on; test for them with errors.Is.
var (
	// ErrInvalid is matched by every *ValidationError: the value or command is malformed.
	ErrInvalid = errors.New("invalid reservation data")
	// ErrTaken: another owner holds the value.
	ErrTaken = errors.New("already taken")
)

// ValidationError says which field is wrong and why, so that a client can point at the input to
// fix. Field is the field's JSON name. Functions return it as a *ValidationError.
type ValidationError struct {
	Field   string
	Problem string
}

func invalid(field, problem string) *ValidationError {
	return &ValidationError{Field: field, Problem: problem}
}

// Error returns "field: problem", e.g. "username: must not be empty".
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
