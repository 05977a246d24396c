package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/camcloud/accounts/eventstore"
)

// An append is one statement: it moves the stream's head row if the expectation holds and inserts
// the events after it, numbered from the head's new revision. When the expectation fails the head
// statement returns no row and nothing is inserted. Under READ COMMITTED a head statement that
// meets a concurrent append to the same stream waits for it and then evaluates its condition
// against the row that append left, so an expectation holds at commit, not just at read time.
//
// $1 stream, $2 number of events, $3 the first event's number in its transaction, $4..$7 the
// events, $8 the expected revision (exact only).
var headStatements = map[string]string{
	"any": `INSERT INTO streams AS s (stream, revision) VALUES ($1, $2 - 1)
		ON CONFLICT (stream) DO UPDATE SET revision = s.revision + $2
		RETURNING s.revision`,
	"no stream": `INSERT INTO streams AS s (stream, revision) VALUES ($1, $2 - 1)
		ON CONFLICT (stream) DO UPDATE SET revision = $2 - 1 WHERE s.revision = -1
		RETURNING s.revision`,
	"stream exists": `UPDATE streams AS s SET revision = s.revision + $2
		WHERE s.stream = $1 AND s.revision >= 0
		RETURNING s.revision`,
	"exact": `UPDATE streams AS s SET revision = s.revision + $2
		WHERE s.stream = $1 AND s.revision = $8
		RETURNING s.revision`,
}

const insertEvents = `
	INSERT INTO events (commit_position, prepare_position, id, stream, revision, type, data, metadata)
	SELECT eventstore_commit_position(pg_current_xact_id()), $3 + x.n - 1, x.id, $1, head.revision - $2 + x.n,
		x.type, x.data::json, x.metadata::jsonb
	FROM head, unnest($4::uuid[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS x(id, type, data, metadata, n)`

// appendStatements are the head statement and the insert as one statement per expectation kind,
// answering the stream's new revision and the transaction's commit position.
var appendStatements = func() map[string]string {
	out := make(map[string]string, len(headStatements))
	for kind, head := range headStatements {
		out[kind] = `WITH head AS (` + head + `), inserted AS (` + insertEvents + `)
			SELECT revision, eventstore_commit_position(pg_current_xact_id()) FROM head`
	}
	return out
}()

// mustAppendStatements are appendStatements for a write of a multi-stream append: a refused
// expectation raises eventstore_refuse, which rolls back the batch's implicit transaction.
var mustAppendStatements = func() map[string]string {
	out := make(map[string]string, len(headStatements))
	for kind, head := range headStatements {
		out[kind] = `WITH head AS (` + head + `), inserted AS (` + insertEvents + `)
			SELECT coalesce((SELECT revision FROM head), eventstore_refuse($1)), eventstore_commit_position(pg_current_xact_id())`
	}
	return out
}()

// refusedCode is the SQLSTATE of eventstore_refuse (migration 3); its DETAIL is the stream.
const refusedCode = "ES409"

// A check-only write locks the stream's head row FOR SHARE: it waits for an append to that stream
// in flight and then reads what it committed, and an append that comes later waits for this
// transaction. A stream that may have no row (one expected not to exist, or at any revision)
// gets one at revision -1 first, so that there is a row to lock (an append that creates the
// stream meanwhile makes the insert wait, then do nothing); one expected to exist has its row,
// as streams are never deleted.
const (
	checkInsert = `INSERT INTO streams (stream, revision) VALUES ($1, -1) ON CONFLICT (stream) DO NOTHING`
	checkLock   = `SELECT CASE WHEN (CASE $2::text WHEN 'exact' THEN revision = $3 WHEN 'no stream' THEN revision = -1
			WHEN 'stream exists' THEN revision >= 0 ELSE true END) THEN revision ELSE eventstore_refuse($1) END
		FROM streams WHERE stream = $1 FOR SHARE`
)

// mayLackRow reports whether a check-only write's stream may have no head row yet.
func mayLackRow(w write) bool {
	kind, _ := expectation(w.expected)
	return kind == "no stream" || kind == "any"
}

// checkArgs are checkLock's arguments for a check-only write.
func checkArgs(w write) []any {
	kind, revision := expectation(w.expected)
	return []any{w.stream, kind, revision}
}

// expectation names an expected revision as the statements do (the keys of headStatements),
// with the revision an exact one expects.
func expectation(e eventstore.ExpectedRevision) (kind string, revision int64) {
	switch r, exact := e.Revision(); {
	case exact:
		return "exact", clamp(r)
	case e.IsNoStream():
		return "no stream", 0
	case e.IsStreamExists():
		return "stream exists", 0
	}
	return "any", 0
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

// appendWrites stores writes all or none. The common case, new events, costs one statement (one
// round trip, in its own transaction, for a single write); only a refused append looks further,
// to tell a retry of an append already stored (answered as the first time) from a conflict.
func (s *Store) appendWrites(ctx context.Context, writes []eventstore.StreamWrite) ([]eventstore.AppendResult, error) {
	statements, err := prepareWrites(writes)
	if err != nil {
		return nil, err
	}
	var (
		results []eventstore.AppendResult
		refused int // the index of the first write whose expectation failed, or -1
	)
	if len(writes) == 1 {
		results, refused, err = s.appendOne(ctx, statements[0])
	} else {
		results, refused, err = s.appendMany(ctx, statements)
	}
	duplicate := isUniqueViolation(err, "events_id_key")
	if err != nil && !duplicate {
		if isDeadlock(err) {
			// Not expected (head rows are locked in one order), but if it happens it is a race
			// between writers that a reload and retry resolves.
			return nil, fmt.Errorf("%w: %w", eventstore.ErrConcurrency, err)
		}
		return nil, classify(err)
	}
	if refused < 0 && !duplicate {
		s.committed()
		return results, nil
	}
	// Refused: a retry of writes already stored is answered as the first time.
	replays, all, rerr := eventstore.Replays(writes, func(w eventstore.StreamWrite) (eventstore.AppendResult, bool, error) {
		return s.replayed(ctx, w.Stream, w.Events)
	})
	switch {
	case rerr != nil:
		return nil, classify(rerr)
	case all:
		return replays, nil
	case duplicate:
		// Stored by a transaction that committed between our look-up and our insert, or in
		// another stream.
		return nil, eventstore.ErrIdempotency
	}
	return nil, s.conflict(ctx, writes[refused])
}

// write is one StreamWrite ready for its statement.
type write struct {
	index    int
	stream   string
	expected eventstore.ExpectedRevision
	sql      string // "" for a check-only write
	mustSQL  string // sql in a multi-stream append: a refusal raises
	args     []any
	events   int
	first    int64 // the number of its first event within the transaction
}

func prepareWrites(writes []eventstore.StreamWrite) ([]write, error) {
	out := make([]write, len(writes))
	var number int64 // events take consecutive numbers in the order of writes
	for i, w := range writes {
		out[i] = write{index: i, stream: w.Stream, expected: w.Expected, events: len(w.Events), first: number}
		if len(w.Events) == 0 {
			continue
		}
		n := len(w.Events)
		var (
			ids                    = make([]uuid.UUID, n)
			types, data, metadatas = make([]string, n), make([]string, n), make([]string, n)
		)
		for j, e := range w.Events {
			m, err := json.Marshal(e.Metadata)
			if err != nil {
				return nil, fmt.Errorf("encode metadata: %w", err)
			}
			ids[j], types[j], data[j], metadatas[j] = e.ID, e.Type, string(e.Data), string(m)
		}
		out[i].args = []any{w.Stream, int64(n), number, ids, types, data, metadatas}
		kind, revision := expectation(w.Expected)
		if kind == "exact" {
			out[i].args = append(out[i].args, revision)
		}
		out[i].sql, out[i].mustSQL = appendStatements[kind], mustAppendStatements[kind]
		number += int64(n)
	}
	return out, nil
}

// appendOne runs a single write with events as one statement in its own transaction.
func (s *Store) appendOne(ctx context.Context, w write) ([]eventstore.AppendResult, int, error) {
	var revision, commit int64
	err := s.pool.QueryRow(ctx, w.sql, w.args...).Scan(&revision, &commit)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, w.index, nil
	case err != nil:
		return nil, -1, err
	}
	return []eventstore.AppendResult{{Revision: uint64(revision), Position: positionOf(commit, w.first+int64(w.events)-1)}}, -1, nil
}

// appendMany runs several writes as one pipelined batch, which PostgreSQL runs as one implicit
// transaction: one round trip, no BEGIN or COMMIT. A refused expectation raises (see
// eventstore_refuse) and so undoes the writes before it. Head rows are locked in the order of
// stream names, so that two appends to overlapping streams cannot deadlock.
func (s *Store) appendMany(ctx context.Context, writes []write) ([]eventstore.AppendResult, int, error) {
	ordered := slices.SortedFunc(slices.Values(writes), func(a, b write) int { return cmp.Compare(a.stream, b.stream) })
	results := make([]eventstore.AppendResult, len(writes))
	batch := &pgx.Batch{}
	for _, w := range ordered {
		if w.sql == "" {
			if mayLackRow(w) {
				batch.Queue(checkInsert, w.stream)
			}
			batch.Queue(checkLock, checkArgs(w)...)
			continue
		}
		batch.Queue(w.mustSQL, w.args...)
	}
	br := s.pool.SendBatch(ctx, batch)
	err := func() error {
		for _, w := range ordered {
			var revision, commit int64
			if w.sql == "" {
				if mayLackRow(w) {
					if _, err := br.Exec(); err != nil {
						return fmt.Errorf("check %s: %w", w.stream, err)
					}
				}
				if err := br.QueryRow().Scan(&revision); err != nil {
					return fmt.Errorf("check %s: %w", w.stream, err)
				}
				results[w.index] = eventstore.AppendResult{Revision: uint64(max(revision, 0))}
				continue
			}
			if err := br.QueryRow().Scan(&revision, &commit); err != nil {
				return fmt.Errorf("append to %s: %w", w.stream, err)
			}
			results[w.index] = eventstore.AppendResult{Revision: uint64(revision), Position: positionOf(commit, w.first+int64(w.events)-1)}
		}
		return nil
	}()
	if closeErr := br.Close(); err == nil {
		err = closeErr
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == refusedCode {
		for _, w := range writes {
			if w.stream == pgErr.Detail {
				return nil, w.index, nil
			}
		}
	}
	if err != nil {
		return nil, -1, err
	}
	return results, -1, nil
}

// conflict describes a refused write with the stream's revision as it is now.
func (s *Store) conflict(ctx context.Context, w eventstore.StreamWrite) error {
	current := int64(-1)
	err := s.pool.QueryRow(ctx, `SELECT revision FROM streams WHERE stream = $1`, w.Stream).Scan(&current)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return classify(fmt.Errorf("read the head of %s: %w", w.Stream, err))
	}
	return &eventstore.ConflictError{Stream: w.Stream, Expected: w.Expected, Actual: uint64(max(current, 0)), Exists: current >= 0}
}

// replayed reports whether events were all stored before in stream: a retried append, answered
// with where they were stored.
func (s *Store) replayed(ctx context.Context, stream string, events []eventstore.EventData) (eventstore.AppendResult, bool, error) {
	ids := make([]uuid.UUID, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	rows, err := s.pool.Query(ctx, `SELECT stream, revision, commit_position, prepare_position FROM events
		WHERE id = ANY($1) ORDER BY commit_position, prepare_position`, ids)
	if err != nil {
		return eventstore.AppendResult{}, false, fmt.Errorf("look up event IDs: %w", err)
	}
	var (
		found, elsewhere          int
		storedIn                  string
		revision, commit, prepare int64
	)
	_, err = pgx.ForEachRow(rows, []any{&storedIn, &revision, &commit, &prepare}, func() error {
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
	return eventstore.AppendResult{Revision: uint64(revision), Position: positionOf(commit, prepare)}, true, nil
}

func isUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == constraint
}

func isDeadlock(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "40P01"
}
