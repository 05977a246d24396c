package projections

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
	"github.com/camcloud/accounts/eventstore/storetest"
	"github.com/camcloud/accounts/internal/pgtest"
)

// seen is a read model that records every event it applies, with no uniqueness of its own: an
// event applied twice shows up as two rows. failEvery makes the first attempt at every n-th
// event fail after its write, to prove the write is rolled back with the checkpoint.
type seen struct {
	version   int
	mu        sync.Mutex
	failEvery int
	failed    map[string]bool
	poison    uint64 // the position of an event it never applies
}

func (*seen) Name() string   { return "seen" }
func (s *seen) Version() int { return s.version }
func (*seen) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `CREATE TABLE seen (id text NOT NULL, position bigint NOT NULL)`)
	return err
}
func (*seen) Drop(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `DROP TABLE IF EXISTS seen`)
	return err
}

func (*seen) Handles() []string { return []string{"test.happened.v1"} }

func (s *seen) Apply(ctx context.Context, tx pgx.Tx, events []Envelope) error {
	for _, e := range events {
		if e.Type != "test.happened.v1" {
			return fmt.Errorf("handed %s, which seen does not handle", e.Type)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO seen VALUES ($1, $2)`, e.Stream+fmt.Sprint(e.Revision), int64(e.Position.Commit)); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range events {
		key := e.Position.String()
		if s.poison == e.Position.Commit {
			return errors.New("poison event")
		}
		if s.failEvery > 0 && e.Position.Commit%uint64(s.failEvery) == 0 && !s.failed[key] {
			s.failed[key] = true
			return errors.New("transient failure after the write")
		}
	}
	return nil
}

type harness struct {
	store    *memory.Store
	pool     *pgxpool.Pool
	pipeline *Pipeline
	model    *seen
}

func newHarness(t *testing.T, failEvery int) harness {
	t.Helper()
	h := harness{store: memory.New(), pool: pgtest.NewPool(t), model: &seen{version: 1, failEvery: failEvery, failed: map[string]bool{}}}
	h.pipeline = NewPipeline(h.store, h.pool, eventstore.NewCodec[eventstore.Event](), watermill.NopLogger{}, h.model)
	if err := h.pipeline.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return h
}

// run runs a pipeline until the test ends.
func (h harness) run(t *testing.T, p *Pipeline) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("pipeline: %v", err)
		}
	})
}

// otherPool opens another pool on the harness's database: another process's connections.
func (h harness) otherPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), h.pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// noBuildLeft fails the test if a rebuild left its schema behind.
func (h harness) noBuildLeft(t *testing.T) {
	t.Helper()
	var n int
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'projection_build_%'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d build schemas left (%v), want none", n, err)
	}
}

func (h harness) append(t *testing.T, n int) eventstore.Position {
	t.Helper()
	var last eventstore.Position
	for i := range n {
		r, err := h.store.Append(context.Background(), fmt.Sprintf("thing-%d", i%7), eventstore.Any, storetest.Event(fmt.Sprint(i)))
		if err != nil {
			t.Fatal(err)
		}
		last = r.Position
	}
	return last
}

func (h harness) waitFor(t *testing.T, pos eventstore.Position) {
	t.Helper()
	if err := NewCheckpoints(h.pool).WaitFor(context.Background(), pos, 20*time.Second, "seen"); err != nil {
		t.Fatalf("wait for %v: %v", pos, err)
	}
}

// rows returns how many rows the model has and how many distinct events they stand for.
func (h harness) rows(t *testing.T) (rows, distinct int) {
	t.Helper()
	err := h.pool.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT id) FROM seen`).Scan(&rows, &distinct)
	if err != nil {
		t.Fatal(err)
	}
	return rows, distinct
}

func TestEveryEventIsAppliedOnceDespiteFailures(t *testing.T) {
	h := newHarness(t, 3)
	h.run(t, h.pipeline)
	h.waitFor(t, h.append(t, 30))
	h.waitFor(t, h.append(t, 30)) // live ones too
	if rows, distinct := h.rows(t); rows != 60 || distinct != 60 {
		t.Fatalf("read model has %d rows for %d events, want 60 and 60", rows, distinct)
	}
}

// TestTwoProcessesProjectingAtOnce: two instances of the service run the same projector on the
// same database; the checkpoint lock lets each event through once.
func TestTwoProcessesProjectingAtOnce(t *testing.T) {
	h := newHarness(t, 0)
	other := NewPipeline(h.store, h.pool, eventstore.NewCodec[eventstore.Event](), watermill.NopLogger{}, h.model)
	h.run(t, h.pipeline)
	h.run(t, other)
	h.waitFor(t, h.append(t, 80))
	if rows, distinct := h.rows(t); rows != 80 || distinct != 80 {
		t.Fatalf("read model has %d rows for %d events, want 80 and 80", rows, distinct)
	}
}

func TestRedeliveredEventChangesNothing(t *testing.T) {
	h := newHarness(t, 0)
	h.append(t, 2)
	all, _ := h.store.ReadAll(context.Background(), eventstore.Start, eventstore.Forwards, 10)
	handle := h.pipeline.handler(newModel(h.model))
	deliver := func(e eventstore.RecordedEvent, after eventstore.Position) error {
		return handle(newMessage(context.Background(), page{after: after, last: e.Position, events: []eventstore.RecordedEvent{e}}))
	}
	if err := deliver(all[0], eventstore.Start); err != nil {
		t.Fatal(err)
	}
	if err := deliver(all[0], eventstore.Start); err != nil {
		t.Fatalf("redelivery: %v", err)
	}
	if rows, _ := h.rows(t); rows != 1 {
		t.Fatalf("%d rows after delivering one event twice, want 1", rows)
	}
	// A delivery that follows a position after the stored checkpoint must not be applied: the
	// events between would be skipped.
	if err := deliver(all[1], eventstore.Position{Commit: 5, Prepare: 5}); !errors.Is(err, ErrCheckpointMoved) {
		t.Fatalf("out-of-line delivery: %v, want ErrCheckpointMoved", err)
	}
	if rows, _ := h.rows(t); rows != 1 {
		t.Fatalf("%d rows after an out-of-line delivery, want 1", rows)
	}
}

func TestRebuildFromTheFirstEvent(t *testing.T) {
	h := newHarness(t, 0)
	h.pipeline.pageSize = 7 // several pages, the last one short
	last := h.append(t, 25)
	if err := h.pipeline.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := h.pipeline.Rebuild(context.Background(), "seen"); err != nil {
		t.Fatal(err)
	}
	if rows, distinct := h.rows(t); rows != 25 || distinct != 25 {
		t.Fatalf("rebuilt model has %d rows for %d events, want 25", rows, distinct)
	}
	if pos, _ := NewCheckpoints(h.pool).Get(context.Background(), "seen"); pos != last {
		t.Fatalf("checkpoint %v after the rebuild, want %v", pos, last)
	}
	h.noBuildLeft(t)
	if err := h.pipeline.Rebuild(context.Background(), "nope"); err == nil {
		t.Fatal("rebuild of an unknown read model succeeded")
	}
}

// TestRebuildBesideALivePipeline: `accounts projections rebuild` runs in another process while
// a server projects and appends go on. Readers never see the model shrink (the old code reset
// it to empty in place), and at the end every event is in it once: the live projector goes on
// in the swapped-in tables.
func TestRebuildBesideALivePipeline(t *testing.T) {
	h := newHarness(t, 0)
	ctx := context.Background()
	h.run(t, h.pipeline)
	h.waitFor(t, h.append(t, 300))

	rebuilder := NewPipeline(h.store, h.otherPool(t), eventstore.NewCodec[eventstore.Event](), watermill.NopLogger{}, &seen{version: 1})
	rebuilder.pageSize = 40

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var appended sync.Map // the last position appended, under key 0
	wg.Add(1)
	go func() { // a client appending all along
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			r, err := h.store.Append(ctx, fmt.Sprintf("live-%d", i%5), eventstore.Any, storetest.Event(fmt.Sprint("live ", i)))
			if err != nil {
				t.Error(err)
				return
			}
			appended.Store(0, r.Position)
			time.Sleep(time.Millisecond)
		}
	}()
	before, _ := h.rows(t)
	readerErr := make(chan error, 1)
	wg.Add(1)
	go func() { // a client reading all along
		defer wg.Done()
		seenRows, reads := before, 0
		defer func() { t.Logf("%d reads during the rebuild", reads) }()
		for {
			select {
			case <-stop:
				readerErr <- nil
				return
			default:
			}
			var n int
			if err := h.pool.QueryRow(ctx, `SELECT count(*) FROM seen`).Scan(&n); err != nil {
				readerErr <- fmt.Errorf("read: %w", err)
				return
			}
			reads++
			if n < seenRows {
				readerErr <- fmt.Errorf("a reader saw %d events applied after %d (%d before the rebuild)", n, seenRows, before)
				return
			}
			seenRows = n
		}
	}()

	start := time.Now()
	if err := rebuilder.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("rebuilt beside a live pipeline in %v", time.Since(start))
	time.Sleep(100 * time.Millisecond) // appends and reads after the swap too
	close(stop)
	wg.Wait()
	if err := <-readerErr; err != nil {
		t.Fatal(err)
	}
	last, _ := appended.Load(0)
	h.waitFor(t, last.(eventstore.Position))
	all, err := h.store.ReadAll(ctx, eventstore.Start, eventstore.Forwards, 100000)
	if err != nil {
		t.Fatal(err)
	}
	if rows, distinct := h.rows(t); rows != len(all) || distinct != len(all) {
		t.Fatalf("model has %d rows for %d events, want %d of each", rows, distinct, len(all))
	}
	h.noBuildLeft(t)
}

// cancelling is a store whose ReadAll cancels a context on its n-th call: a rebuild stopped
// midway, as by kill -9.
type cancelling struct {
	eventstore.Store
	n      int32
	calls  atomic.Int32
	cancel context.CancelFunc
}

func (c *cancelling) ReadAll(ctx context.Context, from eventstore.Position, dir eventstore.Direction, limit int) ([]eventstore.RecordedEvent, error) {
	if c.calls.Add(1) == c.n {
		c.cancel()
	}
	return c.Store.ReadAll(ctx, from, dir, limit)
}

// TestCancelledRebuildLeavesTheLiveModel: a rebuild stopped midway changes nothing readers see
// and the live model goes on projecting; the next start drops its leftovers and the next
// rebuild succeeds.
func TestCancelledRebuildLeavesTheLiveModel(t *testing.T) {
	h := newHarness(t, 0)
	h.run(t, h.pipeline)
	h.waitFor(t, h.append(t, 200))
	other := h.otherPool(t)

	cancelMidway := func() {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		p := NewPipeline(&cancelling{Store: h.store, n: 3, cancel: cancel}, other, eventstore.NewCodec[eventstore.Event](), watermill.NopLogger{}, &seen{version: 1})
		p.pageSize = 20
		if err := p.Rebuild(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled rebuild: %v, want context.Canceled", err)
		}
		var built int
		if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM projection_build_seen.seen`).Scan(&built); err != nil || built == 0 || built >= 200 {
			t.Fatalf("a rebuild stopped midway left %d rows (%v), want some", built, err)
		}
	}
	cancelMidway()
	if rows, distinct := h.rows(t); rows != 200 || distinct != 200 {
		t.Fatalf("live model has %d rows for %d events after a cancelled rebuild, want 200", rows, distinct)
	}
	h.waitFor(t, h.append(t, 10))
	if rows, _ := h.rows(t); rows != 210 {
		t.Fatalf("live model has %d rows after 10 more events, want 210", rows)
	}

	// The next start drops the leftovers.
	restarted := NewPipeline(h.store, other, eventstore.NewCodec[eventstore.Event](), watermill.NopLogger{}, &seen{version: 1})
	if err := restarted.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.noBuildLeft(t)

	// So does the next rebuild, which succeeds.
	cancelMidway()
	if err := restarted.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.waitFor(t, h.append(t, 10))
	if rows, distinct := h.rows(t); rows != 220 || distinct != 220 {
		t.Fatalf("model has %d rows for %d events after the next rebuild, want 220", rows, distinct)
	}
	h.noBuildLeft(t)
}

// TestVersionChangeRebuilds: a new version of a read model starting beside a server that runs the
// old one builds new tables and swaps them in; the running projector goes on in them.
func TestVersionChangeRebuilds(t *testing.T) {
	h := newHarness(t, 0)
	h.run(t, h.pipeline)
	h.waitFor(t, h.append(t, 30))
	upgraded := NewPipeline(h.store, h.otherPool(t), eventstore.NewCodec[eventstore.Event](), watermill.NopLogger{}, &seen{version: 2})
	if err := upgraded.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	var version int
	if err := h.pool.QueryRow(context.Background(), `SELECT version FROM projection_checkpoints WHERE name = 'seen'`).Scan(&version); err != nil || version != 2 {
		t.Fatalf("version %d (%v) after the upgrade, want 2", version, err)
	}
	if rows, distinct := h.rows(t); rows != 30 || distinct != 30 {
		t.Fatalf("upgraded model has %d rows for %d events, want 30", rows, distinct)
	}
	h.waitFor(t, h.append(t, 5))
	if rows, distinct := h.rows(t); rows != 35 || distinct != 35 {
		t.Fatalf("model has %d rows for %d events after 5 more, want 35", rows, distinct)
	}
	h.noBuildLeft(t)
}

// refusing is a store whose subscriptions are refused for good, as an EventStoreDB user without
// access to $all is.
type refusing struct {
	eventstore.Store
	calls atomic.Int32
}

func (r *refusing) Subscribe(context.Context, eventstore.Position, func(context.Context, eventstore.RecordedEvent) error) error {
	r.calls.Add(1)
	return fmt.Errorf("subscribe to $all: access denied: %w", eventstore.ErrPermanent)
}

func TestPermanentSubscriptionFailureStopsAndIsReported(t *testing.T) {
	h := newHarness(t, 0)
	store := &refusing{Store: h.store}
	p := NewPipeline(store, h.pool, eventstore.NewCodec[eventstore.Event](), watermill.NopLogger{}, h.model)
	if p.Err() != nil {
		t.Fatalf("Err before running: %v", p.Err())
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	deadline := time.Now().Add(10 * time.Second)
	for p.Err() == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !errors.Is(p.Err(), eventstore.ErrPermanent) {
		t.Fatalf("Err = %v, want the permanent failure", p.Err())
	}
	select {
	case <-done: // the router stops once its only handler has
	case <-time.After(15 * time.Second):
		t.Fatal("the pipeline goes on after a permanent failure")
	}
	if n := store.calls.Load(); n != 1 {
		t.Fatalf("subscribed %d times, want 1: a permanent failure is not retried", n)
	}
}

func TestReadModelsOfAnotherStoreAreRefused(t *testing.T) {
	h := newHarness(t, 0)
	ctx := context.Background()
	h.append(t, 5)
	if err := h.pipeline.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	// Checkpoints recorded before stores were told apart belong to the store of the next start.
	postgres := NewPipeline(h.store, h.pool, eventstore.NewCodec[eventstore.Event](), watermill.NopLogger{}, h.model).IdentifyStore("postgres:7391/accounts")
	if err := postgres.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := postgres.CheckStore(ctx); err != nil {
		t.Fatalf("same store: %v", err)
	}

	esdb := NewPipeline(h.store, h.pool, eventstore.NewCodec[eventstore.Event](), watermill.NopLogger{}, h.model).IdentifyStore("esdb:node1:2113")
	if err := esdb.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	err := esdb.CheckStore(ctx)
	if !errors.Is(err, ErrOtherStore) || !strings.Contains(err.Error(), "run `accounts projections rebuild`") {
		t.Fatalf("another store: %v, want ErrOtherStore", err)
	}
	if err := esdb.Run(ctx); !errors.Is(err, ErrOtherStore) {
		t.Fatalf("Run on another store's read models: %v, want ErrOtherStore", err)
	}
	if err := esdb.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if err := esdb.CheckStore(ctx); err != nil {
		t.Fatalf("after a rebuild: %v", err)
	}
	if err := postgres.CheckStore(ctx); !errors.Is(err, ErrOtherStore) {
		t.Fatalf("back on the first store after a rebuild from the second: %v, want ErrOtherStore", err)
	}
}

func TestWaitForTimesOut(t *testing.T) {
	h := newHarness(t, 0)
	err := NewCheckpoints(h.pool).WaitFor(context.Background(), eventstore.Position{Commit: 99, Prepare: 99}, 50*time.Millisecond, "seen")
	if !errors.Is(err, ErrNotCaughtUp) {
		t.Fatalf("got %v, want ErrNotCaughtUp", err)
	}
}

// other is a second read model like seen, under another name.
type other struct{ seen }

func (*other) Name() string { return "other" }
func (*other) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `CREATE TABLE other (id text NOT NULL, position bigint NOT NULL)`)
	return err
}
func (*other) Drop(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `DROP TABLE IF EXISTS other`)
	return err
}
func (o *other) Apply(ctx context.Context, tx pgx.Tx, events []Envelope) error {
	for _, e := range events {
		if _, err := tx.Exec(ctx, `INSERT INTO other VALUES ($1, $2)`, e.Stream+fmt.Sprint(e.Revision), int64(e.Position.Commit)); err != nil {
			return err
		}
	}
	return nil
}

// TestAPoisonEventStopsOnlyItsReadModel: a read model that cannot apply an event stops right
// before it, though the event came in a batch; the other read model, fed by the same read of the
// log, goes on to the end. Events of types a model does not handle move its checkpoint only.
func TestAPoisonEventStopsOnlyItsReadModel(t *testing.T) {
	h := newHarness(t, 0)
	ctx := context.Background()
	h.model.poison = 20
	healthy := &other{seen{version: 1}}
	p := NewPipeline(h.store, h.pool, eventstore.NewCodec[eventstore.Event](), watermill.NopLogger{}, h.model, healthy)
	if err := p.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	h.append(t, 30) // the poison one at 20 among them
	ignored := storetest.Event("not for seen")
	ignored.Type = "test.ignored.v1"
	last, err := h.store.Append(ctx, "thing-x", eventstore.Any, ignored)
	if err != nil {
		t.Fatal(err)
	}
	h.run(t, p)
	if err := p.Checkpoints().WaitFor(ctx, last.Position, 20*time.Second, "other"); err != nil {
		t.Fatalf("the healthy model: %v", err)
	}
	if err := p.Checkpoints().WaitFor(ctx, eventstore.Position{Commit: 19, Prepare: 19}, 20*time.Second, "seen"); err != nil {
		t.Fatalf("the poisoned model before its poison event: %v", err)
	}
	time.Sleep(200 * time.Millisecond)
	if at, _ := p.Checkpoints().Get(ctx, "seen"); at != (eventstore.Position{Commit: 19, Prepare: 19}) {
		t.Fatalf("the poisoned model is at %v, want 19: right before the event it cannot apply", at)
	}
	if rows, distinct := h.rows(t); rows != 19 || distinct != 19 {
		t.Fatalf("the poisoned model has %d rows for %d events, want 19", rows, distinct)
	}
	var n int
	if err := h.pool.QueryRow(ctx, `SELECT count(*) FROM other`).Scan(&n); err != nil || n != 30 {
		t.Fatalf("the healthy model has %d rows (%v), want 30: the ignored event not among them", n, err)
	}
}

// TestWaitersWakeWhenCheckpointsMove: a waiter of this process is woken by the pipeline, one of
// another process (its own Checkpoints) by the committing transaction's notification, both well
// before the safety-net poll.
func TestWaitersWakeWhenCheckpointsMove(t *testing.T) {
	h := newHarness(t, 0)
	ctx := context.Background()
	h.run(t, h.pipeline)
	h.waitFor(t, h.append(t, 1))
	for _, c := range []struct {
		name        string
		checkpoints *Checkpoints
	}{
		{"in process", h.pipeline.Checkpoints()},
		{"another process", NewCheckpoints(h.otherPool(t))},
	} {
		t.Run(c.name, func(t *testing.T) {
			for range 5 {
				pos := h.append(t, 1)
				start := time.Now()
				if err := c.checkpoints.WaitFor(ctx, pos, 5*time.Second, "seen"); err != nil {
					t.Fatal(err)
				}
				if took := time.Since(start); took >= pollListening {
					t.Fatalf("woken after %v, no sooner than the poll", took)
				}
			}
		})
	}
}

// happened is the test event type, for a codec that knows it.
type happened struct {
	Payload string `json:"payload"`
}

func (happened) EventType() string { return "test.happened.v1" }

// TestANewerTypeStopsTheReadModels: a pipeline told StopAtNewerTypes stops right before an
// event of a type its codec does not know but of a family it does (one a newer version wrote),
// instead of stepping over it, and follows once an instance of that version applied it; its
// rebuilds refuse the log (and leave the live model as it was). Another program's types are
// stepped over.
func TestANewerTypeStopsTheReadModels(t *testing.T) {
	h := newHarness(t, 0)
	ctx := context.Background()
	if _, err := h.store.Append(ctx, "thing-1", eventstore.Any, storetest.Event("before")); err != nil {
		t.Fatal(err)
	}
	foreign := storetest.Event("another program's")
	foreign.Type = "elsewhere.done.v1"
	stepped, err := h.store.Append(ctx, "elsewhere-1", eventstore.Any, foreign)
	if err != nil {
		t.Fatal(err)
	}
	newer := storetest.Event("from a newer version")
	newer.Type = "test.happened.v2"
	if _, err := h.store.Append(ctx, "thing-2", eventstore.Any, newer); err != nil {
		t.Fatal(err)
	}
	last, err := h.store.Append(ctx, "thing-1", eventstore.Any, storetest.Event("after"))
	if err != nil {
		t.Fatal(err)
	}

	older := NewPipeline(h.store, h.pool, eventstore.NewCodec(happened{}), watermill.NopLogger{}, h.model).StopAtNewerTypes()
	if err := older.Rebuild(ctx, "seen"); !errors.Is(err, eventstore.ErrUnknownEventType) {
		t.Fatalf("rebuild: %v, want ErrUnknownEventType", err)
	}
	if at, _ := older.Checkpoints().Get(ctx, "seen"); at != eventstore.Start {
		t.Fatalf("a refused rebuild moved the live model to %v", at)
	}
	h.run(t, older)
	if err := older.Checkpoints().WaitFor(ctx, stepped.Position, 20*time.Second, "seen"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if at, _ := older.Checkpoints().Get(ctx, "seen"); at != stepped.Position {
		t.Fatalf("the model is at %v, want %v: past the other program's event, before the newer one", at, stepped.Position)
	}
	if rows, _ := h.rows(t); rows != 1 {
		t.Fatalf("%d rows, want 1", rows)
	}

	// The newer version (here: a pipeline that steps over what seen does not handle) applies
	// the rest; the older one follows without applying anything twice.
	current := NewPipeline(h.store, h.otherPool(t), eventstore.NewCodec[eventstore.Event](), watermill.NopLogger{}, h.model)
	if err := current.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if err := older.Checkpoints().WaitFor(ctx, last.Position, 20*time.Second, "seen"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if rows, distinct := h.rows(t); rows != 2 || distinct != 2 {
		t.Fatalf("%d rows for %d events, want 2", rows, distinct)
	}
}
