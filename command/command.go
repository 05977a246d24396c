// Package command is the core of the application layer: it turns a command into events. A
// command is one unit of work: it loads the streams it decides on through a typed Repository,
// asks the pure domain to decide, and stages the events; Handler.Transact appends them all at
// once, each stream at the revision read, and on a concurrency conflict decides again on fresh
// state. Every event leaves with the account it belongs to and the Origin that caused it.
// Each bounded context has its own command package (accounts/accountcmd, identity/identitycmd)
// built on this one.
package command

import (
	"time"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/eventstore"
)

// Origin says who issued a command and in answer to what; it becomes every event's metadata,
// and its principal is who the command handler authorizes.
type Origin struct {
	Principal     access.Principal
	CorrelationID string // the request that started it all
	CausationID   string // the message that directly caused this command
}

// By returns the origin of a command p issues in answer to request correlation.
func By(p access.Principal, correlation string) Origin {
	return Origin{Principal: p, CorrelationID: correlation, CausationID: correlation}
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

// MaxAttempts bounds the reload-and-decide loop under contention.
const MaxAttempts = 8

// Handler holds what every command needs: the store, the codec, the clock, the states kept of
// streams loaded lately, and an observer of outcomes.
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

// Store is the event store the handler appends to, for the reads a decision needs beyond its
// streams (the last event of a stream, to date a reservation).
func (h *Handler) Store() eventstore.Store { return h.store }

// Now is the handler's clock.
func (h *Handler) Now() time.Time { return h.now() }

// SetClock replaces the clock (tests that move time).
func (h *Handler) SetClock(now func() time.Time) { h.now = now }

// Outcome is what became of one decision of a unit of work, as an observer (metrics) counts it.
type Outcome string

const (
	// Appended: the decision's events are stored.
	Appended Outcome = "appended"
	// Unchanged: the decision wrote nothing (the command changed nothing), so nothing was stored.
	Unchanged Outcome = "unchanged"
	// Retried: a stream read changed before the commit; the command is decided again.
	Retried Outcome = "retried"
	// Conflict: a stream read changed and the command is not decided again (it named the revision
	// it expects, or the attempts ran out).
	Conflict Outcome = "conflict"
	// Refused: the decision refused the command (a domain error, or a failed read before it).
	Refused Outcome = "refused"
	// Failed: the store did not take the events (unavailable, or another error).
	Failed Outcome = "failed"
)

// Observe sets a function told the outcome of every decision Transact makes, so that a metrics
// adapter counts them without the command logic knowing it. Call it before the handler serves.
func (h *Handler) Observe(fn func(Outcome)) { h.observe = fn }

func (h *Handler) observed(o Outcome) {
	if h.observe != nil {
		h.observe(o)
	}
}

// AsEvents converts a slice of an aggregate's events into the store's event interface.
func AsEvents[E eventstore.Event](events []E) []eventstore.Event {
	out := make([]eventstore.Event, len(events))
	for i, e := range events {
		out[i] = e
	}
	return out
}

// Service returns the origin of the service's own work named name (bootstrap, a background job):
// its principal acts everywhere, and its events name it as "service:<name>".
func Service(name string) Origin { return Origin{Principal: access.ServicePrincipal(name)} }
