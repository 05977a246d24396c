package projections

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"

	"github.com/camcloud/accounts/eventstore"
)

// tail is the newest part of the event log, read once for every read model: one subscription of
// the store (and so one LISTEN connection on PostgreSQL) feeds it, and each read model takes its
// pages from it. A read model behind what the tail holds (reset, or rebuilt from earlier) reads
// the store itself until it reaches the tail.
//
// The tail holds at most max events. When it is full, the feed waits for the read models that
// still need the oldest events, but not for longer than stall: a read model retrying a poison
// event must not hold up the others; it reads the store itself when it goes on.
type tail struct {
	store    eventstore.Store
	logger   watermill.LoggerAdapter
	pageSize int
	max      int
	stall    time.Duration

	mu       sync.Mutex
	started  bool
	start    eventstore.Position          // every event after start up to head is in events
	head     eventstore.Position          // the last event read
	events   []eventstore.RecordedEvent   // after start, in order
	changed  chan struct{}                // closed and replaced when events are added or dropped
	err      error                        // what stopped the feed for good
	readers  map[*int]eventstore.Position // where each reading read model stands
	consumed chan struct{}                // closed and replaced when a reader moves on
}

func newTail(store eventstore.Store, logger watermill.LoggerAdapter, pageSize int) *tail {
	return &tail{
		store: store, logger: logger, pageSize: pageSize, max: 8 * pageSize, stall: time.Second,
		changed: make(chan struct{}), consumed: make(chan struct{}), readers: map[*int]eventstore.Position{},
	}
}

// run feeds the tail from the store's subscription after from until ctx ends or the store refuses
// for good. A dropped subscription resumes after the last event read.
func (t *tail) run(ctx context.Context, from eventstore.Position) {
	t.mu.Lock()
	t.start, t.head, t.started = from, from, true
	t.broadcast()
	t.mu.Unlock()
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		t.mu.Lock()
		head := t.head
		t.mu.Unlock()
		err := t.store.Subscribe(ctx, head, func(ctx context.Context, e eventstore.RecordedEvent) error {
			backoff = 50 * time.Millisecond
			return t.push(ctx, e)
		})
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, eventstore.ErrPermanent) {
			t.mu.Lock()
			t.err = err
			t.broadcast()
			t.mu.Unlock()
			return
		}
		t.logger.Info("projection feed resubscribes after its last event", watermill.LogFields{"reason": err.Error()})
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
			backoff = min(2*backoff, 5*time.Second)
		}
	}
}

func (t *tail) broadcast() {
	close(t.changed)
	t.changed = make(chan struct{})
}

// push adds an event read by the feed, waiting while the tail is full (see tail).
func (t *tail) push(ctx context.Context, e eventstore.RecordedEvent) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var waitedSince time.Time
	for len(t.events) >= t.max {
		if !t.needed() || (!waitedSince.IsZero() && time.Since(waitedSince) >= t.stall) {
			t.drop()
			break
		}
		if waitedSince.IsZero() {
			waitedSince = time.Now()
		}
		consumed := t.consumed
		t.mu.Unlock()
		timer := time.NewTimer(t.stall)
		select {
		case <-ctx.Done():
		case <-consumed:
		case <-timer.C:
		}
		timer.Stop()
		t.mu.Lock()
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	t.events = append(t.events, e)
	t.head = e.Position
	t.broadcast()
	return nil
}

// needed reports whether a reader still has to read the oldest page the tail holds.
func (t *tail) needed() bool {
	end := t.events[min(t.pageSize, len(t.events))-1].Position
	for _, at := range t.readers {
		if at.Compare(t.start) >= 0 && at.Compare(end) < 0 {
			return true
		}
	}
	return false
}

// drop forgets the oldest page.
func (t *tail) drop() {
	n := min(t.pageSize, len(t.events))
	t.start = t.events[n-1].Position
	kept := copy(t.events, t.events[n:])
	clear(t.events[kept:])
	t.events = t.events[:kept]
}

// reader is one read model's place in the tail.
type reader struct {
	t   *tail
	key *int
}

func (t *tail) reader() *reader {
	return &reader{t: t, key: new(int)}
}

// close forgets the reader, so that the feed no longer waits for it.
func (r *reader) close() {
	r.t.mu.Lock()
	delete(r.t.readers, r.key)
	r.t.mu.Unlock()
}

// next returns up to a page of the events after after, waiting until there is at least one.
func (r *reader) next(ctx context.Context, after eventstore.Position) ([]eventstore.RecordedEvent, error) {
	t := r.t
	t.mu.Lock()
	if old, ok := t.readers[r.key]; !ok || old != after {
		t.readers[r.key] = after
		close(t.consumed)
		t.consumed = make(chan struct{})
	}
	for {
		if t.err != nil {
			err := t.err
			t.mu.Unlock()
			return nil, err
		}
		if t.started && after.Compare(t.start) >= 0 {
			i, _ := slices.BinarySearchFunc(t.events, after, func(e eventstore.RecordedEvent, p eventstore.Position) int {
				if e.Position.Compare(p) <= 0 {
					return -1
				}
				return 1
			})
			if i < len(t.events) {
				out := slices.Clone(t.events[i:min(i+t.pageSize, len(t.events))])
				t.mu.Unlock()
				return out, nil
			}
		} else if t.started {
			// Behind the tail: read the store until the tail has what comes next.
			t.mu.Unlock()
			events, err := t.store.ReadAll(ctx, after, eventstore.Forwards, t.pageSize)
			if err != nil || len(events) > 0 {
				return events, err
			}
			t.mu.Lock()
		}
		changed := t.changed
		t.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-changed:
		}
		t.mu.Lock()
	}
}
