package group

// Event is a fact about a group. EventType is the name the event store records; it carries a
// version so that a changed shape gets a new name and old histories still decode.
type Event interface {
	EventType() string
}

// Created starts a group's stream ("group-<id>"). Permissions are sorted and free of duplicates.
type Created struct {
	GroupID     string       `json:"group_id"`
	AccountID   string       `json:"account_id"`
	Name        string       `json:"name"`
	Permissions []Permission `json:"permissions"`
}

// Changed records the group's new name and permission set, both in full: the event replaces
// them, so a reader needs no earlier event to know what the group grants.
type Changed struct {
	GroupID     string       `json:"group_id"`
	AccountID   string       `json:"account_id"`
	Name        string       `json:"name"`
	Permissions []Permission `json:"permissions"`
}

// Deleted ends the group: it grants nothing any more, to any of its members.
type Deleted struct {
	GroupID   string `json:"group_id"`
	AccountID string `json:"account_id"`
}

// EventType implements Event.
func (Created) EventType() string { return "group.created.v1" }

// EventType implements Event.
func (Changed) EventType() string { return "group.changed.v1" }

// EventType implements Event.
func (Deleted) EventType() string { return "group.deleted.v1" }

// Events returns a zero value of every event type of this package, to register with a codec. It
// builds a new slice on every call so that no caller can change what another one sees.
func Events() []Event {
	return []Event{
		Created{},
		Changed{},
		Deleted{},
		MemberJoined{},
		MemberLeft{},
	}
}
