// Package reservation makes values unique system-wide in an event-sourced store: usernames and
// e-mail addresses. Every value has a stream of its own, which the command layer names after the
// kind and the normalized key, e.g. "username-jane.doe" or "email-jane@example.com". Whoever
// appends the Reserved event first holds the value: the command layer appends with the revision
// it folded (expected revision "no stream" for a value never reserved), so of two owners racing
// for one value exactly one wins and the other, on reloading, gets ErrTaken.
//
// The package is pure: decisions are functions from the folded state and a command to new events
// or a typed error, and the state changes only by applying events. It also holds the rules that
// turn a username or an e-mail address into its key (NormalizeUsername, NormalizeEmail), so that
// "Jane.Doe" and "jane.doe" name one stream.
package reservation

// The kinds of value reserved; each is also the category of its reservation streams.
const (
	KindUsername = "username"
	KindEmail    = "email"
)

// Reservation is the state of one value's stream. The zero value is a value nobody holds.
type Reservation struct {
	Kind    string // as of the latest event; "" for a stream never written
	Value   string
	OwnerID string // "" unless Held
	Held    bool
}

// Apply returns the state after e. Unknown event types leave the state as it is.
func (r Reservation) Apply(e Event) Reservation {
	switch e := e.(type) {
	case Reserved:
		return Reservation{Kind: e.Kind, Value: e.Value, OwnerID: e.OwnerID, Held: true}
	case Released:
		return Reservation{Kind: e.Kind, Value: e.Value}
	}
	return r
}

// Fold returns the state after events, applied in order to a value nobody holds.
func Fold(events ...Event) Reservation {
	var r Reservation
	for _, e := range events {
		r = r.Apply(e)
	}
	return r
}

// Reserve decides that owner takes value, a normalized key of kind. A free value (never reserved,
// or released) is reserved; a value the same owner already holds yields no events, so a retried
// command succeeds without adding to the history; a value another owner holds is ErrTaken.
func (r Reservation) Reserve(kind, value, owner string) ([]Event, error) {
	if r.Held {
		if r.OwnerID == owner {
			return nil, nil
		}
		return nil, ErrTaken
	}
	switch {
	case kind == "":
		return nil, invalid("kind", "must not be empty")
	case value == "":
		return nil, invalid("value", "must not be empty")
	case owner == "":
		return nil, invalid("owner_id", "must not be empty")
	}
	return []Event{Reserved{Kind: kind, Value: value, OwnerID: owner}}, nil
}

// Release decides that owner gives the value up, e.g. after a changed e-mail address or a revoked
// invitation. Only the holder releases: when owner does not hold the value (it is free, or another
// owner holds it) there is nothing to do and no events, so a retried release is harmless and a
// stale owner cannot free someone else's value.
func (r Reservation) Release(owner string) ([]Event, error) {
	if !r.Held || r.OwnerID != owner {
		return nil, nil
	}
	return []Event{Released{Kind: r.Kind, Value: r.Value, OwnerID: owner}}, nil
}
