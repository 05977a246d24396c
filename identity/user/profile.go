package user

import "time"

// RequestEmailChange decides a pending change of an active user's address to newEmail (validated
// like an invitation's, stored trimmed), confirmed by the link of nonce that the command layer
// mails to the new address; the current address stays until then. An address equal to the
// current one regardless of case is refused. A new request replaces a pending one. The command
// layer asks for the current password before, and reserves the new address's key.
func (u User) RequestEmailChange(newEmail, nonce string, expires, now time.Time) ([]Event, error) {
	if err := u.active(); err != nil {
		return nil, err
	}
	email, key, err := normalizeEmail(newEmail)
	if err != nil {
		return nil, err
	}
	if key == emailKey(u.Email) {
		return nil, invalid("email", "must differ from the current address")
	}
	link, err := newLink(nonce, expires, now)
	if err != nil {
		return nil, err
	}
	return []Event{EmailChangeRequested{UserID: u.ID, NewEmail: email, Nonce: link.Nonce, ExpiresAt: link.ExpiresAt}}, nil
}

// ConfirmEmailChange decides the move to the pending address: nonce must open the user's pending,
// unexpired e-mail-change link, and the user must be active; ErrInvalidLink otherwise, whatever
// the cause. The link is used up; the command layer releases the previous address's key.
func (u User) ConfirmEmailChange(nonce string, now time.Time) ([]Event, error) {
	if !u.CanSignIn() || !u.EmailChange.opens(nonce, now) {
		return nil, ErrInvalidLink
	}
	return []Event{EmailChanged{UserID: u.ID, Previous: u.Email, Email: u.EmailChange.Email}}, nil
}

// ChangePreferences decides how the user wants times shown, both settings in full (the command
// layer fills in the one a partial update leaves out): format "24h" or "12h", and timeZone an
// IANA-looking name (see normalizeTimeZone), stored trimmed; loading it is the caller's check.
// The same settings yield no events. Any user but a revoked one (ErrNotActive) can change them.
func (u User) ChangePreferences(format TimeFormat, timeZone string) ([]Event, error) {
	if err := u.notRevoked(); err != nil {
		return nil, err
	}
	if !format.valid() {
		return nil, invalid("time_format", `must be "24h" or "12h"`)
	}
	timeZone, err := normalizeTimeZone(timeZone)
	if err != nil {
		return nil, err
	}
	if format == u.TimeFormat && timeZone == u.TimeZone {
		return nil, nil
	}
	return []Event{PreferencesChanged{UserID: u.ID, TimeFormat: format, TimeZone: timeZone}}, nil
}
