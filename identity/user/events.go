package user

import "time"

// Event is a fact about a user. EventType is the name the event store records; it carries a
// version so that a changed shape gets a new name and old histories still decode.
//
// No event holds a password or a link's token: passwords only as an opaque hash (PasswordHash,
// a PHC string computed by the command layer), links only as their nonce; the token mailed to the
// user is an HMAC of the nonce computed outside the domain. Times are in UTC.
type Event interface {
	EventType() string
}

// Invited starts a user's stream ("user-<id>"): the user is a member of AccountID, in GroupIDs
// (sorted, no duplicates), and can accept the invitation until ExpiresAt with the link of Nonce.
// Username and Email are as typed, trimmed; their lower-case keys are reserved elsewhere.
type Invited struct {
	UserID    string    `json:"user_id"`
	AccountID string    `json:"account_id"`
	Username  string    `json:"username"`
	Email     string    `json:"email"`
	GroupIDs  []string  `json:"group_ids"`
	Nonce     string    `json:"nonce"`
	ExpiresAt time.Time `json:"expires_at"`
}

// InvitationResent replaces the invitation link: the link of the earlier nonce stops working.
type InvitationResent struct {
	UserID    string    `json:"user_id"`
	Nonce     string    `json:"nonce"`
	ExpiresAt time.Time `json:"expires_at"`
}

// InvitationRevoked withdraws the invitation for good: the user never becomes active.
type InvitationRevoked struct {
	UserID string `json:"user_id"`
}

// InvitationAccepted makes the user active: they set a password, confirmed their age and accepted
// the terms of use of TermsVersion. The invitation link is used up.
type InvitationAccepted struct {
	UserID       string `json:"user_id"`
	PasswordHash string `json:"password_hash"`
	TermsVersion string `json:"terms_version"`
	AgeConfirmed bool   `json:"age_confirmed"`
}

// Disabled stops the user from signing in; the command layer ends their sessions.
type Disabled struct {
	UserID string `json:"user_id"`
}

// Enabled lets a disabled user sign in again.
type Enabled struct {
	UserID string `json:"user_id"`
}

// PasswordChanged records a password the user chose, knowing the previous one.
type PasswordChanged struct {
	UserID       string `json:"user_id"`
	PasswordHash string `json:"password_hash"`
}

// PasswordResetRequested opens a password-reset link of Nonce until ExpiresAt, replacing an
// earlier one. ByAdmin tells an administrator's request from the user's own "forgot password".
type PasswordResetRequested struct {
	UserID    string    `json:"user_id"`
	Nonce     string    `json:"nonce"`
	ExpiresAt time.Time `json:"expires_at"`
	ByAdmin   bool      `json:"by_admin"`
}

// PasswordReset records a password set through a reset link, which is used up.
type PasswordReset struct {
	UserID       string `json:"user_id"`
	PasswordHash string `json:"password_hash"`
}

// EmailChangeRequested opens a link, sent to NewEmail, that confirms the change to NewEmail until
// ExpiresAt. It replaces an earlier pending change; the current address stays until confirmed.
type EmailChangeRequested struct {
	UserID    string    `json:"user_id"`
	NewEmail  string    `json:"new_email"`
	Nonce     string    `json:"nonce"`
	ExpiresAt time.Time `json:"expires_at"`
}

// EmailChanged records the confirmed move from Previous to Email.
type EmailChanged struct {
	UserID   string `json:"user_id"`
	Previous string `json:"previous"`
	Email    string `json:"email"`
}

// PreferencesChanged records how the user wants times shown; both fields in full.
type PreferencesChanged struct {
	UserID     string     `json:"user_id"`
	TimeFormat TimeFormat `json:"time_format"`
	TimeZone   string     `json:"time_zone"`
}

// GroupsAssigned replaces the user's groups with GroupIDs (sorted, no duplicates).
type GroupsAssigned struct {
	UserID   string   `json:"user_id"`
	GroupIDs []string `json:"group_ids"`
}

// EventType implements Event.
func (Invited) EventType() string { return "user.invited.v1" }

// EventType implements Event.
func (InvitationResent) EventType() string { return "user.invitation-resent.v1" }

// EventType implements Event.
func (InvitationRevoked) EventType() string { return "user.invitation-revoked.v1" }

// EventType implements Event.
func (InvitationAccepted) EventType() string { return "user.invitation-accepted.v1" }

// EventType implements Event.
func (Disabled) EventType() string { return "user.disabled.v1" }

// EventType implements Event.
func (Enabled) EventType() string { return "user.enabled.v1" }

// EventType implements Event.
func (PasswordChanged) EventType() string { return "user.password-changed.v1" }

// EventType implements Event.
func (PasswordResetRequested) EventType() string { return "user.password-reset-requested.v1" }

// EventType implements Event.
func (PasswordReset) EventType() string { return "user.password-reset.v1" }

// EventType implements Event.
func (EmailChangeRequested) EventType() string { return "user.email-change-requested.v1" }

// EventType implements Event.
func (EmailChanged) EventType() string { return "user.email-changed.v1" }

// EventType implements Event.
func (PreferencesChanged) EventType() string { return "user.preferences-changed.v1" }

// EventType implements Event.
func (GroupsAssigned) EventType() string { return "user.groups-assigned.v1" }

// Events returns a zero value of every event type of this package, to register with a codec. It
// builds a new slice on every call so that no caller can change what another one sees.
func Events() []Event {
	return []Event{
		Invited{},
		InvitationResent{},
		InvitationRevoked{},
		InvitationAccepted{},
		Disabled{},
		Enabled{},
		PasswordChanged{},
		PasswordResetRequested{},
		PasswordReset{},
		EmailChangeRequested{},
		EmailChanged{},
		PreferencesChanged{},
		GroupsAssigned{},
		Voided{},
	}
}
