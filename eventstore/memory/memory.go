// Package memory is an in-process event store for unit tests. It keeps everything in a slice
// guarded by a mutex and passes the same conformance suite as the durable adapters.
package memory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/eventstore"
)

// Store is an in-memory eventstore.Store. The zero value is not usable; call New.
type Store struct {
	mu      sync.Mutex
	all     []eventstore.RecordedEvent // all[i] has position i+1
	streams map[string][]int           // indexes into all
	byID    map[uuid.UUID]int
	// appended is closed and replaced on every append, waking live subscriptions.
	appended chan struct{}
	now      func() time.Time
}

var _ eventstore.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		streams:  map[string][]int{},
		byID:     map[uuid.UUID]int{},
		appended: make(chan struct{}),
		now:      time.Now,
	}
}

func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(stream, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	results, err := s.appendWrites(ctx, []eventstore.StreamWrite{{Stream: stream, Expected: expected, Events: events}})
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	return results[0], nil
}

func (s *Store) AppendMulti(ctx context.Context, writes ...eventstore.StreamWrite) ([]eventstore.AppendResult, error) {
	if err := eventstore.ValidateWrites(writes); err != nil {
		return nil, err
	}
	return s.appendWrites(ctx, writes)
}

func (s *Store) appendWrites(ctx context.Context, writes []eventstore.StreamWrite) ([]eventstore.AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()

	results, replay, err := eventstore.Replays(writes, func(w eventstore.StreamWrite) (eventstore.AppendResult, bool, error) {
		return s.replayed(w.Stream, w.Events)
	})
	if replay || err != nil {
		return results, err
	}
	// Check every expectation before storing anything: all or nothing.
	for i, w := range writes {
		indexes := s.streams[w.Stream]
		current, exists := uint64(len(indexes))-1, len(indexes) > 0
		if !w.Expected.Check(current, exists) {
			return nil, &eventstore.ConflictError{Stream: w.Stream, Expected: w.Expected, Actual: current, Exists: exists}
		}
		if exists {
			results[i].Revision = current
		}
	}
	recorded := s.now().UTC()
	for i, w := range writes {
		for _, e := range w.Events {
			at := len(s.all)
			pos := uint64(at + 1)
			s.all = append(s.all, eventstore.RecordedEvent{
				EventData:  e,
				Stream:     w.Stream,
				Revision:   uint64(len(s.streams[w.Stream])),
				Position:   eventstore.Position{Commit: pos, Prepare: pos},
				RecordedAt: recorded,
			})
			s.streams[w.Stream] = append(s.streams[w.Stream], at)
			s.byID[e.ID] = at
			results[i] = eventstore.AppendResult{Revision: s.all[at].Revision, Position: s.all[at].Position}
		}
	}
	close(s.appended)
	s.appended = make(chan struct{})
	return results, nil
}

// replayed reports whether events were all stored before in stream (a retried append).
func (s *Store) replayed(stream string, events []eventstore.EventData) (eventstore.AppendResult, bool, error) {
	var found []int
	for _, e := range events {
		if i, ok := s.byID[e.ID]; ok {
			found = append(found, i)
		}
	}
	if len(found) == 0 {
		return eventstore.AppendResult{}, false, nil
	}
	if len(found) != len(events) {
		return eventstore.AppendResult{}, false, fmt.Errorf("append to %s: %w", stream, eventstore.ErrIdempotency)
	}
	for _, i := range found {
		if s.all[i].Stream != stream {
			return eventstore.AppendResult{}, false, fmt.Errorf("append to %s: %w", stream, eventstore.ErrIdempotency)
		}
	}
	last := s.all[found[len(found)-1]]
	return eventstore.AppendResult{Revision: last.Revision, Position: last.Position}, true, nil
}

func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, dir eventstore.Direction, limit int) ([]eventstore.RecordedEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	indexes := s.streams[stream]
	var out []eventstore.RecordedEvent
	if dir == eventstore.Forwards {
		for r := from; r < uint64(len(indexes)) && len(out) < limit; r++ {
			out = append(out, s.all[indexes[r]])
		}
		return out, nil
	}
	if len(indexes) == 0 {
		return nil, nil
	}
	start := min(from, uint64(len(indexes)-1))
	for r := int64(start); r >= 0 && len(out) < limit; r-- {
		out = append(out, s.all[indexes[r]])
	}
	return out, nil
}

func (s *Store) ReadAll(ctx context.Context, from eventstore.Position, dir eventstore.Direction, limit int) ([]eventstore.RecordedEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []eventstore.RecordedEvent
	if dir == eventstore.Forwards {
		for i := min(from.Commit, uint64(len(s.all))); i < uint64(len(s.all)) && len(out) < limit; i++ {
			out = append(out, s.all[i])
		}
		return out, nil
	}
	// Position p sits at index p-1, so "before from" starts at index from-2.
	start := min(from.Commit, uint64(len(s.all))+1)
	for i := int64(start) - 2; i >= 0 && len(out) < limit; i-- {
		out = append(out, s.all[i])
	}
	return out, nil
}

func (s *Store) Subscribe(ctx context.Context, from eventstore.Position, handle func(context.Context, eventstore.RecordedEvent) error) error {
	next := from.Commit // index of the next event to deliver
	for {
		s.mu.Lock()
		batch := append([]eventstore.RecordedEvent(nil), s.all[min(next, uint64(len(s.all))):]...)
		wake := s.appended
		s.mu.Unlock()

		for _, e := range batch {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := handle(ctx, e); err != nil {
				return err
			}
			next = e.Position.Commit
		}
		if len(batch) > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		}
	}
}
