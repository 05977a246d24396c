package postgres

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/storetest"
	"github.com/camcloud/accounts/internal/pgtest"
)

// TestMigrateKeepsStoredPositions: a database written by the single-counter store (migration 1)
// is migrated with its events in it. Stored events keep Position{N, N}, so checkpoints stored as
// N still name them; new events sort after all of them, even when the counter ran far ahead of
// the server's transaction IDs; streams keep their revisions.
func TestMigrateKeepsStoredPositions(t *testing.T) {
	ctx := t.Context()
	pool := pgtest.NewPool(t)
	sub, err := fsSub()
	if err != nil {
		t.Fatal(err)
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, stdlib.OpenDBFromPool(pool), sub,
		goose.WithTableName("eventstore_schema_version"), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.UpTo(ctx, 1); err != nil {
		t.Fatalf("migrate to version 1: %v", err)
	}
	stored := []struct {
		position int64
		stream   string
		revision int64
	}{{1, "legacy-1", 0}, {2, "legacy-1", 1}, {3, "legacy-2", 0}, {10_000_000, "legacy-1", 2}}
	for _, e := range stored {
		_, err := pool.Exec(ctx, `INSERT INTO events (position, id, stream, revision, type, data, metadata)
			VALUES ($1, gen_random_uuid(), $2, $3, 'test.happened.v1', '{}', '{}')`, e.position, e.stream, e.revision)
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := Migrate(ctx, pool); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	s := New(pool)

	all, err := s.ReadAll(ctx, eventstore.Start, eventstore.Forwards, 10)
	if err != nil || len(all) != len(stored) {
		t.Fatalf("read all: %d events, %v; want %d", len(all), err, len(stored))
	}
	for i, e := range stored {
		if want := (eventstore.Position{Commit: uint64(e.position), Prepare: uint64(e.position)}); all[i].Position != want {
			t.Fatalf("event %d at %v; want %v", i, all[i].Position, want)
		}
	}

	appended, err := s.Append(ctx, "legacy-1", eventstore.Exact(2), storetest.Event("new"))
	if err != nil {
		t.Fatalf("append after the stored revisions: %v", err)
	}
	if appended.Revision != 3 || appended.Position.Compare(all[len(all)-1].Position) <= 0 {
		t.Fatalf("append = %+v; want revision 3 after position %v", appended, all[len(all)-1].Position)
	}
	var conflict *eventstore.ConflictError
	if _, err := s.Append(ctx, "legacy-2", eventstore.NoStream, storetest.Event("x")); !errors.As(err, &conflict) || !conflict.Exists || conflict.Actual != 0 {
		t.Fatalf("append with no stream to a stored stream: %v; want a conflict at revision 0", err)
	}

	// A read model whose checkpoint was stored as "2" goes on with the events after it.
	checkpoint, err := eventstore.ParsePosition("2")
	if err != nil {
		t.Fatal(err)
	}
	rest, err := s.ReadAll(ctx, checkpoint, eventstore.Forwards, 10)
	if err != nil || len(rest) != 3 || rest[0].Position != all[2].Position || rest[2].Position != appended.Position {
		t.Fatalf("read all after checkpoint 2: %d events, %v; want the last two stored and the new one", len(rest), err)
	}
}

// TestPositionsStayAheadAfterARestore: a logical restore starts transaction IDs over, so the
// positions new transactions get could fall behind the stored events. The next start moves the
// base, and a new event sorts after every stored one again.
func TestPositionsStayAheadAfterARestore(t *testing.T) {
	ctx := t.Context()
	pool := pgtest.NewPool(t)
	if err := Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	s := New(pool)
	if _, err := s.Append(ctx, "before-1", eventstore.NoStream, storetest.Event("before")); err != nil {
		t.Fatal(err)
	}
	// As after a restore into a cluster whose transaction IDs are far behind the stored ones.
	if _, err := pool.Exec(ctx, `UPDATE events SET commit_position = commit_position + 1000000000000`); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	after, err := s.Append(ctx, "after-1", eventstore.NoStream, storetest.Event("after"))
	if err != nil {
		t.Fatal(err)
	}
	last, err := s.ReadAll(ctx, eventstore.EndOfAll, eventstore.Backwards, 1)
	if err != nil || len(last) != 1 || last[0].Stream != "after-1" || last[0].Position != after.Position {
		t.Fatalf("last event %+v (%v); want the one appended after the restore, at %v", last, err, after.Position)
	}
}

// TestEventBodiesUseLZ4: on a server built with lz4 (this one's packages are), a large event body
// is stored compressed with it; a server without lz4 keeps pglz (the migration only notes it).
func TestEventBodiesUseLZ4(t *testing.T) {
	ctx := t.Context()
	pool := pgtest.NewPool(t)
	if err := Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `CREATE TEMP TABLE lz4_probe (x text COMPRESSION lz4)`); err != nil {
		t.Skipf("this server has no lz4: %v", err)
	}
	body := `{"entries":[` + strings.Repeat(`{"camera_id":"5f0c3c9e-2f7d-4e36-9a57-3f1d2b9c8e11","day":"2026-10-01"},`, 200) + `{}]}`
	if _, err := New(pool).Append(ctx, "usagebatch-1", eventstore.NoStream,
		eventstore.EventData{ID: uuid.New(), Type: "test.happened.v1", Data: []byte(body), Metadata: eventstore.Metadata{AccountID: "a"}}); err != nil {
		t.Fatal(err)
	}
	var method string
	if err := pool.QueryRow(ctx, `SELECT pg_column_compression(data) FROM events WHERE stream = 'usagebatch-1'`).Scan(&method); err != nil {
		t.Fatal(err)
	}
	if method != "lz4" {
		t.Fatalf("event body compressed with %q, want lz4", method)
	}
}
