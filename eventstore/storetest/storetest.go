// Package storetest is the conformance suite every eventstore.Store adapter runs. A case that
// passes for one adapter and fails for another is a bug in that adapter, never in the suite.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/eventstore"
)

// NewStore returns an empty store that lives until the test ends.
type NewStore func(t *testing.T) eventstore.Store

// Options describe where an adapter may differ from the strictest reading of the port.
type Options struct {
	// StreamScopedEventIDs: the store recognises a re-appended event ID only within its stream
	// (EventStoreDB keeps no global index of event IDs), so an ID stored in one stream can be
	// appended again to another as a new event.
	StreamScopedEventIDs bool
	// NonAtomicMultiAppend: AppendMulti checks every expectation first, then appends stream by
	// stream, so racing writers can each store part of their writes (EventStore-Client-Go v4 has
	// no atomic multi-stream append).
	NonAtomicMultiAppend bool
}

// Run runs the whole suite with the strictest options. Each case gets its own empty store.
func Run(t *testing.T, newStore NewStore) { RunWith(t, newStore, Options{}) }

// RunWith runs the whole suite with opts.
func RunWith(t *testing.T, newStore NewStore, opts Options) {
	cases := []struct {
		name string
		run  func(*testing.T, eventstore.Store)
	}{
		{"AppendToNewStream", testAppendToNewStream},
		{"ExpectedRevision", testExpectedRevision},
		{"IdempotentAppend", func(t *testing.T, s eventstore.Store) { testIdempotentAppend(t, s, opts) }},
		{"InvalidAppend", testInvalidAppend},
		{"RoundTrip", testRoundTrip},
		{"ReadStream", testReadStream},
		{"ReadAll", testReadAll},
		{"SubscribeCatchUpThenLive", testSubscribeCatchUpThenLive},
		{"SubscribeFromPosition", testSubscribeFromPosition},
		{"SubscribeStops", testSubscribeStops},
		{"ConcurrentAppendsWhileSubscribed", testConcurrentAppendsWhileSubscribed},
		{"AppendMulti", testAppendMulti},
	}
	if !opts.NonAtomicMultiAppend {
		cases = append(cases, struct {
			name string
			run  func(*testing.T, eventstore.Store)
		}{"AppendMultiAtomicUnderContention", testAppendMultiAtomicUnderContention}, struct {
			name string
			run  func(*testing.T, eventstore.Store)
		}{"AppendMultiChecksUnderContention", testAppendMultiChecksUnderContention})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.run(t, newStore(t))
		})
	}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Event returns a new event of type "test.happened.v1" with the given payload.
func Event(payload string) eventstore.EventData {
	data, _ := json.Marshal(map[string]string{"payload": payload})
	return eventstore.EventData{
		ID:   uuid.New(),
		Type: "test.happened.v1",
		Data: data,
		Metadata: eventstore.Metadata{
			Actor:         "user-1",
			AccountID:     "account-1",
			CorrelationID: uuid.NewString(),
			CausationID:   uuid.NewString(),
			SupportGrant:  "grant-1",
			OccurredAt:    time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC),
		},
	}
}

func events(n int, prefix string) []eventstore.EventData {
	out := make([]eventstore.EventData, n)
	for i := range out {
		out[i] = Event(fmt.Sprintf("%s-%d", prefix, i))
	}
	return out
}

func stream(prefix string) string { return prefix + "-" + uuid.NewString() }

func mustAppend(t *testing.T, s eventstore.Store, name string, exp eventstore.ExpectedRevision, evs ...eventstore.EventData) eventstore.AppendResult {
	t.Helper()
	r, err := s.Append(ctxFor(t), name, exp, evs...)
	if err != nil {
		t.Fatalf("append to %s (%s): %v", name, exp, err)
	}
	return r
}

func readAll(t *testing.T, s eventstore.Store) []eventstore.RecordedEvent {
	t.Helper()
	var out []eventstore.RecordedEvent
	from := eventstore.Start
	for {
		batch, err := s.ReadAll(ctxFor(t), from, eventstore.Forwards, 100)
		if err != nil {
			t.Fatalf("read all: %v", err)
		}
		out = append(out, batch...)
		if len(batch) < 100 {
			return out
		}
		from = batch[len(batch)-1].Position
	}
}

func ids(evs []eventstore.RecordedEvent) []uuid.UUID {
	out := make([]uuid.UUID, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

func dataIDs(evs []eventstore.EventData) []uuid.UUID {
	out := make([]uuid.UUID, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

func testAppendToNewStream(t *testing.T, s eventstore.Store) {
	name := stream("order")
	first := mustAppend(t, s, name, eventstore.NoStream, events(3, "a")...)
	if first.Revision != 2 {
		t.Errorf("revision after 3 events = %d, want 2", first.Revision)
	}
	second := mustAppend(t, s, name, eventstore.Exact(2), Event("b"))
	if second.Revision != 3 {
		t.Errorf("revision after 4 events = %d, want 3", second.Revision)
	}
	if second.Position.Compare(first.Position) <= 0 {
		t.Errorf("position %v after %v: want increasing", second.Position, first.Position)
	}
}

func testExpectedRevision(t *testing.T, s eventstore.Store) {
	existing := stream("order")
	mustAppend(t, s, existing, eventstore.NoStream, events(2, "x")...) // revision 1

	cases := []struct {
		name     string
		stream   string
		expected eventstore.ExpectedRevision
		conflict bool
		actual   uint64
		exists   bool
	}{
		{"any on missing stream", stream("order"), eventstore.Any, false, 0, false},
		{"no stream on missing stream", stream("order"), eventstore.NoStream, false, 0, false},
		{"stream exists on missing stream", stream("order"), eventstore.StreamExists, true, 0, false},
		{"exact 0 on missing stream", stream("order"), eventstore.Exact(0), true, 0, false},
		{"no stream on existing stream", existing, eventstore.NoStream, true, 1, true},
		{"exact behind on existing stream", existing, eventstore.Exact(0), true, 1, true},
		{"exact ahead on existing stream", existing, eventstore.Exact(5), true, 1, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Append(ctxFor(t), c.stream, c.expected, Event("y"))
			if !c.conflict {
				if err != nil {
					t.Fatalf("append: %v", err)
				}
				return
			}
			var conflict *eventstore.ConflictError
			if !errors.As(err, &conflict) || !errors.Is(err, eventstore.ErrConcurrency) {
				t.Fatalf("append: got %v, want a *ConflictError matching ErrConcurrency", err)
			}
			if conflict.Stream != c.stream || conflict.Exists != c.exists || (c.exists && conflict.Actual != c.actual) {
				t.Errorf("conflict = %+v, want stream %s exists %v actual %d", conflict, c.stream, c.exists, c.actual)
			}
		})
	}
	// The passing cases above: exact, any and stream exists on the existing stream.
	for _, exp := range []eventstore.ExpectedRevision{eventstore.Exact(1), eventstore.Any, eventstore.StreamExists} {
		mustAppend(t, s, existing, exp, Event("z"))
	}
	got, err := s.ReadStream(ctxFor(t), existing, 0, eventstore.Forwards, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Errorf("stream has %d events after 2 + 3 appends, want 5 (refused appends must change nothing)", len(got))
	}
}

func testIdempotentAppend(t *testing.T, s eventstore.Store, opts Options) {
	name := stream("order")
	batch := events(3, "a")
	first := mustAppend(t, s, name, eventstore.NoStream, batch...)

	for _, exp := range []eventstore.ExpectedRevision{eventstore.NoStream, eventstore.Any} {
		again := mustAppend(t, s, name, exp, batch...)
		if again.Revision != first.Revision || again.Position != first.Position {
			t.Errorf("re-append with %s = %+v, want the first result %+v", exp, again, first)
		}
	}
	got, _ := s.ReadStream(ctxFor(t), name, 0, eventstore.Forwards, 100)
	if len(got) != 3 {
		t.Fatalf("stream has %d events after re-appends, want 3", len(got))
	}
	if all := readAll(t, s); len(all) != 3 {
		t.Fatalf("store has %d events after re-appends, want 3", len(all))
	}

	t.Run("partly stored", func(t *testing.T) {
		mixed := []eventstore.EventData{batch[2], Event("new")}
		_, err := s.Append(ctxFor(t), name, eventstore.Any, mixed...)
		if !errors.Is(err, eventstore.ErrIdempotency) && !errors.Is(err, eventstore.ErrConcurrency) {
			t.Fatalf("append of a half-stored batch: %v, want ErrIdempotency or a conflict", err)
		}
	})
	want := 3
	t.Run("stored in another stream", func(t *testing.T) {
		_, err := s.Append(ctxFor(t), stream("order"), eventstore.Any, batch[0])
		switch {
		case opts.StreamScopedEventIDs && err != nil:
			t.Fatalf("append of an event ID stored in another stream: %v, want a new event", err)
		case opts.StreamScopedEventIDs:
			want++
		case err == nil:
			t.Fatal("append of an event ID stored in another stream succeeded")
		}
	})
	if all := readAll(t, s); len(all) != want {
		t.Fatalf("store has %d events after the appends above, want %d", len(all), want)
	}
}

func testInvalidAppend(t *testing.T, s eventstore.Store) {
	noID := Event("a")
	noID.ID = uuid.Nil
	noType := Event("a")
	noType.Type = ""
	notJSON := Event("a")
	notJSON.Data = []byte("{not json")
	nameTwice := Event("a")
	nameTwice.Data = []byte(`{"kind":"customer","kind":"partner"}`)
	badUTF8 := Event("a")
	badUTF8.Data = []byte("{\"name\":\"Ac\xffme\"}")
	twice := Event("a")
	cases := []struct {
		name   string
		stream string
		events []eventstore.EventData
	}{
		{"no events", stream("order"), nil},
		{"empty stream name", "", []eventstore.EventData{Event("a")}},
		{"no ID", stream("order"), []eventstore.EventData{noID}},
		{"no type", stream("order"), []eventstore.EventData{noType}},
		{"data not JSON", stream("order"), []eventstore.EventData{notJSON}},
		{"data with a name twice", stream("order"), []eventstore.EventData{nameTwice}},
		{"data not UTF-8", stream("order"), []eventstore.EventData{badUTF8}},
		{"same ID twice", stream("order"), []eventstore.EventData{twice, twice}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Append(ctxFor(t), c.stream, eventstore.Any, c.events...)
			if !errors.Is(err, eventstore.ErrInvalidAppend) {
				t.Fatalf("got %v, want ErrInvalidAppend", err)
			}
		})
	}
	if all := readAll(t, s); len(all) != 0 {
		t.Fatalf("store has %d events after invalid appends, want 0", len(all))
	}
}

func testRoundTrip(t *testing.T, s eventstore.Store) {
	name := stream("account")
	in := Event("ünïcode ✓")
	in.Data = []byte(`{"name":"Acme \"Cameras\"","nested":{"b":2,"a":[1,2,3]},"ok":true}`)
	before := time.Now().Add(-time.Minute)
	res := mustAppend(t, s, name, eventstore.NoStream, in)

	got, err := s.ReadStream(ctxFor(t), name, 0, eventstore.Forwards, 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("read stream: %d events, %v", len(got), err)
	}
	e := got[0]
	if e.ID != in.ID || e.Type != in.Type || e.Stream != name || e.Revision != 0 || e.Position != res.Position {
		t.Errorf("recorded %+v, want id %s type %s stream %s revision 0 position %v", e, in.ID, in.Type, name, res.Position)
	}
	if !sameJSON(t, e.Data, in.Data) {
		t.Errorf("data = %s, want %s", e.Data, in.Data)
	}
	if !reflect.DeepEqual(normalize(e.Metadata), normalize(in.Metadata)) {
		t.Errorf("metadata = %+v, want %+v", e.Metadata, in.Metadata)
	}
	if e.RecordedAt.Before(before) || e.RecordedAt.After(time.Now().Add(time.Minute)) {
		t.Errorf("recorded at %v, want about now", e.RecordedAt)
	}
	all := readAll(t, s)
	if len(all) != 1 || all[0].ID != in.ID || all[0].Position != res.Position || !sameJSON(t, all[0].Data, in.Data) {
		t.Errorf("read all = %+v, want the one event", all)
	}
}

func normalize(m eventstore.Metadata) eventstore.Metadata {
	m.OccurredAt = m.OccurredAt.UTC()
	return m
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("stored data is not JSON: %v", err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

func testReadStream(t *testing.T, s eventstore.Store) {
	name := stream("order")
	evs := events(5, "a")
	mustAppend(t, s, name, eventstore.NoStream, evs[:2]...)
	mustAppend(t, s, stream("other"), eventstore.NoStream, Event("noise"))
	mustAppend(t, s, name, eventstore.Exact(1), evs[2:]...)

	cases := []struct {
		name  string
		from  uint64
		dir   eventstore.Direction
		limit int
		want  []int // indexes into evs
	}{
		{"all forwards", 0, eventstore.Forwards, 100, []int{0, 1, 2, 3, 4}},
		{"forwards from 2", 2, eventstore.Forwards, 100, []int{2, 3, 4}},
		{"forwards limited", 1, eventstore.Forwards, 2, []int{1, 2}},
		{"forwards past the end", 5, eventstore.Forwards, 100, nil},
		{"backwards from end", eventstore.End, eventstore.Backwards, 100, []int{4, 3, 2, 1, 0}},
		{"backwards from 2", 2, eventstore.Backwards, 100, []int{2, 1, 0}},
		{"backwards limited", eventstore.End, eventstore.Backwards, 1, []int{4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.ReadStream(ctxFor(t), name, c.from, c.dir, c.limit)
			if err != nil {
				t.Fatal(err)
			}
			var want []uuid.UUID
			for _, i := range c.want {
				want = append(want, evs[i].ID)
			}
			if !reflect.DeepEqual(ids(got), append([]uuid.UUID{}, want...)) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("got %v, want %v", ids(got), want)
			}
			for _, e := range got {
				if e.Stream != name {
					t.Errorf("event of stream %s in %s", e.Stream, name)
				}
			}
		})
	}
	t.Run("revisions are consecutive", func(t *testing.T) {
		got, _ := s.ReadStream(ctxFor(t), name, 0, eventstore.Forwards, 100)
		for i, e := range got {
			if e.Revision != uint64(i) {
				t.Errorf("event %d has revision %d", i, e.Revision)
			}
		}
	})
	t.Run("missing stream reads empty", func(t *testing.T) {
		got, err := s.ReadStream(ctxFor(t), stream("nothing"), 0, eventstore.Forwards, 100)
		if err != nil || len(got) != 0 {
			t.Fatalf("got %d events, %v; want none, no error", len(got), err)
		}
	})
}

func testReadAll(t *testing.T, s eventstore.Store) {
	var appended []eventstore.EventData
	for i := range 4 {
		evs := events(i+1, fmt.Sprint("batch", i))
		mustAppend(t, s, stream("order"), eventstore.NoStream, evs...)
		appended = append(appended, evs...)
	}
	all := readAll(t, s)
	if !reflect.DeepEqual(ids(all), dataIDs(appended)) {
		t.Fatalf("read all = %v, want append order %v", ids(all), dataIDs(appended))
	}
	for i := 1; i < len(all); i++ {
		if all[i].Position.Compare(all[i-1].Position) <= 0 {
			t.Fatalf("position %v after %v: want strictly increasing", all[i].Position, all[i-1].Position)
		}
	}
	t.Run("forwards after a position", func(t *testing.T) {
		got, err := s.ReadAll(ctxFor(t), all[3].Position, eventstore.Forwards, 3)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ids(got), ids(all[4:7])) {
			t.Errorf("got %v, want %v", ids(got), ids(all[4:7]))
		}
	})
	t.Run("backwards from the end", func(t *testing.T) {
		got, err := s.ReadAll(ctxFor(t), eventstore.EndOfAll, eventstore.Backwards, 2)
		if err != nil {
			t.Fatal(err)
		}
		want := []uuid.UUID{all[len(all)-1].ID, all[len(all)-2].ID}
		if !reflect.DeepEqual(ids(got), want) {
			t.Errorf("got %v, want %v", ids(got), want)
		}
	})
	t.Run("backwards before a position", func(t *testing.T) {
		got, err := s.ReadAll(ctxFor(t), all[3].Position, eventstore.Backwards, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []uuid.UUID{all[2].ID, all[1].ID, all[0].ID}
		if !reflect.DeepEqual(ids(got), want) {
			t.Errorf("got %v, want %v", ids(got), want)
		}
	})
	t.Run("forwards after the last", func(t *testing.T) {
		got, err := s.ReadAll(ctxFor(t), all[len(all)-1].Position, eventstore.Forwards, 10)
		if err != nil || len(got) != 0 {
			t.Errorf("got %d events, %v; want none", len(got), err)
		}
	})
}

// collector gathers what a subscription delivers.
type collector struct {
	mu     sync.Mutex
	events []eventstore.RecordedEvent
	more   chan struct{}
}

func newCollector() *collector { return &collector{more: make(chan struct{}, 1)} }

func (c *collector) handle(_ context.Context, e eventstore.RecordedEvent) error {
	c.mu.Lock()
	c.events = append(c.events, e)
	c.mu.Unlock()
	select {
	case c.more <- struct{}{}:
	default:
	}
	return nil
}

func (c *collector) snapshot() []eventstore.RecordedEvent {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]eventstore.RecordedEvent(nil), c.events...)
}

// waitFor waits until n events arrived, failing the test after timeout.
func (c *collector) waitFor(t *testing.T, n int, timeout time.Duration) []eventstore.RecordedEvent {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if got := c.snapshot(); len(got) >= n {
			return got
		}
		select {
		case <-c.more:
		case <-deadline:
			t.Fatalf("subscription delivered %d events in %v, want %d", len(c.snapshot()), timeout, n)
		}
	}
}

// subscribe runs a subscription in the background until the test ends.
func subscribe(t *testing.T, s eventstore.Store, from eventstore.Position, c *collector) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Subscribe(ctx, from, c.handle) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("subscription ended with %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("subscription did not stop within 10s of its context's end")
		}
	})
}

func testSubscribeCatchUpThenLive(t *testing.T, s eventstore.Store) {
	before := events(3, "stored")
	mustAppend(t, s, stream("order"), eventstore.NoStream, before...)
	c := newCollector()
	subscribe(t, s, eventstore.Start, c)
	c.waitFor(t, 3, 10*time.Second)

	after := events(2, "live")
	mustAppend(t, s, stream("order"), eventstore.NoStream, after...)
	c.waitFor(t, 5, 10*time.Second)
	want := append(dataIDs(before), dataIDs(after)...)
	time.Sleep(50 * time.Millisecond) // a doubled delivery would show up now
	if got := c.snapshot(); !reflect.DeepEqual(ids(got), want) {
		t.Fatalf("delivered %v, want %v", ids(got), want)
	}
}

func testSubscribeFromPosition(t *testing.T, s eventstore.Store) {
	evs := events(4, "a")
	mustAppend(t, s, stream("order"), eventstore.NoStream, evs[:2]...)
	mid := mustAppend(t, s, stream("order"), eventstore.NoStream, evs[2:]...)
	all := readAll(t, s)

	c := newCollector()
	subscribe(t, s, all[1].Position, c)
	got := c.waitFor(t, 2, 10*time.Second)
	if !reflect.DeepEqual(ids(got), dataIDs(evs[2:])) {
		t.Fatalf("from %v delivered %v, want %v", all[1].Position, ids(got), dataIDs(evs[2:]))
	}
	if got[1].Position != mid.Position {
		t.Errorf("last delivered position %v, want %v", got[1].Position, mid.Position)
	}
}

func testSubscribeStops(t *testing.T, s eventstore.Store) {
	mustAppend(t, s, stream("order"), eventstore.NoStream, events(3, "a")...)
	stop := errors.New("projector failed")
	var calls int
	err := s.Subscribe(ctxFor(t), eventstore.Start, func(context.Context, eventstore.RecordedEvent) error {
		calls++
		if calls == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 2 {
		t.Fatalf("subscribe returned %v after %d calls, want the handler's error after 2", err, calls)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = s.Subscribe(ctx, eventstore.Start, func(context.Context, eventstore.RecordedEvent) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("subscribe returned %v at its deadline, want context.DeadlineExceeded", err)
	}
}

// testConcurrentAppendsWhileSubscribed appends from many goroutines to many streams, with
// conflicts and retries, while a subscription runs from the start. The subscription must deliver
// every committed event exactly once and in strictly increasing position, including events whose
// transactions commit out of the order their positions were taken.
func testConcurrentAppendsWhileSubscribed(t *testing.T, s eventstore.Store) {
	const (
		writers         = 8
		appendsByWriter = 25
		streams         = 5
	)
	names := make([]string, streams)
	for i := range names {
		names[i] = stream("busy")
	}
	c := newCollector()
	subscribe(t, s, eventstore.Start, c)

	var (
		mu        sync.Mutex
		committed = map[uuid.UUID]bool{}
		wg        sync.WaitGroup
		errs      = make(chan error, writers)
	)
	for w := range writers {
		wg.Go(func() {
			ctx := ctxFor(t)
			for i := range appendsByWriter {
				name := names[(w+i)%streams]
				batch := events(1+i%3, fmt.Sprintf("w%d-%d", w, i))
				if err := appendWithRetry(ctx, s, name, batch); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				for _, e := range batch {
					committed[e.ID] = true
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	c.waitFor(t, len(committed), 60*time.Second)
	time.Sleep(100 * time.Millisecond) // a doubled delivery would show up now
	got := c.snapshot()
	seen := map[uuid.UUID]bool{}
	for i, e := range got {
		if seen[e.ID] {
			t.Fatalf("event %s delivered twice", e.ID)
		}
		seen[e.ID] = true
		if !committed[e.ID] {
			t.Fatalf("event %s delivered but never committed", e.ID)
		}
		if i > 0 && e.Position.Compare(got[i-1].Position) <= 0 {
			t.Fatalf("delivery %d at position %v after %v: want strictly increasing", i, e.Position, got[i-1].Position)
		}
	}
	if len(got) != len(committed) {
		t.Fatalf("delivered %d events, committed %d", len(got), len(committed))
	}
	if all := readAll(t, s); !reflect.DeepEqual(ids(all), ids(got)) {
		t.Fatalf("read all and the subscription disagree on the order")
	}
	// Each stream's revisions are consecutive from 0, whatever the interleaving.
	for _, name := range names {
		evs, err := s.ReadStream(ctxFor(t), name, 0, eventstore.Forwards, 10_000)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range evs {
			if e.Revision != uint64(i) {
				t.Fatalf("%s: event %d has revision %d", name, i, e.Revision)
			}
		}
	}
}

// appendWithRetry appends at the stream's current revision, reading it again after a conflict,
// as a command handler does.
func appendWithRetry(ctx context.Context, s eventstore.Store, name string, batch []eventstore.EventData) error {
	for attempt := 0; attempt < 1000; attempt++ {
		last, err := s.ReadStream(ctx, name, eventstore.End, eventstore.Backwards, 1)
		if err != nil {
			return err
		}
		expected := eventstore.NoStream
		if len(last) == 1 {
			expected = eventstore.Exact(last[0].Revision)
		}
		_, err = s.Append(ctx, name, expected, batch...)
		if errors.Is(err, eventstore.ErrConcurrency) {
			continue
		}
		return err
	}
	return fmt.Errorf("append to %s: still conflicting after 1000 attempts", name)
}
