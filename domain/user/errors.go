package user

import (
	"errors"

	"github.com/camcloud/accounts/domain/reservation"
)

// The outcomes a caller acts on; test for them with errors.Is. The HTTP layer maps them to status
// codes, so each one names a distinct answer rather than a distinct cause.
var (
	// ErrInvalid is matched by every *ValidationError: the command is malformed.
	ErrInvalid = errors.New("invalid user data")
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

// ValidationError says which field of a command is wrong and why, so that a client can point at
// the input to fix. Field is the field's JSON name. Decisions return it as a *ValidationError.
type ValidationError struct {
	Field   string
	Problem string
}

func invalid(field, problem string) *ValidationError {
	return &ValidationError{Field: field, Problem: problem}
}

// fromReservation turns a validation error of the reservation package (which holds the username
// and e-mail rules) into this package's, so callers of user decisions see one type.
func fromReservation(err error) error {
	var v reservation.ValidationError
	if errors.As(err, &v) {
		return invalid(v.Field, v.Problem)
	}
	return err
}

// Error returns "field: problem", e.g. "email: must not be empty".
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
