package eventstore

import (
	"fmt"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
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
		case !jsontext.Value(e.Data).IsValid():
			// Stricter than encoding/json's Valid (UTF-8 throughout, no name twice in an object,
			// which a reader could take either way) and about three times faster on a usage
			// batch's event of hundreds of kilobytes.
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
