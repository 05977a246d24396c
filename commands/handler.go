// Package commands is the application layer: it turns a command into events. Each handler loads
// the aggregate's stream, folds it into state, asks the pure domain to decide, and appends the new
// events with the revision it read as the expected revision, so a concurrent writer is detected
// and the decision made again on fresh state.
package commands

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/domain/fault"

	"github.com/camcloud/accounts/eventstore"
)

// Origin says who issued a command and in answer to what; it becomes every event's metadata.
type Origin struct {
	Actor         string
	CorrelationID string // the request that started it all
	CausationID   string // the message that directly caused this command
}

// Result is where a command left the event store: the stream's revision (an ETag) and the global
// position its last event reached (what read-your-writes waits for).
type Result struct {
	Stream   string
	Revision uint64
	Position eventstore.Position
}

// ErrRevisionMismatch is returned when the caller named the revision it expects (If-Match) and
// the stream has moved on: the caller must read again, so the command is not retried.
var ErrRevisionMismatch = fault.New(fault.Stale, "the resource changed since it was read")

// maxAttempts bounds the reload-and-decide loop under contention.
const maxAttempts = 8

// Handler holds what every command needs.
type Handler struct {
	store     eventstore.Store
	codec     *eventstore.Codec
	now       func() time.Time
	snapshots snapshots
	observe   func(Outcome) // see Observe; nil: none
}

// NewHandler returns a handler on store that encodes events with codec.
func NewHandler(store eventstore.Store, codec *eventstore.Codec) *Handler {
	return &Handler{store: store, codec: codec, now: time.Now, snapshots: snapshots{m: map[string]snapshot{}}}
}

// snapshots keeps the folded state of streams loaded lately, so that loading one again reads and
// decodes only the events after the revision kept, not its whole history. The read still goes to
// the store (a stream may have moved in another process), and every append still names the
// revision read, so a kept state is never trusted: it only saves folding what was folded before.
type snapshots struct {
	mu sync.Mutex
	m  map[string]snapshot
}

type snapshot struct {
	state    any
	revision uint64
	position eventstore.Position
}

// maxSnapshots bounds the memory kept (an account's state is a few hundred bytes).
const maxSnapshots = 10_000

func (c *snapshots) get(name string) (snapshot, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.m[name]
	return s, ok
}

func (c *snapshots) put(name string, s snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[name]; ok && old.revision >= s.revision {
		return // a concurrent load kept a later one
	}
	if len(c.m) >= maxSnapshots {
		clear(c.m) // rare; the next loads fold from the start once
	}
	c.m[name] = s
}

// keepable tells whether a state may be kept and folded further by concurrent loads: only states
// that are plain values. A state holding a slice or a map would share it between the kept copy
// and every fold from it, and an apply that appends in place would write into the others.
func keepable(state any) bool {
	_, ok := state.(account.Account)
	return ok
}

// stream is an aggregate's stream as loaded: its folded state, revision and last position.
type stream[S any] struct {
	name     string
	state    S
	revision uint64
	exists   bool
	position eventstore.Position
}

// load reads a whole stream and folds it; for a keepable state it starts from the state kept at
// the last load and reads only the events after it.
func load[S any](ctx context.Context, h *Handler, name string, initial S, apply func(S, eventstore.Event) S) (stream[S], error) {
	s := stream[S]{name: name, state: initial}
	keep := keepable(initial)
	from := uint64(0)
	if keep {
		if kept, ok := h.snapshots.get(name); ok {
			if state, ok := kept.state.(S); ok {
				s.state, s.revision, s.exists, s.position = state, kept.revision, true, kept.position
				from = kept.revision + 1
			}
		}
	}
	const page = 500
	for {
		events, err := h.store.ReadStream(ctx, name, from, eventstore.Forwards, page)
		if err != nil {
			return s, fmt.Errorf("load %s: %w", name, err)
		}
		for _, recorded := range events {
			e, err := h.codec.Decode(recorded.Type, recorded.Data)
			if err != nil {
				return s, fmt.Errorf("load %s: %w", name, err)
			}
			s.state = apply(s.state, e)
			s.revision, s.exists, s.position = recorded.Revision, true, recorded.Position
		}
		if len(events) < page {
			if keep && s.exists {
				h.snapshots.put(name, snapshot{state: s.state, revision: s.revision, position: s.position})
			}
			return s, nil
		}
		from = s.revision + 1
	}
}

// update loads a stream, decides and appends; on a concurrency conflict it loads and decides
// again, a bounded number of times. With ifRevision set it appends only at that revision and never
// retries. A decision with no events changes nothing and reports the stream as it is. The events'
// account is accountOf the stream's state after them, so no event leaves without one.
func update[S any](ctx context.Context, h *Handler, origin Origin, accountOf func(S) string, name string, initial S,
	apply func(S, eventstore.Event) S, ifRevision *uint64, decide func(S) ([]eventstore.Event, error),
) (Result, error) {
	var (
		unchanged Result
		after     S
	)
	committed, err := h.transact(ctx, origin, ifRevision == nil, func(u *unit) error {
		s, err := loadInto(ctx, u, name, initial, apply)
		if err != nil {
			return err
		}
		if ifRevision != nil && (!s.exists || s.revision != *ifRevision) {
			return fmt.Errorf("%s is at revision %d, not %d: %w", name, s.revision, *ifRevision, ErrRevisionMismatch)
		}
		events, err := decide(s.state)
		if err != nil {
			return err
		}
		unchanged = Result{Stream: name, Revision: s.revision, Position: s.position}
		after = s.state
		for _, e := range events {
			after = apply(after, e)
		}
		u.write(accountOf(after), name, events...)
		return nil
	})
	switch {
	case err != nil && ifRevision != nil && errors.Is(err, eventstore.ErrConcurrency):
		return Result{}, fmt.Errorf("%w: %w", ErrRevisionMismatch, err)
	case err != nil:
		return Result{}, err
	}
	if r, ok := committed[name]; ok {
		if keepable(after) {
			// What was just stored need not be read back by the next command on the stream.
			h.snapshots.put(name, snapshot{state: after, revision: r.Revision, position: r.Position})
		}
		return r, nil
	}
	return unchanged, nil
}
