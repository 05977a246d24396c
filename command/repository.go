package command

import (
	"context"
	"fmt"
	"sync"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/eventstore"
)

// Aggregate says how one aggregate type lives in the store: the category of its streams
// ("account" names account-<id>), how an event of its own changes its state, and which account
// its events belong to.
type Aggregate[S any, E eventstore.Event] struct {
	Category string
	Apply    func(S, E) S
	// Account is the account the aggregate's events belong to, read from its state after them:
	// a decision cannot stage an event without one. Nil for aggregates staged with StageIn.
	Account func(S) string
	// Keep lets the handler keep the folded state between commands, so that loading the stream
	// again reads only the events after it. Only for states that are plain values, or whose
	// Apply copies a slice or map before changing it: otherwise the kept copy and every fold
	// from it would share one.
	Keep bool
	// Weight is what a kept state costs, in entries of its maps (a recorder's cameras); nil
	// counts 1. The kept states of a handler together weigh at most maxSnapshotWeight.
	Weight func(S) int
}

// Repository loads, folds and stages one aggregate type. It is a small value: make one per
// aggregate type when the context's handlers are built.
type Repository[S any, E eventstore.Event] struct {
	h *Handler
	a Aggregate[S, E]
}

// NewRepository returns the repository of aggregate a on h.
func NewRepository[S any, E eventstore.Event](h *Handler, a Aggregate[S, E]) Repository[S, E] {
	return Repository[S, E]{h: h, a: a}
}

// Handler is the handler the repository appends through.
func (r Repository[S, E]) Handler() *Handler { return r.h }

// Stream names the stream of the aggregate id.
func (r Repository[S, E]) Stream(id string) string { return eventstore.StreamName(r.a.Category, id) }

// Stream is an aggregate's stream as loaded: its folded state, revision and last position.
type Stream[S any] struct {
	Name     string
	State    S
	Revision uint64
	Exists   bool
	Position eventstore.Position
}

// Result is where the stream stands as loaded: what a command that changed nothing answers.
func (s Stream[S]) Result() Result {
	return Result{Stream: s.Name, Revision: s.Revision, Position: s.Position}
}

// Load reads the stream of id and folds it; for a kept state it reads only the events after it.
func (r Repository[S, E]) Load(ctx context.Context, id string) (Stream[S], error) {
	name := r.Stream(id)
	var zero S
	s := Stream[S]{Name: name, State: zero}
	from := uint64(0)
	if r.a.Keep {
		if kept, ok := r.h.snapshots.get(name); ok {
			if state, ok := kept.state.(S); ok {
				s.State, s.Revision, s.Exists, s.Position = state, kept.revision, true, kept.position
				from = kept.revision + 1
			}
		}
	}
	const page = 500
	for {
		events, err := r.h.store.ReadStream(ctx, name, from, eventstore.Forwards, page)
		if err != nil {
			return s, fmt.Errorf("load %s: %w", name, err)
		}
		for _, recorded := range events {
			e, err := r.h.codec.Decode(recorded.Type, recorded.Data)
			if err != nil {
				return s, fmt.Errorf("load %s: %w", name, err)
			}
			if own, ok := e.(E); ok {
				s.State = r.a.Apply(s.State, own)
			}
			s.Revision, s.Exists, s.Position = recorded.Revision, true, recorded.Position
		}
		if len(events) < page {
			r.keep(s)
			return s, nil
		}
		from = s.Revision + 1
	}
}

// LoadInto loads the stream of id within u, which remembers the revision read: the unit commits
// only if the stream is still there then.
func (r Repository[S, E]) LoadInto(ctx context.Context, u *Unit, id string) (Stream[S], error) {
	s, err := r.Load(ctx, id)
	if err != nil {
		return s, err
	}
	u.read(s.Name, s.Revision, s.Exists)
	return s, nil
}

// LoadKept is LoadInto for a stream the unit reads but does not write, at the cost of no read:
// the state kept from an earlier load, made a condition of the unit's append, so that a stream
// changed since then fails the append and the decision made again reads it. A stream with
// nothing kept (or an aggregate that keeps nothing) is loaded.
func (r Repository[S, E]) LoadKept(ctx context.Context, u *Unit, id string) (Stream[S], error) {
	name := r.Stream(id)
	if r.a.Keep && !u.retry {
		if kept, ok := r.h.snapshots.get(name); ok {
			if state, ok := kept.state.(S); ok {
				u.read(name, kept.revision, true)
				u.Check(name)
				return Stream[S]{Name: name, State: state, Revision: kept.revision, Exists: true, Position: kept.position}, nil
			}
		}
	}
	s, err := r.LoadInto(ctx, u, id)
	if err != nil {
		return s, err
	}
	u.Check(name)
	return s, nil
}

// Absent makes the unit's commit depend on id's stream not existing, at the cost of no read: a
// stream that exists by then fails the append, and the decision made again loads it.
func (r Repository[S, E]) Absent(u *Unit, id string) {
	name := r.Stream(id)
	u.read(name, 0, false)
	u.Check(name)
}

// New is the stream of an aggregate id that the unit creates without reading it: the commit
// fails if the stream exists by then.
func (r Repository[S, E]) New(id string) Stream[S] {
	var zero S
	return Stream[S]{Name: r.Stream(id), State: zero}
}

// Stage adds events for the aggregate s to u, attributed to the aggregate's account after them,
// and returns that state.
func (r Repository[S, E]) Stage(u *Unit, s Stream[S], events ...E) S {
	after := s.State
	for _, e := range events {
		after = r.a.Apply(after, e)
	}
	account := ""
	if r.a.Account != nil {
		account = r.a.Account(after)
	}
	u.write(account, s.Name, AsEvents(events)...)
	return after
}

// StageIn adds events for the aggregate s to u, attributed to account: for aggregates whose state
// does not know its account (a reservation of a name is system-wide; its events belong to the
// account of who reserves it). An empty account fails the commit.
func (r Repository[S, E]) StageIn(u *Unit, account string, s Stream[S], events ...E) S {
	after := s.State
	for _, e := range events {
		after = r.a.Apply(after, e)
	}
	u.write(account, s.Name, AsEvents(events)...)
	return after
}

// Change is one decision on an existing aggregate.
type Change[S any, E eventstore.Event] struct {
	ID string
	// IfRevision, when set, is the revision the caller read (If-Match): the change is made only
	// at that revision, and never decided again.
	IfRevision *uint64
	// NotFound answers an ID that is not a UUID or a stream that does not exist.
	NotFound error
	// Authorize, when set, decides whether the origin's principal may make the change, on the
	// state loaded; it runs before Decide, on every attempt.
	Authorize func(context.Context, S) error
	// Decide returns the aggregate's events; it may also stage other streams' in u (reservations
	// and memberships that change with it).
	Decide func(u *Unit, state S) ([]E, error)
}

// Update makes a change: load, authorize, decide, append at the revision read; on a conflict it
// loads and decides again, a bounded number of times, unless the change named its revision. A
// decision with no events changes nothing and reports the stream as it is.
func (r Repository[S, E]) Update(ctx context.Context, origin Origin, c Change[S, E]) (Result, error) {
	if _, err := uuid.Parse(c.ID); err != nil {
		return Result{}, c.NotFound
	}
	var (
		loaded Stream[S]
		after  S
	)
	done, err := r.h.Transact(ctx, origin, c.IfRevision == nil, func(u *Unit) error {
		s, err := r.LoadInto(ctx, u, c.ID)
		if err != nil {
			return err
		}
		if !s.Exists {
			return c.NotFound
		}
		if c.Authorize != nil {
			if err := c.Authorize(ctx, s.State); err != nil {
				return err
			}
		}
		if c.IfRevision != nil && s.Revision != *c.IfRevision {
			return fmt.Errorf("%s is at revision %d, not %d: %w", s.Name, s.Revision, *c.IfRevision, ErrRevisionMismatch)
		}
		events, err := c.Decide(u, s.State)
		if err != nil {
			return err
		}
		loaded = s
		after = r.Stage(u, s, events...)
		return nil
	})
	if err != nil {
		return Result{}, RevisionMismatch(err, c.IfRevision)
	}
	res, changed := done[loaded.Name]
	if changed {
		// What was just stored need not be read back by the next command on the stream.
		r.keep(Stream[S]{Name: loaded.Name, State: after, Revision: res.Revision, Exists: true, Position: res.Position})
	}
	return done.Of(loaded.Name, loaded.Result()), nil
}

func (r Repository[S, E]) keep(s Stream[S]) {
	if r.a.Keep && s.Exists {
		weight := 1
		if r.a.Weight != nil {
			weight += r.a.Weight(s.State)
		}
		r.h.snapshots.put(s.Name, snapshot{state: s.State, revision: s.Revision, position: s.Position, weight: weight})
	}
}

// snapshots keeps the folded state of streams loaded lately, so that loading one again reads and
// decodes only the events after the revision kept, not its whole history. Every append names
// the revision read (LoadKept's too, which skips the read), so a kept state is never trusted: a
// stream moved in another process fails the append, and the decision made again reads it.
type snapshots struct {
	mu     sync.Mutex
	m      map[string]snapshot
	weight int // of the states in m
}

type snapshot struct {
	state    any
	revision uint64
	position eventstore.Position
	weight   int
}

// maxSnapshots and maxSnapshotWeight bound the memory kept: an account's state is a few hundred
// bytes, a recorder's or a tree's about a hundred more for each camera or folder it holds.
const (
	maxSnapshots      = 10_000
	maxSnapshotWeight = 1_000_000
)

func (c *snapshots) get(name string) (snapshot, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.m[name]
	return s, ok
}

func (c *snapshots) put(name string, s snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old, ok := c.m[name]
	if ok && old.revision >= s.revision {
		return // a concurrent load kept a later one
	}
	c.weight += s.weight - old.weight
	if len(c.m) >= maxSnapshots || c.weight > maxSnapshotWeight {
		clear(c.m) // rare; the next loads fold from the start once
		c.weight = s.weight
	}
	c.m[name] = s
}
