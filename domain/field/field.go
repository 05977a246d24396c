// Package field holds what every aggregate uses to refuse bad input: an error that names the
// field at fault, and the rules for single-line free text.
package field

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrInvalid is matched by every *Error: the command is malformed.
var ErrInvalid = errors.New("invalid input")

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

// As lets errors.As fill an Error value as well as an *Error, so a caller gets the field
// whichever of the two it declared.
func (e Error) As(target any) bool {
	if t, ok := target.(*Error); ok {
		*t = e
		return true
	}
	return false
}

// Text returns value trimmed of surrounding white space, or an *Error for field. The value must
// be valid UTF-8, at most limit runes (characters a user counts, not bytes), and a single line:
// no control characters (Unicode category Cc, which includes tab, CR and LF) and no line or
// paragraph separators, which would break lists, invoices and CSV exports. An empty value is
// refused only when required.
func Text(field, value string, required bool, limit int) (string, error) {
	if !utf8.ValidString(value) {
		return "", Invalid(field, "must be valid UTF-8")
	}
	value = strings.TrimSpace(value)
	if value == "" {
		if required {
			return "", Invalid(field, "must not be empty")
		}
		return "", nil
	}
	if n := utf8.RuneCountInString(value); n > limit {
		return "", Invalid(field, fmt.Sprintf("must be at most %d characters, got %d", limit, n))
	}
	if strings.IndexFunc(value, BreaksLine) >= 0 {
		return "", Invalid(field, "must not contain control characters or line breaks")
	}
	return value, nil
}

// BreaksLine reports whether r has no place in single-line text.
func BreaksLine(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}
