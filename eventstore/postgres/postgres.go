// Package postgres is the event store on PostgreSQL (pgx), the embedded default and fine for a
// one-node production.
//
// Ordering: a PostgreSQL sequence hands out numbers at insert time but transactions commit in any
// order, so a reader polling "position > last" could pass over a number whose transaction commits
// a moment later. Instead, every append takes one transaction-scoped advisory lock before it reads
// the last position. PostgreSQL makes a committed transaction visible before it releases its
// locks, so the next append cannot take a position until the previous one is visible: positions
// are gapless and become visible in order, and a subscription that reads forward never skips one.
// The price is that appends commit one at a time; BenchmarkAppend measures it.
package postgres

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/internal/pgerr"
	"github.com/camcloud/accounts/internal/pgmigrate"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

const (
	// appendLock is the advisory lock key that serializes appends ("camcloud" in ASCII).
	appendLock = 0x63616d636c6f7564
	// notifyChannel wakes live subscriptions when an append commits.
	notifyChannel = "eventstore_appended"
	// pollInterval bounds how long a subscription waits when a notification was lost.
	pollInterval = time.Second
	batchSize    = 500
)

// Store is the PostgreSQL event store.
type Store struct {
	pool *pgxpool.Pool
}

var _ eventstore.Store = (*Store)(nil)

// New returns a store on pool. Call Migrate once before use.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Migrate creates or updates the event store's tables.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	sub, err := fsSub()
	if err != nil {
		return err
	}
	return pgmigrate.Up(ctx, pool, sub, "eventstore_schema_version")
}

func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(stream, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	results, err := s.appendWrites(ctx, []eventstore.StreamWrite{{Stream: stream, Expected: expected, Events: events}})
	if err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("append to %s: %w", stream, err)
	}
	return results[0], nil
}

func (s *Store) AppendMulti(ctx context.Context, writes ...eventstore.StreamWrite) ([]eventstore.AppendResult, error) {
	if err := eventstore.ValidateWrites(writes); err != nil {
		return nil, err
	}
	results, err := s.appendWrites(ctx, writes)
	if err != nil {
		return nil, fmt.Errorf("append to %d streams: %w", len(writes), err)
	}
	return results, nil
}

// appendWrites stores writes in one transaction under the append lock: all of them or none.
func (s *Store) appendWrites(ctx context.Context, writes []eventstore.StreamWrite) ([]eventstore.AppendResult, error) {
	results := make([]eventstore.AppendResult, len(writes))
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(appendLock)); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		replays, replay, err := eventstore.Replays(writes, func(w eventstore.StreamWrite) (eventstore.AppendResult, bool, error) {
			return replayed(ctx, tx, w.Stream, w.Events)
		})
		if replay || err != nil {
			copy(results, replays)
			return err
		}
		var last int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(position), 0) FROM events`).Scan(&last); err != nil {
			return fmt.Errorf("read the last position: %w", err)
		}
		for i, w := range writes {
			var current int64
			err := tx.QueryRow(ctx, `SELECT coalesce(max(revision), -1) FROM events WHERE stream = $1`, w.Stream).Scan(&current)
			if err != nil {
				return fmt.Errorf("read the head of %s: %w", w.Stream, err)
			}
			exists := current >= 0
			if !w.Expected.Check(uint64(current), exists) {
				return &eventstore.ConflictError{Stream: w.Stream, Expected: w.Expected, Actual: uint64(max(current, 0)), Exists: exists}
			}
			if len(w.Events) == 0 {
				results[i] = eventstore.AppendResult{Revision: uint64(max(current, 0))}
				continue
			}
			if err := insert(ctx, tx, w.Stream, current+1, last+1, w.Events); err != nil {
				return err
			}
			n := int64(len(w.Events))
			last += n
			results[i] = eventstore.AppendResult{Revision: uint64(current + n), Position: positionOf(last)}
		}
		if _, err := tx.Exec(ctx, "SELECT pg_notify($1, '')", notifyChannel); err != nil {
			return fmt.Errorf("notify: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, classify(err)
	}
	return results, nil
}

// classify marks errors of a server that cannot be reached, or that dropped the connection, as
// eventstore.ErrUnavailable (see pgerr.Unavailable).
func classify(err error) error { return pgerr.Classify(err) }

// replayed reports whether events were all stored before in stream: a retried append, answered
// with where they were stored.
func replayed(ctx context.Context, tx pgx.Tx, stream string, events []eventstore.EventData) (eventstore.AppendResult, bool, error) {
	ids := make([]uuid.UUID, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	rows, err := tx.Query(ctx, `SELECT stream, revision, position FROM events WHERE id = ANY($1) ORDER BY position`, ids)
	if err != nil {
		return eventstore.AppendResult{}, false, fmt.Errorf("look up event IDs: %w", err)
	}
	var (
		found, elsewhere   int
		storedIn           string
		revision, position int64
	)
	_, err = pgx.ForEachRow(rows, []any{&storedIn, &revision, &position}, func() error {
		found++
		if storedIn != stream {
			elsewhere++
		}
		return nil
	})
	switch {
	case err != nil:
		return eventstore.AppendResult{}, false, fmt.Errorf("look up event IDs: %w", err)
	case found == 0:
		return eventstore.AppendResult{}, false, nil
	case found != len(events) || elsewhere > 0:
		return eventstore.AppendResult{}, false, eventstore.ErrIdempotency
	}
	return eventstore.AppendResult{Revision: uint64(revision), Position: positionOf(position)}, true, nil
}

func insert(ctx context.Context, tx pgx.Tx, stream string, firstRevision, firstPosition int64, events []eventstore.EventData) error {
	n := len(events)
	var (
		positions = make([]int64, n)
		ids       = make([]uuid.UUID, n)
		revisions = make([]int64, n)
		types     = make([]string, n)
		data      = make([]string, n)
		metadata  = make([][]byte, n)
	)
	for i, e := range events {
		m, err := json.Marshal(e.Metadata)
		if err != nil {
			return fmt.Errorf("encode metadata: %w", err)
		}
		positions[i], ids[i], revisions[i] = firstPosition+int64(i), e.ID, firstRevision+int64(i)
		types[i], data[i], metadata[i] = e.Type, string(e.Data), m
	}
	_, err := tx.Exec(ctx, `INSERT INTO events (position, id, stream, revision, type, data, metadata)
		SELECT p, i, $2, r, t, d::json, m::jsonb
		FROM unnest($1::bigint[], $3::uuid[], $4::bigint[], $5::text[], $6::text[], $7::text[]) AS x(p, i, r, t, d, m)`,
		positions, stream, ids, revisions, types, data, metadataStrings(metadata))
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			// Only possible if the lock was bypassed; report it as the conflict it is.
			return fmt.Errorf("insert events: %w: %s", eventstore.ErrConcurrency, pgErr.ConstraintName)
		}
		return fmt.Errorf("insert events: %w", err)
	}
	return nil
}

func metadataStrings(m [][]byte) []string {
	out := make([]string, len(m))
	for i, b := range m {
		out[i] = string(b)
	}
	return out
}

const selectEvents = `SELECT position, id, stream, revision, type, data::text, metadata, recorded_at FROM events `

func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, dir eventstore.Direction, limit int) ([]eventstore.RecordedEvent, error) {
	query := selectEvents + `WHERE stream = $1 AND revision >= $2 ORDER BY revision LIMIT $3`
	start := clamp(from)
	if dir == eventstore.Backwards {
		query = selectEvents + `WHERE stream = $1 AND revision <= $2 ORDER BY revision DESC LIMIT $3`
	}
	events, err := s.query(ctx, query, stream, start, limit)
	if err != nil {
		return nil, fmt.Errorf("read stream %s: %w", stream, classify(err))
	}
	return events, nil
}

func (s *Store) ReadAll(ctx context.Context, from eventstore.Position, dir eventstore.Direction, limit int) ([]eventstore.RecordedEvent, error) {
	query := selectEvents + `WHERE position > $1 ORDER BY position LIMIT $2`
	if dir == eventstore.Backwards {
		query = selectEvents + `WHERE position < $1 ORDER BY position DESC LIMIT $2`
	}
	events, err := s.query(ctx, query, clamp(from.Commit), limit)
	if err != nil {
		return nil, fmt.Errorf("read all from %v: %w", from, classify(err))
	}
	return events, nil
}

func (s *Store) query(ctx context.Context, sql string, args ...any) ([]eventstore.RecordedEvent, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	var (
		out      []eventstore.RecordedEvent
		e        eventstore.RecordedEvent
		pos, rev int64
		data     string
		meta     []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&pos, &e.ID, &e.Stream, &rev, &e.Type, &data, &meta, &e.RecordedAt}, func() error {
		e.Position, e.Revision, e.Data = positionOf(pos), uint64(rev), []byte(data)
		e.Metadata = eventstore.Metadata{}
		if err := json.Unmarshal(meta, &e.Metadata); err != nil {
			return fmt.Errorf("decode metadata of %s: %w", e.ID, err)
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

func (s *Store) Subscribe(ctx context.Context, from eventstore.Position, handle func(context.Context, eventstore.RecordedEvent) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wake, err := s.listen(ctx)
	if err != nil {
		return err
	}
	poll := time.NewTicker(pollInterval)
	defer poll.Stop()
	for {
		batch, err := s.ReadAll(ctx, from, eventstore.Forwards, batchSize)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("subscribe: %w", err)
		}
		for _, e := range batch {
			if err := handle(ctx, e); err != nil {
				return err
			}
			from = e.Position
		}
		if len(batch) == batchSize {
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		case <-poll.C:
		}
	}
}

// listen holds one connection in LISTEN until ctx ends and signals wake on every notification.
// Losing the connection only slows delivery to the poll interval until it is back.
func (s *Store) listen(ctx context.Context) (<-chan struct{}, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		conn.Release()
		return nil, fmt.Errorf("subscribe: listen: %w", err)
	}
	raw := conn.Hijack() // never hand a listening connection back to the pool
	wake := make(chan struct{}, 1)
	go func() {
		defer func() {
			if raw != nil {
				raw.Close(context.Background())
			}
		}()
		for {
			if _, err := raw.WaitForNotification(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				// The connection is gone: fall back to polling, and try to listen again.
				raw.Close(context.Background())
				for raw = s.relisten(ctx); raw == nil; raw = s.relisten(ctx) {
					if ctx.Err() != nil {
						return
					}
				}
			}
			select {
			case wake <- struct{}{}:
			default:
			}
		}
	}()
	return wake, nil
}

func (s *Store) relisten(ctx context.Context) *pgx.Conn {
	select {
	case <-ctx.Done():
		return nil
	case <-time.After(pollInterval):
	}
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig)
	if err != nil {
		return nil
	}
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		conn.Close(context.Background())
		return nil
	}
	return conn
}

func positionOf(p int64) eventstore.Position {
	return eventstore.Position{Commit: uint64(p), Prepare: uint64(p)}
}

// clamp maps the uint64 ends (eventstore.End, EndOfAll) onto PostgreSQL's bigint.
func clamp(v uint64) int64 {
	if v > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(v)
}
