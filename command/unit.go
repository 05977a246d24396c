package command

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/eventstore"
)

// Unit is one command's work across streams: the revision at which it read each stream, and the
// events it writes. It is committed with one AppendMulti, every stream at the revision it was read
// (a stream never read must not exist yet), so either the whole decision is stored or, when any
// stream it read changed meanwhile, nothing is, and the decision is made again on fresh state.
// Events enter a unit only through a Repository, which names their account.
type Unit struct {
	h      *Handler
	heads  map[string]head
	writes []pending
	retry  bool // a decision made again after a conflict
}

type head struct {
	revision uint64
	exists   bool
}

type pending struct {
	stream, account string
	events          []eventstore.Event
}

// read remembers the revision at which a stream was first read in the unit.
func (u *Unit) read(name string, revision uint64, exists bool) {
	if _, seen := u.heads[name]; !seen {
		u.heads[name] = head{revision: revision, exists: exists}
	}
}

// write adds events for a stream, which belong to account; several writes to one stream keep
// their order.
func (u *Unit) write(account, stream string, events ...eventstore.Event) {
	if len(events) == 0 {
		return
	}
	for i := range u.writes {
		if u.writes[i].stream == stream {
			if u.writes[i].account == "" { // a stream checked first, then written
				u.writes[i].account = account
			}
			u.writes[i].events = append(u.writes[i].events, events...)
			return
		}
	}
	u.writes = append(u.writes, pending{stream: stream, account: account, events: events})
}

// Check makes the commit depend on a stream that was read but is not written: if it changed
// since, the decision is made again.
func (u *Unit) Check(stream string) {
	for _, w := range u.writes {
		if w.stream == stream {
			return
		}
	}
	u.writes = append(u.writes, pending{stream: stream})
}

// Committed is where a unit's writes left each stream.
type Committed map[string]Result

// outcomeOf classifies a commit's result for Observe.
func outcomeOf(done Committed, err error, retry bool) Outcome {
	switch {
	case err == nil && len(done) == 0:
		return Unchanged
	case err == nil:
		return Appended
	case errors.Is(err, eventstore.ErrConcurrency) && retry:
		return Retried
	case errors.Is(err, eventstore.ErrConcurrency):
		return Conflict
	}
	return Failed
}

// Transact runs decide on a fresh unit and commits what it wrote. On a concurrency conflict it
// decides again (when retry is set), a bounded number of times, pausing a random moment that
// honours ctx. A decision that refuses (an error) or writes nothing stores nothing.
func (h *Handler) Transact(ctx context.Context, origin Origin, retry bool, decide func(*Unit) error) (Committed, error) {
	var conflict error
	for attempt := range MaxAttempts {
		u := &Unit{h: h, heads: map[string]head{}, retry: attempt > 0}
		if err := decide(u); err != nil {
			h.observed(Refused)
			return nil, err
		}
		done, err := h.commit(ctx, origin, u)
		if grantChanged(origin, err) {
			h.observed(Refused)
			return nil, fmt.Errorf("%w: %w", access.ErrGrantNotLive, err)
		}
		// The last attempt's conflict is not retried: it is the caller's conflict.
		h.observed(outcomeOf(done, err, retry && attempt < MaxAttempts-1))
		if !errors.Is(err, eventstore.ErrConcurrency) || !retry {
			return done, err
		}
		conflict = err
		// A short random pause spreads writers that collided, so they do not collide again.
		if err := sleep(ctx, time.Duration(rand.Int64N(int64(2*time.Millisecond)<<attempt))); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("gave up after %d attempts: %w", MaxAttempts, conflict)
}

// grantChanged reports whether an append failed because the support grant its agent acted
// under changed (was revoked or recorded as ended) since the request began: no retry helps.
func grantChanged(origin Origin, err error) bool {
	var conflict *eventstore.ConflictError
	return origin.Principal.Grant.Stream != "" && errors.As(err, &conflict) && conflict.Stream == origin.Principal.Grant.Stream
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ErrNoAccount guards the audit trail: every event names the account it belongs to.
var ErrNoAccount = errors.New("event without an account")

// commit encodes the unit's events with metadata from origin and appends them all at once.
func (h *Handler) commit(ctx context.Context, origin Origin, u *Unit) (Committed, error) {
	events := 0
	for _, w := range u.writes {
		events += len(w.events)
	}
	if events == 0 {
		return Committed{}, nil
	}
	if g := origin.Principal.Grant; g.Stream != "" {
		u.read(g.Stream, g.Revision, true)
		u.Check(g.Stream)
	}
	meta := eventstore.Metadata{
		Actor:         origin.Principal.Actor(),
		CorrelationID: origin.CorrelationID,
		CausationID:   origin.CausationID,
		SupportGrant:  origin.Principal.Grant.ID,
		OccurredAt:    h.now().UTC(),
	}
	if meta.CorrelationID == "" {
		meta.CorrelationID = uuid.NewString()
	}
	if meta.CausationID == "" {
		meta.CausationID = meta.CorrelationID
	}
	writes := make([]eventstore.StreamWrite, len(u.writes))
	for i, w := range u.writes {
		expected := eventstore.NoStream
		if hd, ok := u.heads[w.stream]; ok && hd.exists {
			expected = eventstore.Exact(hd.revision)
		}
		writes[i] = eventstore.StreamWrite{Stream: w.stream, Expected: expected}
		if len(w.events) > 0 && w.account == "" {
			return nil, fmt.Errorf("%s: %w", w.stream, ErrNoAccount)
		}
		m := meta
		m.AccountID = w.account
		for _, e := range w.events {
			typ, payload, err := h.codec.Encode(e)
			if err != nil {
				return nil, err
			}
			writes[i].Events = append(writes[i].Events, eventstore.EventData{ID: uuid.New(), Type: typ, Data: payload, Metadata: m})
		}
	}
	results, err := h.store.AppendMulti(ctx, writes...)
	if err != nil {
		return nil, err
	}
	done := Committed{}
	for i, w := range u.writes {
		if len(w.events) > 0 {
			done[w.stream] = Result{Stream: w.stream, Revision: results[i].Revision, Position: results[i].Position}
		}
	}
	return done, nil
}

// Last returns the result of the write that reached furthest in the global order: what a caller
// waits for to read its own writes.
func (c Committed) Last() Result {
	var out Result
	for _, r := range c {
		if r.Position.Compare(out.Position) > 0 {
			out = r
		}
	}
	return out
}

// Of returns where the unit left stream (unchanged when it wrote nothing there), with the
// position of the unit's furthest write, so that a caller waiting for it sees all of the unit.
func (c Committed) Of(stream string, unchanged Result) Result {
	r, ok := c[stream]
	if !ok {
		return unchanged
	}
	r.Position = c.Last().Position
	return r
}

// RevisionMismatch reports a conflict met by a command that named the revision it expects
// (If-Match) as ErrRevisionMismatch: such a command is never decided again.
func RevisionMismatch(err error, ifRevision *uint64) error {
	if ifRevision != nil && errors.Is(err, eventstore.ErrConcurrency) && !errors.Is(err, ErrRevisionMismatch) {
		return fmt.Errorf("%w: %w", ErrRevisionMismatch, err)
	}
	return err
}
