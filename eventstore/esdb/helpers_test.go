package esdb_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/storetest"
)

// testContext ends with the test, or after 30 s.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// batch returns n new events.
func batch(n int, prefix string) []eventstore.EventData {
	out := make([]eventstore.EventData, n)
	for i := range out {
		out[i] = storetest.Event(fmt.Sprintf("%s-%d", prefix, i))
	}
	return out
}

func idsOf(events []eventstore.EventData) []uuid.UUID {
	out := make([]uuid.UUID, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

// appendEventually appends events to a new stream, trying again while the store reconnects after
// a restart. Expecting no stream makes a second try of a stored batch a retry the server answers
// from what it stored.
func appendEventually(t *testing.T, s eventstore.Store, stream string, events []eventstore.EventData) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := s.Append(ctx, stream, eventstore.NoStream, events...)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("append to %s: still failing after 15s: %v", stream, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// subscription collects what Subscribe delivers until the test ends.
type subscription struct {
	mu     sync.Mutex
	events []eventstore.RecordedEvent
	more   chan struct{}
}

func subscribe(t *testing.T, s eventstore.Store, from eventstore.Position) *subscription {
	sub := &subscription{more: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- s.Subscribe(ctx, from, func(_ context.Context, e eventstore.RecordedEvent) error {
			sub.mu.Lock()
			sub.events = append(sub.events, e)
			sub.mu.Unlock()
			select {
			case sub.more <- struct{}{}:
			default:
			}
			return nil
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("subscription ended with %v, want context.Canceled", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("subscription did not stop within 10s of its context's end")
		}
	})
	return sub
}

func (s *subscription) snapshot() []eventstore.RecordedEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]eventstore.RecordedEvent(nil), s.events...)
}

// waitFor waits until n events arrived.
func (s *subscription) waitFor(t *testing.T, n int) []eventstore.RecordedEvent {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		if got := s.snapshot(); len(got) >= n {
			return got
		}
		select {
		case <-s.more:
		case <-deadline:
			t.Fatalf("subscription delivered %d events, want %d", len(s.snapshot()), n)
		}
	}
}

// checkDelivered fails unless the subscription delivered exactly want, in strictly increasing
// positions, after waiting a moment for a late duplicate.
func (s *subscription) checkDelivered(t *testing.T, want []uuid.UUID) {
	t.Helper()
	s.waitFor(t, len(want))
	time.Sleep(100 * time.Millisecond)
	got := s.snapshot()
	if len(got) != len(want) {
		t.Fatalf("delivered %d events, want %d", len(got), len(want))
	}
	for i, e := range got {
		if e.ID != want[i] {
			t.Fatalf("delivery %d is %s, want %s", i, e.ID, want[i])
		}
		if i > 0 && e.Position.Compare(got[i-1].Position) <= 0 {
			t.Fatalf("delivery %d at %v after %v: want increasing positions", i, e.Position, got[i-1].Position)
		}
	}
}
