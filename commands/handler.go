// Package commands is the application layer: it turns a command into events. Each handler loads
// the aggregate's stream, folds it into state, asks the pure domain to decide, and appends the new
// events with the revision it read as the expected revision, so a concurrent writer is detected
// and the decision made again on fresh state.
package commands

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/camcloud/accounts/eventstore"
	"github.com/google/uuid"
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
var ErrRevisionMismatch = errors.New("the resource changed since it was read")

// maxAttempts bounds the reload-and-decide loop under contention.
const maxAttempts = 8

// Handler holds what every command needs.
type Handler struct {
	store eventstore.Store
	codec *eventstore.Codec
	now   func() time.Time
}

// NewHandler returns a handler on store that encodes events with codec.
func NewHandler(store eventstore.Store, codec *eventstore.Codec) *Handler {
	return &Handler{store: store, codec: codec, now: time.Now}
}

// stream is an aggregate's stream as loaded: its folded state, revision and last position.
type stream[S any] struct {
	name     string
	state    S
	revision uint64
	exists   bool
	position eventstore.Position
}

func (s stream[S]) expected() eventstore.ExpectedRevision {
	if !s.exists {
		return eventstore.NoStream
	}
	return eventstore.Exact(s.revision)
}

// load reads a whole stream and folds it.
func load[S any](ctx context.Context, h *Handler, name string, initial S, apply func(S, eventstore.Event) S) (stream[S], error) {
	s := stream[S]{name: name, state: initial}
	const page = 500
	for from := uint64(0); ; {
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
			return s, nil
		}
		from = s.revision + 1
	}
}

// update loads a stream, decides and appends; on a concurrency conflict it loads and decides
// again, a bounded number of times. With ifRevision set it appends only at that revision and never
// retries. A decision with no events changes nothing and reports the stream as it is.
func update[S any](ctx context.Context, h *Handler, origin Origin, account, name string, initial S,
	apply func(S, eventstore.Event) S, ifRevision *uint64, decide func(S) ([]eventstore.Event, error),
) (Result, error) {
	var conflict error
	for attempt := range maxAttempts {
		s, err := load(ctx, h, name, initial, apply)
		if err != nil {
			return Result{}, err
		}
		if ifRevision != nil && (!s.exists || s.revision != *ifRevision) {
			return Result{}, fmt.Errorf("%s is at revision %d, not %d: %w", name, s.revision, *ifRevision, ErrRevisionMismatch)
		}
		events, err := decide(s.state)
		if err != nil {
			return Result{}, err
		}
		if len(events) == 0 {
			return Result{Stream: name, Revision: s.revision, Position: s.position}, nil
		}
		res, err := h.append(ctx, origin, account, name, s.expected(), events)
		switch {
		case errors.Is(err, eventstore.ErrConcurrency) && ifRevision != nil:
			return Result{}, fmt.Errorf("%w: %w", ErrRevisionMismatch, err)
		case errors.Is(err, eventstore.ErrConcurrency):
			conflict = err
			// A short random pause spreads writers that collided, so they do not collide again.
			time.Sleep(time.Duration(rand.Int64N(int64(2*time.Millisecond) << attempt)))
			continue
		}
		return res, err
	}
	return Result{}, fmt.Errorf("gave up after %d attempts: %w", maxAttempts, conflict)
}

// append encodes events with metadata from origin and appends them.
func (h *Handler) append(ctx context.Context, origin Origin, account, name string, expected eventstore.ExpectedRevision, events []eventstore.Event) (Result, error) {
	meta := eventstore.Metadata{
		Actor:         origin.Actor,
		AccountID:     account,
		CorrelationID: origin.CorrelationID,
		CausationID:   origin.CausationID,
		OccurredAt:    h.now().UTC(),
	}
	if meta.CorrelationID == "" {
		meta.CorrelationID = uuid.NewString()
	}
	if meta.CausationID == "" {
		meta.CausationID = meta.CorrelationID
	}
	data := make([]eventstore.EventData, len(events))
	for i, e := range events {
		typ, payload, err := h.codec.Encode(e)
		if err != nil {
			return Result{}, err
		}
		data[i] = eventstore.EventData{ID: uuid.New(), Type: typ, Data: payload, Metadata: meta}
	}
	r, err := h.store.Append(ctx, name, expected, data...)
	if err != nil {
		return Result{}, err
	}
	return Result{Stream: name, Revision: r.Revision, Position: r.Position}, nil
}
