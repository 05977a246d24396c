package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/storetest"
	"github.com/camcloud/accounts/internal/pgtest"
)

func migratedPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool := pgtest.NewPool(t)
	if err := Migrate(t.Context(), pool); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return pool
}

// openAppend runs the store's own append statement for one event in a transaction it leaves
// open: an append that took its transaction ID and wrote, but has not committed yet.
func openAppend(t *testing.T, pool *pgxpool.Pool, stream string, expected eventstore.ExpectedRevision, e eventstore.EventData) pgx.Tx {
	t.Helper()
	ws, err := prepareWrites([]eventstore.StreamWrite{{Stream: stream, Expected: expected, Events: []eventstore.EventData{e}}})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := pool.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	var revision, commit int64
	if err := tx.QueryRow(t.Context(), ws[0].sql, ws[0].args...).Scan(&revision, &commit); err != nil {
		t.Fatalf("open append to %s: %v", stream, err)
	}
	return tx
}

// delivered runs a subscription from the start until the test ends and returns its events.
func delivered(t *testing.T, s *Store) <-chan eventstore.RecordedEvent {
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan eventstore.RecordedEvent, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Subscribe(ctx, eventstore.Start, func(_ context.Context, e eventstore.RecordedEvent) error {
			got <- e
			return nil
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return got
}

func expectNone(t *testing.T, got <-chan eventstore.RecordedEvent, wait time.Duration, why string) {
	t.Helper()
	select {
	case e := <-got:
		t.Fatalf("delivered %s (%s) %s", e.Stream, e.Position, why)
	case <-time.After(wait):
	}
}

func expectNext(t *testing.T, got <-chan eventstore.RecordedEvent, want uuid.UUID) eventstore.RecordedEvent {
	t.Helper()
	select {
	case e := <-got:
		if e.ID != want {
			t.Fatalf("delivered %s (%s), want %s", e.ID, e.Stream, want)
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatalf("%s not delivered within 10s", want)
	}
	return eventstore.RecordedEvent{}
}

// TestOutOfOrderCommits: an append that took its transaction ID first commits after a later
// one. The later one is held back until the earlier one ends, then both arrive in position order
// (or only the later one, when the earlier rolls back): a subscriber never passes over the
// earlier one, and a forward read never returns the later one alone.
func TestOutOfOrderCommits(t *testing.T) {
	for _, c := range []struct {
		name   string
		commit bool
	}{{"earlier commits last", true}, {"earlier rolls back", false}} {
		t.Run(c.name, func(t *testing.T) {
			pool := migratedPool(t)
			s := New(pool)
			got := delivered(t, s)
			early, late := storetest.Event("early"), storetest.Event("late")
			tx := openAppend(t, pool, "early-1", eventstore.NoStream, early)
			if _, err := s.Append(t.Context(), "late-1", eventstore.NoStream, late); err != nil {
				t.Fatal(err)
			}
			// Short: the open transaction holds back every reader on the server, other tests' too.
			expectNone(t, got, 100*time.Millisecond, "while an earlier transaction is still open")
			if p, err := s.readFinal(t.Context(), eventstore.Start, 10); err != nil || len(p.final) != 0 || p.pending == 0 {
				t.Fatalf("read while the earlier transaction is open: %d final events, pending %d, %v; want none final, some pending", len(p.final), p.pending, err)
			}
			end := tx.Rollback
			if c.commit {
				end = tx.Commit
			}
			if err := end(t.Context()); err != nil {
				t.Fatal(err)
			}
			var first eventstore.RecordedEvent
			if c.commit {
				first = expectNext(t, got, early.ID)
			}
			second := expectNext(t, got, late.ID)
			if second.Position.Compare(first.Position) <= 0 {
				t.Fatalf("late at %s after early at %s: want increasing", second.Position, first.Position)
			}
			expectNone(t, got, 100*time.Millisecond, "twice")
		})
	}
}

// TestCheckOnlyWaitsForAnAppendInFlight: a multi-stream append that only checks a stream, while
// an append to that stream is in flight, waits for it and then sees what it committed.
func TestCheckOnlyWaitsForAnAppendInFlight(t *testing.T) {
	pool := migratedPool(t)
	s := New(pool)
	if _, err := s.Append(t.Context(), "guard-1", eventstore.NoStream, storetest.Event("g0")); err != nil {
		t.Fatal(err)
	}
	tx := openAppend(t, pool, "guard-1", eventstore.Exact(0), storetest.Event("g1"))
	result := make(chan error, 1)
	go func() {
		_, err := s.AppendMulti(t.Context(),
			eventstore.StreamWrite{Stream: "guard-1", Expected: eventstore.Exact(0)},
			eventstore.StreamWrite{Stream: "own-1", Expected: eventstore.NoStream, Events: []eventstore.EventData{storetest.Event("o")}})
		result <- err
	}()
	select {
	case err := <-result:
		t.Fatalf("the check answered %v while an append to its stream was in flight; want it to wait", err)
	case <-time.After(100 * time.Millisecond):
	}
	if err := tx.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	var conflict *eventstore.ConflictError
	if err := <-result; !errors.As(err, &conflict) || conflict.Stream != "guard-1" || conflict.Actual != 1 {
		t.Fatalf("check after the append committed: %v; want a conflict on guard-1 at revision 1", err)
	}
	if evs, _ := s.ReadStream(t.Context(), "own-1", 0, eventstore.Forwards, 10); len(evs) != 0 {
		t.Fatalf("own-1 has %d events; want none", len(evs))
	}
}

// TestReadAllSeesWhatWasCommittedBeforeIt: a forward ReadAll that finds a committed event held
// back by an older open transaction waits for that transaction, then returns both in order.
func TestReadAllSeesWhatWasCommittedBeforeIt(t *testing.T) {
	pool := migratedPool(t)
	s := New(pool)
	early, late := storetest.Event("early"), storetest.Event("late")
	tx := openAppend(t, pool, "early-1", eventstore.NoStream, early)
	if _, err := s.Append(t.Context(), "late-1", eventstore.NoStream, late); err != nil {
		t.Fatal(err)
	}
	committed := make(chan error, 1)
	go func() {
		time.Sleep(50 * time.Millisecond)
		committed <- tx.Commit(context.Background())
	}()
	all, err := s.ReadAll(t.Context(), eventstore.Start, eventstore.Forwards, 10)
	if err := <-committed; err != nil {
		t.Fatal(err)
	}
	if err != nil || len(all) != 2 || all[0].ID != early.ID || all[1].ID != late.ID {
		t.Fatalf("read all: %d events, %v; want early then late", len(all), err)
	}
}
