// Package eventstore holds the port every event store adapter implements: streams of events
// appended with optimistic concurrency, a global order over all streams, and a catch-up
// subscription that turns live. Adapters live in subfolders (postgres, memory, esdb) and all pass
// the conformance suite in storetest.
package eventstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/domain/fault"
)

// Store is the event store port.
type Store interface {
	// Append writes events to the end of a stream if the stream's current revision matches
	// expected. Re-appending events whose IDs are already stored in that stream is a no-op that
	// reports where they were stored.
	Append(ctx context.Context, stream string, expected ExpectedRevision, events ...EventData) (AppendResult, error)
	// AppendMulti appends to several streams as one: either every write's expectation holds and
	// all of its events are stored, or nothing is (the first failing stream's *ConflictError).
	// Its events take consecutive global positions in the order of writes. A write without
	// events only checks its stream. Results match writes by index; a check-only write reports
	// the stream's current revision. Re-appending writes whose event IDs are all stored is a
	// no-op, as for Append.
	AppendMulti(ctx context.Context, writes ...StreamWrite) ([]AppendResult, error)
	// ReadStream reads up to limit events of a stream starting at revision from, in the given
	// direction. Backwards with from == End starts at the last event. A stream that does not exist
	// reads as empty.
	ReadStream(ctx context.Context, stream string, from uint64, dir Direction, limit int) ([]RecordedEvent, error)
	// ReadAll reads up to limit events of all streams in global order. Forwards it returns events
	// strictly after from (Start reads from the beginning); backwards it returns events strictly
	// before from (End reads from the last event).
	ReadAll(ctx context.Context, from Position, dir Direction, limit int) ([]RecordedEvent, error)
	// Subscribe delivers every event after position from, in global order and exactly once,
	// first the stored ones, then live ones as they commit. It blocks until ctx is done (returns
	// ctx.Err()) or handle returns an error (returns that error).
	Subscribe(ctx context.Context, from Position, handle func(context.Context, RecordedEvent) error) error
}

// End, as a revision for ReadStream, means the last event of the stream.
const End = ^uint64(0)

// Direction of a read.
type Direction int

const (
	Forwards Direction = iota
	Backwards
)

// EventData is an event as written by a command handler.
type EventData struct {
	ID       uuid.UUID
	Type     string // e.g. "account.created.v1"
	Data     []byte // JSON
	Metadata Metadata
}

// Metadata travels with every event. It says who caused the event and why, so that an auditor
// replaying an account's history can follow each change back to its request.
type Metadata struct {
	Actor         string `json:"actor,omitempty"`
	AccountID     string `json:"account_id,omitempty"`
	CorrelationID string `json:"correlation_id,omitempty"`
	CausationID   string `json:"causation_id,omitempty"`
	// SupportGrant is the support grant a support agent (the Actor) acted under.
	SupportGrant string    `json:"support_grant,omitempty"`
	OccurredAt   time.Time `json:"occurred_at"`
}

// RecordedEvent is an event as stored.
type RecordedEvent struct {
	EventData
	Stream     string
	Revision   uint64
	Position   Position
	RecordedAt time.Time
}

// AppendResult tells where an append left the stream and the global order.
type AppendResult struct {
	// Revision is the stream's revision after the append (the last event's revision).
	Revision uint64
	// Position is the global position of the last appended event.
	Position Position
}

// Position is a point in the global order of all events. EventStoreDB names an event's place in
// its log with a commit and a prepare position; stores with a single counter use the same value
// for both. Positions compare by commit, then prepare.
type Position struct {
	Commit  uint64
	Prepare uint64
}

// Start is the position before the first event.
var Start = Position{}

// End, as a position for a backwards ReadAll, means after the last event.
var EndOfAll = Position{Commit: ^uint64(0), Prepare: ^uint64(0)}

// Compare returns -1, 0 or +1 as p is before, equal to or after q.
func (p Position) Compare(q Position) int {
	switch {
	case p.Commit < q.Commit:
		return -1
	case p.Commit > q.Commit:
		return 1
	case p.Prepare < q.Prepare:
		return -1
	case p.Prepare > q.Prepare:
		return 1
	}
	return 0
}

// String formats a position as "commit" when both parts are equal, else "commit/prepare".
// ParsePosition reads both forms.
func (p Position) String() string {
	if p.Commit == p.Prepare {
		return strconv.FormatUint(p.Commit, 10)
	}
	return strconv.FormatUint(p.Commit, 10) + "/" + strconv.FormatUint(p.Prepare, 10)
}

// ParsePosition parses the output of Position.String.
func ParsePosition(s string) (Position, error) {
	commit, prepare, found := strings.Cut(s, "/")
	c, err := strconv.ParseUint(commit, 10, 64)
	if err != nil {
		return Position{}, fmt.Errorf("parse position %q: %w", s, ErrInvalidPosition)
	}
	if !found {
		return Position{Commit: c, Prepare: c}, nil
	}
	p, err := strconv.ParseUint(prepare, 10, 64)
	if err != nil {
		return Position{}, fmt.Errorf("parse position %q: %w", s, ErrInvalidPosition)
	}
	return Position{Commit: c, Prepare: p}, nil
}

// ErrInvalidPosition is returned for a position that cannot be parsed.
var ErrInvalidPosition = errors.New("invalid position")

// ExpectedRevision is the optimistic-concurrency condition of an append.
type ExpectedRevision struct {
	kind     expectation
	revision uint64
}

type expectation int

const (
	expectAny expectation = iota
	expectNoStream
	expectStreamExists
	expectExact
)

var (
	// Any appends whatever the stream's state.
	Any = ExpectedRevision{kind: expectAny}
	// NoStream appends only if the stream does not exist yet.
	NoStream = ExpectedRevision{kind: expectNoStream}
	// StreamExists appends only if the stream has at least one event.
	StreamExists = ExpectedRevision{kind: expectStreamExists}
)

// Exact appends only if the stream's last event has this revision.
func Exact(revision uint64) ExpectedRevision {
	return ExpectedRevision{kind: expectExact, revision: revision}
}

// IsAny, IsNoStream, IsStreamExists and Revision let adapters map the expectation to their own.
func (e ExpectedRevision) IsAny() bool          { return e.kind == expectAny }
func (e ExpectedRevision) IsNoStream() bool     { return e.kind == expectNoStream }
func (e ExpectedRevision) IsStreamExists() bool { return e.kind == expectStreamExists }

// Revision returns the exact revision expected, and false if the expectation is not exact.
func (e ExpectedRevision) Revision() (uint64, bool) {
	return e.revision, e.kind == expectExact
}

// Check reports whether a stream whose last revision is current (exists false when the stream
// has no event) satisfies the expectation; adapters that check it themselves use it.
func (e ExpectedRevision) Check(current uint64, exists bool) bool {
	switch e.kind {
	case expectNoStream:
		return !exists
	case expectStreamExists:
		return exists
	case expectExact:
		return exists && current == e.revision
	}
	return true
}

func (e ExpectedRevision) String() string {
	switch e.kind {
	case expectNoStream:
		return "no stream"
	case expectStreamExists:
		return "stream exists"
	case expectExact:
		return "revision " + strconv.FormatUint(e.revision, 10)
	}
	return "any"
}

// ErrConcurrency is matched (errors.Is) by every *ConflictError.
var ErrConcurrency = fault.New(fault.Conflict, "wrong expected revision")

// ConflictError is returned by Append when the stream is not at the expected revision.
type ConflictError struct {
	Stream   string
	Expected ExpectedRevision
	// Actual is the stream's last revision; meaningful only when Exists.
	Actual uint64
	Exists bool
}

func (e *ConflictError) Error() string {
	actual := "no stream"
	if e.Exists {
		actual = "revision " + strconv.FormatUint(e.Actual, 10)
	}
	return fmt.Sprintf("append to %s: expected %s, found %s", e.Stream, e.Expected, actual)
}

func (e *ConflictError) Is(target error) bool { return target == ErrConcurrency }

// Kind makes every *ConflictError a fault.Conflict, like ErrConcurrency.
func (e *ConflictError) Kind() fault.Kind { return fault.Conflict }

// ErrUnavailable is matched by errors of a store that cannot be reached right now (the server is
// down, restarting or failing over): a retry later may succeed.
var ErrUnavailable = fault.New(fault.Unavailable, "event store unavailable")

// ErrInvalidAppend is returned for an append that no store could accept: no events, an event
// without ID or type, or data that is not JSON.
var ErrInvalidAppend = errors.New("invalid append")

// ErrIdempotency is returned when some, but not all, of an append's event IDs are already stored,
// or (in adapters that index event IDs across streams) they are stored in another stream: the
// request is neither new nor a retry.
var ErrIdempotency = errors.New("event IDs partly or elsewhere stored")

// ErrPermanent is matched by errors a retry cannot cure (access denied, unauthenticated): a
// subscription that meets one stops instead of retrying, and the service reports itself not
// ready until an operator fixes the cause.
var ErrPermanent = errors.New("permanent event store failure")
