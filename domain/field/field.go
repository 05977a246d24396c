// Package field holds what every aggregate uses to refuse bad input: an error that names the
// field at fault, and the rules for single-line free text (text.go).
package field

import "github.com/camcloud/accounts/domain/fault"

// ErrInvalid is matched by every *Error: the command is malformed.
// Its detail is its message with what callers wrapped around it.
var ErrInvalid = fault.New(fault.Invalid, "invalid input").With(fault.Problem{Explain: true})

// Error says which field of a command is wrong and why, so that a client can point at the input
// to fix. Field is the field's JSON name, dotted when nested ("address.city").
type Error struct {
	Field   string
	Problem string
}

// Invalid returns the error for field.
func Invalid(field, problem string) *Error { return &Error{Field: field, Problem: problem} }

// Error returns "field: problem", e.g. "name: must not be empty".
func (e Error) Error() string { return e.Field + ": " + e.Problem }

// Is makes errors.Is(err, ErrInvalid) true for every field error, so callers need not know the
// type to answer "bad input".
func (e Error) Is(target error) bool { return target == ErrInvalid }

// Kind makes every field error a fault.Invalid, whatever aggregate returns it.
func (e Error) Kind() fault.Kind { return fault.Invalid }

// Describe names the field and says, as detail, what is wrong with it (not what callers wrapped
// around it).
func (e Error) Describe() fault.Problem { return fault.Problem{Field: e.Field, Detail: e.Error()} }

// As lets errors.As fill an Error value as well as an *Error, so a caller gets the field
// whichever of the two it declared.
func (e Error) As(target any) bool {
	if t, ok := target.(*Error); ok {
		*t = e
		return true
	}
	return false
}
