package eventstore

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// ValidateAppend checks what every adapter refuses before it touches storage.
func ValidateAppend(stream string, events []EventData) error {
	if stream == "" || strings.HasPrefix(stream, "$") {
		return fmt.Errorf("%w: stream name %q", ErrInvalidAppend, stream)
	}
	if len(events) == 0 {
		return fmt.Errorf("%w: no events for %s", ErrInvalidAppend, stream)
	}
	seen := make(map[uuid.UUID]bool, len(events))
	for i, e := range events {
		switch {
		case e.ID == uuid.Nil:
			return fmt.Errorf("%w: event %d of %s has no ID", ErrInvalidAppend, i, stream)
		case seen[e.ID]:
			return fmt.Errorf("%w: event ID %s twice in one append", ErrInvalidAppend, e.ID)
		case e.Type == "":
			return fmt.Errorf("%w: event %d of %s has no type", ErrInvalidAppend, i, stream)
		case !json.Valid(e.Data):
			return fmt.Errorf("%w: event %d of %s: data is not JSON", ErrInvalidAppend, i, stream)
		}
		seen[e.ID] = true
	}
	return nil
}

// StreamName joins a category and an ID: StreamName("account", id) is "account-<id>".
func StreamName(category, id string) string { return category + "-" + id }

// Category returns the part of a stream name before its first '-'.
func Category(stream string) string {
	category, _, _ := strings.Cut(stream, "-")
	return category
}
