package esdbtest

import (
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Expected versions as EventStoreDB encodes them internally: a revision (>= 0) or one of these.
// Keeping its encoding lets the commit check below read like the server's own
// (IndexCommitter.CheckCommit).
const (
	expectAny          int64 = -2
	expectNoStream     int64 = -1
	expectStreamExists int64 = -4
)

// record is one stored event. Records never change once written, so readers share them.
type record struct {
	id          uuid.UUID
	stream      string
	revision    uint64
	position    uint64 // commit and prepare position: one node, one log
	eventType   string
	contentType string
	created     time.Time
	data        []byte
	metadata    []byte // the user ("custom") metadata
}

// proposed is an event as an append request carries it.
type proposed struct {
	id          uuid.UUID
	eventType   string
	contentType string
	data        []byte
	metadata    []byte
}

// outcome of an append.
type outcome struct {
	// wrong is set when the expected version did not hold; current is then the stream's last
	// revision, -1 when the stream does not exist.
	wrong   bool
	current int64
	// last is the batch's last event: the new one, or for a retried (idempotent) append the one
	// stored before. Nil for an empty batch.
	last *record
}

// eventLog is the store behind the server: every event of every stream in one log ordered by
// position, as in a single EventStoreDB node. It outlives the gRPC server across restarts.
type eventLog struct {
	mu      sync.Mutex
	records []*record
	streams map[string][]*record
	// byID models EventStoreDB's cache of committed event IDs that makes appends with expected
	// version "any" idempotent. The server's cache is bounded (best effort); this one never forgets.
	byID map[uuid.UUID]*record
	// end is the position the next record is written at. Positions are byte-offset-like: they
	// grow by each record's size, so clients cannot mistake them for counters.
	end uint64
	// grown is closed and replaced by every append, waking live subscriptions.
	grown chan struct{}
	// lag is how many of the log's last records reads do not see yet: a follower node that has
	// not replicated them, which reads may be served from (see Server.SetFollowerLag).
	lag int
}

// firstPosition is where the log's first record sits, after the chunk header a real log has.
const firstPosition = 128

func newEventLog() *eventLog {
	return &eventLog{
		streams: map[string][]*record{},
		byID:    map[uuid.UUID]*record{},
		end:     firstPosition,
		grown:   make(chan struct{}),
	}
}

// append writes events to stream if expected holds, following EventStoreDB's commit check:
// with a revision or "no stream" expected, events that match, ID for ID, the ones stored right
// after that revision make the append a retry that answers with the stored result; with "any" or
// "stream exists" the cache of committed IDs decides, and a first ID stored in another stream (or
// not at all) makes a new append. A batch that is only partly a retry is a wrong expected version.
func (l *eventLog) append(stream string, expected int64, events []proposed, now time.Time) outcome {
	l.mu.Lock()
	defer l.mu.Unlock()

	stored := l.streams[stream]
	current := int64(len(stored)) - 1
	wrong := outcome{wrong: true, current: current}

	if len(events) == 0 {
		if !versionHolds(expected, current) {
			return wrong
		}
		return outcome{current: current}
	}
	if expected == expectStreamExists && current < 0 {
		return wrong
	}
	if expected == expectAny || expected == expectStreamExists {
		var last *record
		for i, e := range events {
			r, ok := l.byID[e.id]
			if !ok || r.stream != stream {
				if i == 0 {
					return l.write(stream, events, now)
				}
				return wrong // corrupted idempotency
			}
			last = r
		}
		return outcome{current: current, last: last}
	}
	if expected < current {
		for i, e := range events {
			revision := expected + 1 + int64(i)
			if revision > current || stored[revision].id != e.id {
				return wrong // a first mismatch, or corrupted idempotency after a match
			}
		}
		return outcome{current: current, last: stored[expected+int64(len(events))]}
	}
	if expected > current {
		return wrong
	}
	return l.write(stream, events, now)
}

// versionHolds is the plain expected-version check, without idempotency.
func versionHolds(expected, current int64) bool {
	switch expected {
	case expectAny:
		return true
	case expectStreamExists:
		return current >= 0
	}
	return expected == current
}

// write appends events to stream; l.mu is held.
func (l *eventLog) write(stream string, events []proposed, now time.Time) outcome {
	stored := l.streams[stream]
	var last *record
	for _, e := range events {
		last = &record{
			id:          e.id,
			stream:      stream,
			revision:    uint64(len(stored)),
			position:    l.end,
			eventType:   e.eventType,
			contentType: e.contentType,
			created:     now,
			data:        e.data,
			metadata:    e.metadata,
		}
		l.end += recordSize(last)
		stored = append(stored, last)
		l.records = append(l.records, last)
		l.byID[e.id] = last
	}
	l.streams[stream] = stored
	close(l.grown)
	l.grown = make(chan struct{})
	return outcome{current: int64(last.revision), last: last}
}

// recordSize approximates the bytes a prepare record takes in a transaction file.
func recordSize(r *record) uint64 {
	const header = 96
	return uint64(header + len(r.stream) + len(r.eventType) + len(r.contentType) + len(r.data) + len(r.metadata))
}

// allRecords returns the whole log in position order.
func (l *eventLog) allRecords() []*record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.records[:len(l.records):len(l.records)]
}

// setLag sets how many of the last records reads leave out.
func (l *eventLog) setLag(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lag = max(n, 0)
}

// followerAll is allRecords as a follower lagging by l.lag records has them.
func (l *eventLog) followerAll() []*record {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := max(len(l.records)-l.lag, 0)
	return l.records[:n:n]
}

// followerStream is streamRecords as a follower lagging by l.lag records has them.
func (l *eventLog) followerStream(stream string) ([]*record, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	stored := l.streams[stream]
	n := len(stored)
	if visible := len(l.records) - l.lag; visible < len(l.records) {
		var end uint64 // the position of the first record the follower lacks
		if visible > 0 {
			end = l.records[visible].position
		}
		n = sort.Search(len(stored), func(i int) bool { return stored[i].position >= end })
	}
	return stored[:n:n], n > 0
}

// tail returns the log from index next on, and a channel closed by the next append, taken
// together so that a subscription waiting on it misses nothing.
func (l *eventLog) tail(next int) ([]*record, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if next > len(l.records) {
		next = len(l.records)
	}
	return l.records[next:len(l.records):len(l.records)], l.grown
}

// streamTail is tail for one stream, from revision next on.
func (l *eventLog) streamTail(stream string, next uint64) ([]*record, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	stored := l.streams[stream]
	if next > uint64(len(stored)) {
		next = uint64(len(stored))
	}
	return stored[next:len(stored):len(stored)], l.grown
}

// length returns the number of records in the log and in stream.
func (l *eventLog) length(stream string) (all int, inStream uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.records), uint64(len(l.streams[stream]))
}

// indexAfter returns the index of the first record of records (in position order) whose
// position is greater than position.
func indexAfter(records []*record, position uint64) int {
	return sort.Search(len(records), func(i int) bool { return records[i].position > position })
}

// indexFrom returns the index of the first record at or after position.
func indexFrom(records []*record, position uint64) int {
	return sort.Search(len(records), func(i int) bool { return records[i].position >= position })
}
