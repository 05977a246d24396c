package reservation

// Event is a fact about a reservation. EventType is the name the event store records; it carries a
// version so that a changed shape gets a new name and old histories still decode.
type Event interface {
	EventType() string
}

// Reserved records that OwnerID holds Value. Value is the normalized key (see NormalizeUsername and
// NormalizeEmail), the one the stream is named after.
type Reserved struct {
	Kind    string `json:"kind"`
	Value   string `json:"value"`
	OwnerID string `json:"owner_id"`
}

// Released records that OwnerID gave Value up, so that another owner may reserve it.
type Released struct {
	Kind    string `json:"kind"`
	Value   string `json:"value"`
	OwnerID string `json:"owner_id"`
}

// EventType implements Event.
func (Reserved) EventType() string { return "reservation.reserved.v1" }

// EventType implements Event.
func (Released) EventType() string { return "reservation.released.v1" }

// Events returns a zero value of every event type of this package, to register with a codec. It
// builds a new slice on every call so that no caller can change what another one sees.
func Events() []Event {
	return []Event{
		Reserved{},
		Released{},
	}
}
