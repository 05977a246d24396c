package projections

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
	"github.com/camcloud/accounts/eventstore/storetest"
	"github.com/camcloud/accounts/internal/pgtest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// seen is a read model that records every event it applies, with no uniqueness of its own: an
// event applied twice shows up as two rows. failEvery makes the first attempt at every n-th
// event fail after its write, to prove the write is rolled back with the checkpoint.
type seen struct {
	mu        sync.Mutex
	failEvery int
	failed    map[string]bool
}

func (*seen) Name() string { return "seen" }
func (*seen) Version() int { return 1 }
func (*seen) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `CREATE TABLE seen (id text NOT NULL, position bigint NOT NULL)`)
	return err
}
func (*seen) Drop(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `DROP TABLE IF EXISTS seen`)
	return err
}

func (s *seen) Apply(ctx context.Context, tx pgx.Tx, e Envelope) error {
	if _, err := tx.Exec(ctx, `INSERT INTO seen VALUES ($1, $2)`, e.Stream+fmt.Sprint(e.Revision), int64(e.Position.Commit)); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := e.Position.String()
	if s.failEvery > 0 && e.Position.Commit%uint64(s.failEvery) == 0 && !s.failed[key] {
		s.failed[key] = true
		return errors.New("transient failure after the write")
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
	h := harness{store: memory.New(), pool: pgtest.NewPool(t), model: &seen{failEvery: failEvery, failed: map[string]bool{}}}
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
	handle := h.pipeline.handler(h.model)
	deliver := func(e eventstore.RecordedEvent, after eventstore.Position) error {
		msg, err := newMessage(e, after)
		if err != nil {
			t.Fatal(err)
		}
		msg.SetContext(context.Background())
		return handle(msg)
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
	// A delivery that does not follow the stored checkpoint must not be applied.
	if err := deliver(all[1], eventstore.Position{Commit: 5, Prepare: 5}); !errors.Is(err, ErrCheckpointMoved) {
		t.Fatalf("out-of-line delivery: %v, want ErrCheckpointMoved", err)
	}
	if rows, _ := h.rows(t); rows != 1 {
		t.Fatalf("%d rows after an out-of-line delivery, want 1", rows)
	}
}

func TestResetRebuildsFromTheFirstEvent(t *testing.T) {
	h := newHarness(t, 0)
	last := h.append(t, 25)
	if err := h.pipeline.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rows, _ := h.rows(t); rows != 25 {
		t.Fatalf("%d rows after catching up, want 25", rows)
	}
	if err := h.pipeline.Reset(context.Background(), "seen"); err != nil {
		t.Fatal(err)
	}
	if rows, _ := h.rows(t); rows != 0 {
		t.Fatalf("%d rows after reset, want 0", rows)
	}
	if err := h.pipeline.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.waitFor(t, last)
	if rows, distinct := h.rows(t); rows != 25 || distinct != 25 {
		t.Fatalf("rebuilt model has %d rows for %d events, want 25", rows, distinct)
	}
	if err := h.pipeline.Reset(context.Background(), "nope"); err == nil {
		t.Fatal("reset of an unknown read model succeeded")
	}
}

// TestResetWhileRunning: a rebuild requested while the service projects live (what
// `accounts projections rebuild` does beside a running server) ends with every event once.
func TestResetWhileRunning(t *testing.T) {
	h := newHarness(t, 0)
	h.run(t, h.pipeline)
	h.waitFor(t, h.append(t, 20))
	if err := h.pipeline.Reset(context.Background(), "seen"); err != nil {
		t.Fatal(err)
	}
	h.waitFor(t, h.append(t, 5))
	if rows, distinct := h.rows(t); rows != 25 || distinct != 25 {
		t.Fatalf("model has %d rows for %d events after a live reset, want 25", rows, distinct)
	}
}

func TestVersionChangeRebuilds(t *testing.T) {
	h := newHarness(t, 0)
	h.append(t, 3)
	if err := h.pipeline.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := h.pool.Exec(context.Background(), `UPDATE projection_checkpoints SET version = 0`); err != nil {
		t.Fatal(err)
	}
	if err := h.pipeline.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rows, _ := h.rows(t); rows != 0 {
		t.Fatalf("%d rows after a version change, want the model reset", rows)
	}
	pos, _ := NewCheckpoints(h.pool).Get(context.Background(), "seen")
	if pos != eventstore.Start {
		t.Fatalf("checkpoint %v after a version change, want the start", pos)
	}
}

func TestWaitForTimesOut(t *testing.T) {
	h := newHarness(t, 0)
	err := NewCheckpoints(h.pool).WaitFor(context.Background(), eventstore.Position{Commit: 99, Prepare: 99}, 50*time.Millisecond, "seen")
	if !errors.Is(err, ErrNotCaughtUp) {
		t.Fatalf("got %v, want ErrNotCaughtUp", err)
	}
}
