package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/postgres"
	"github.com/camcloud/accounts/eventstore/postgres/pgbench"
	"github.com/camcloud/accounts/eventstore/storetest"
	"github.com/camcloud/accounts/internal/pgtest"
)

func newStore(t testing.TB) *postgres.Store {
	pool := pgtest.NewPool(t)
	if err := postgres.Migrate(context.Background(), pool); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return postgres.New(pool)
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) eventstore.Store { return newStore(t) })
}

func TestMigrateTwice(t *testing.T) {
	pool := pgtest.NewPool(t)
	for range 2 {
		if err := postgres.Migrate(context.Background(), pool); err != nil {
			t.Fatalf("migrate: %v", err)
		}
	}
}

// BenchmarkAppend measures one-event appends to distinct streams from parallel goroutines (as many
// as the pool has connections); BenchmarkAppendVsRaw puts the figure beside raw pgx.
func BenchmarkAppend(b *testing.B) {
	s := newStore(b)
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Append(ctx, "bench-"+storetest.Event("").ID.String(), eventstore.NoStream, storetest.Event("x")); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkReadAll measures reading the global log in subscription-sized pages.
func BenchmarkReadAll(b *testing.B) {
	s := newStore(b)
	ctx := context.Background()
	batch := make([]eventstore.EventData, 100)
	for i := range 50 {
		for j := range batch {
			batch[j] = storetest.Event("x")
		}
		if _, err := s.Append(ctx, "bench-"+string(rune('a'+i%26))+batch[0].ID.String(), eventstore.NoStream, batch...); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		from := eventstore.Start
		for {
			evs, err := s.ReadAll(ctx, from, eventstore.Forwards, 500)
			if err != nil {
				b.Fatal(err)
			}
			if len(evs) < 500 {
				break
			}
			from = evs[len(evs)-1].Position
		}
	}
	b.ReportMetric(5000, "events/op")
}

// TestSubscriptionSurvivesLosingItsListener: the connection that LISTENs is killed under a live
// subscription; events appended afterwards still arrive, each once, in order.
func TestSubscriptionSurvivesLosingItsListener(t *testing.T) {
	pool := pgtest.NewPool(t)
	ctx := context.Background()
	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	s := postgres.New(pool)
	subCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	got := make(chan eventstore.RecordedEvent, 100)
	go s.Subscribe(subCtx, eventstore.Start, func(_ context.Context, e eventstore.RecordedEvent) error {
		got <- e
		return nil
	})
	first := storetest.Event("before")
	if _, err := s.Append(ctx, "thing-1", eventstore.NoStream, first); err != nil {
		t.Fatal(err)
	}
	if e := <-got; e.ID != first.ID {
		t.Fatalf("got %s, want %s", e.ID, first.ID)
	}

	var killed int
	err := pool.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN %'`).Scan(&killed)
	if err != nil || killed != 1 {
		t.Fatalf("terminated %d listeners (%v), want 1", killed, err)
	}
	var want []eventstore.EventData
	for i := range 3 {
		e := storetest.Event(fmt.Sprint("after ", i))
		want = append(want, e)
		if _, err := s.Append(ctx, "thing-1", eventstore.Any, e); err != nil {
			t.Fatal(err)
		}
	}
	for _, w := range want {
		select {
		case e := <-got:
			if e.ID != w.ID {
				t.Fatalf("got %s, want %s", e.ID, w.ID)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no event 10s after the listener was lost")
		}
	}
	select {
	case e := <-got:
		t.Fatalf("unexpected extra delivery %s", e.ID)
	case <-time.After(100 * time.Millisecond):
	}
}

// BenchmarkAppendVsRaw measures, in one run, raw one-row INSERT+COMMIT at 1 and 16 connections and
// the store's Append at 1 and 16 writers to distinct streams, and reports each rate and the
// store's ratio to the raw figure. Run it once: go test -run '^$' -bench AppendVsRaw -benchtime 1x.
func BenchmarkAppendVsRaw(b *testing.B) {
	ctx := context.Background()
	pool := widePool(b, 32)
	if err := postgres.Migrate(ctx, pool); err != nil {
		b.Fatal(err)
	}
	var f pgbench.Figures
	for b.Loop() {
		var err error
		if f, err = pgbench.Compare(ctx, pool, postgres.New(pool), time.Second, 2); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(f.Raw1, "raw1/s")
	b.ReportMetric(f.Store1, "append1/s")
	b.ReportMetric(f.Ratio1(), "ratio1")
	b.ReportMetric(f.Raw16, "raw16/s")
	b.ReportMetric(f.Store16, "append16/s")
	b.ReportMetric(f.Ratio16(), "ratio16")
}

// widePool opens a pool of up to n connections on a new test database (pgtest's default has as
// many as the machine has cores, too few for 16 writers).
func widePool(t testing.TB, n int32) *pgxpool.Pool {
	cfg, err := pgxpool.ParseConfig(pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = n
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// TestAnotherProcessesAppendWakesASubscription: an append through another Store (as from another
// process, which cannot wake this one's subscriptions directly) arrives by NOTIFY, long before
// the reader's poll (made a minute, so that a loaded machine's slow delivery is not taken for one).
func TestAnotherProcessesAppendWakesASubscription(t *testing.T) {
	pool := pgtest.NewPool(t)
	if err := postgres.Migrate(t.Context(), pool); err != nil {
		t.Fatal(err)
	}
	reader, writer := postgres.New(pool), postgres.New(pool)
	postgres.SetPoll(reader, time.Minute)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	got := make(chan eventstore.RecordedEvent, 10)
	go reader.Subscribe(ctx, eventstore.Start, func(_ context.Context, e eventstore.RecordedEvent) error {
		got <- e
		return nil
	})
	for i := range 3 {
		time.Sleep(20 * time.Millisecond) // the subscription is idle, waiting
		e := storetest.Event(fmt.Sprint(i))
		start := time.Now()
		if _, err := writer.Append(t.Context(), fmt.Sprint("thing-", i), eventstore.NoStream, e); err != nil {
			t.Fatal(err)
		}
		select {
		case d := <-got:
			if d.ID != e.ID {
				t.Fatalf("got %s, want %s", d.ID, e.ID)
			}
			if waited := time.Since(start); waited > 20*time.Second {
				t.Fatalf("delivered %v after the append; want a NOTIFY to wake the subscription", waited)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("not delivered")
		}
	}
}
