package account

// Event is a fact about an account. EventType is the name the event store records; it carries a
// version so that a changed shape gets a new name and old histories still decode.
type Event interface {
	EventType() string
}

// Created starts an account's stream.
type Created struct {
	AccountID        string           `json:"account_id"`
	ParentID         string           `json:"parent_id"` // "" only for the platform root
	Kind             Kind             `json:"kind"`
	Name             string           `json:"name"`
	Address          Address          `json:"address"`
	RegistrationCode RegistrationCode `json:"registration_code"`
}

// Renamed records a new display name.
type Renamed struct {
	AccountID string `json:"account_id"`
	Name      string `json:"name"`
}

// AddressChanged records a new postal address, which replaces the old one as a whole.
type AddressChanged struct {
	AccountID string  `json:"account_id"`
	Address   Address `json:"address"`
}

// RegistrationCodeRotated records that recorders now register with Code. Previous is kept so that
// an auditor sees which code was retired without replaying the stream.
type RegistrationCodeRotated struct {
	AccountID string           `json:"account_id"`
	Previous  RegistrationCode `json:"previous"`
	Code      RegistrationCode `json:"code"`
}

// RegistrationCodeReserved claims a code for an account. It is the only event of a reservation
// stream (see RegistrationCode.Compact), appended with expected revision "no stream", so that of
// two accounts racing for one code exactly one wins.
type RegistrationCodeReserved struct {
	Code      RegistrationCode `json:"code"`
	AccountID string           `json:"account_id"`
}

// Suspended records that an account was suspended: its users, and those of every account below
// it, cannot sign in until it is reactivated. Reason is free text for people ("" when none given).
type Suspended struct {
	AccountID string `json:"account_id"`
	Reason    string `json:"reason,omitempty"`
}

// Reactivated records that a suspended account is active again.
type Reactivated struct {
	AccountID string `json:"account_id"`
}

// Closed records that an account was closed, for good: it ends the account's changes (its history
// stays), and its registration code stops resolving.
type Closed struct {
	AccountID string `json:"account_id"`
	Reason    string `json:"reason,omitempty"`
}

// EventType implements Event.
func (Created) EventType() string { return "account.created.v1" }

// EventType implements Event.
func (Renamed) EventType() string { return "account.renamed.v1" }

// EventType implements Event.
func (AddressChanged) EventType() string { return "account.address-changed.v1" }

// EventType implements Event.
func (RegistrationCodeRotated) EventType() string { return "account.registration-code-rotated.v1" }

// EventType implements Event.
func (RegistrationCodeReserved) EventType() string { return "registration-code.reserved.v1" }

// EventType implements Event.
func (Suspended) EventType() string { return "account.suspended.v1" }

// EventType implements Event.
func (Reactivated) EventType() string { return "account.reactivated.v1" }

// EventType implements Event.
func (Closed) EventType() string { return "account.closed.v1" }

// Events returns a zero value of every event type of this package, to register with a codec. It
// builds a new slice on every call so that no caller can change what another one sees.
func Events() []Event {
	return []Event{
		Created{},
		Renamed{},
		AddressChanged{},
		RegistrationCodeRotated{},
		RegistrationCodeReserved{},
		Suspended{},
		Reactivated{},
		Closed{},
	}
}
