package eventstore

import (
	"fmt"

	"github.com/google/uuid"
)

// StreamWrite is one stream's part of an append to several streams at once (Store.AppendMulti).
type StreamWrite struct {
	Stream   string
	Expected ExpectedRevision
	// Events may be empty: the stream is then only checked against Expected, so that a decision
	// that read it is refused when it changed meanwhile, although nothing is written to it.
	Events []EventData
}

// ValidateWrites checks what every adapter refuses in a multi-stream append before it touches
// storage: at least one event in all, each stream at most once, and every part valid on its own.
func ValidateWrites(writes []StreamWrite) error {
	streams := make(map[string]bool, len(writes))
	ids := map[uuid.UUID]bool{}
	total := 0
	for _, w := range writes {
		if streams[w.Stream] {
			return fmt.Errorf("%w: stream %s twice in one append", ErrInvalidAppend, w.Stream)
		}
		streams[w.Stream] = true
		if len(w.Events) == 0 {
			if err := ValidateAppend(w.Stream, []EventData{{ID: uuid.Max, Type: "check", Data: []byte("{}")}}); err != nil {
				return err
			}
			continue
		}
		if err := ValidateAppend(w.Stream, w.Events); err != nil {
			return err
		}
		for _, e := range w.Events {
			if ids[e.ID] {
				return fmt.Errorf("%w: event ID %s twice in one append", ErrInvalidAppend, e.ID)
			}
			ids[e.ID] = true
		}
		total += len(w.Events)
	}
	if total == 0 {
		return fmt.Errorf("%w: no events", ErrInvalidAppend)
	}
	return nil
}

// Replays sorts a multi-stream append into a retry or a new append: replayed says whether a
// write's events are all stored already (and where), as an adapter finds out. When every write
// with events is a replay, the results answer the retry as the first append did (all is true);
// when none is, the append is new; a mix is ErrIdempotency.
func Replays(writes []StreamWrite, replayed func(StreamWrite) (AppendResult, bool, error)) (results []AppendResult, all bool, err error) {
	results = make([]AppendResult, len(writes))
	replays, fresh := 0, 0
	for i, w := range writes {
		if len(w.Events) == 0 {
			continue
		}
		r, done, err := replayed(w)
		switch {
		case err != nil:
			return nil, false, err
		case done:
			results[i] = r
			replays++
		default:
			fresh++
		}
	}
	if replays > 0 && fresh > 0 {
		return nil, false, ErrIdempotency
	}
	return results, replays > 0, nil
}
