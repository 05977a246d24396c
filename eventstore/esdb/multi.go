package esdb

import (
	"context"
	"fmt"

	"github.com/camcloud/accounts/eventstore"
)

// AppendMulti appends to several streams. EventStore-Client-Go v4 has no atomic multi-stream
// append (KurrentDB 25.1 added one, MultiStreamAppend in its v2 protocol, which this client does
// not speak), so the writes are made one after another, in order, after every expectation was
// checked against the streams as read. A write can therefore still fail after an earlier one was
// stored, when another writer changes a stream between the check and the append: callers order
// their writes so that what is stored first is safe to keep on its own (a reservation that
// expires when nobody uses it). See the README's section on EventStoreDB.
func (s *Store) AppendMulti(ctx context.Context, writes ...eventstore.StreamWrite) ([]eventstore.AppendResult, error) {
	if err := eventstore.ValidateWrites(writes); err != nil {
		return nil, err
	}
	results := make([]eventstore.AppendResult, len(writes))
	for i, w := range writes {
		head, err := s.ReadStream(ctx, w.Stream, eventstore.End, eventstore.Backwards, 1)
		if err != nil {
			return nil, err
		}
		exists := len(head) > 0
		var current uint64
		if exists {
			current = head[0].Revision
		}
		if !w.Expected.Check(current, exists) && !s.storedBefore(ctx, w, head) {
			return nil, &eventstore.ConflictError{Stream: w.Stream, Expected: w.Expected, Actual: current, Exists: exists}
		}
		results[i].Revision = current
	}
	for i, w := range writes {
		if len(w.Events) == 0 {
			continue
		}
		r, err := s.Append(ctx, w.Stream, w.Expected, w.Events...)
		if err != nil {
			return nil, fmt.Errorf("append to %d streams: %w", len(writes), err)
		}
		results[i] = r
	}
	return results, nil
}

// storedBefore reports whether a write is a retry whose last event is already the stream's
// head: its Append will answer as the first time did.
func (s *Store) storedBefore(_ context.Context, w eventstore.StreamWrite, head []eventstore.RecordedEvent) bool {
	return len(w.Events) > 0 && len(head) > 0 && head[0].ID == w.Events[len(w.Events)-1].ID
}
