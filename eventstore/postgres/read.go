package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/camcloud/accounts/eventstore"
)

const selectEvents = `SELECT commit_position, prepare_position, id, stream, revision, type, data::text, metadata, recorded_at FROM events `

// readForward reads the events after from in global order, up to limit, that are final: below
// the horizon of the statement's snapshot, the commit position of the oldest transaction still
// running (mapped like the events'). No transaction that could still commit sorts before them.
// Events at or above it are committed but may yet get an earlier neighbour, so they are left in
// the database (not sent and dropped: while any write transaction stays open on the server, a
// subscriber reads again every few milliseconds). The first row also says the newest committed
// position, so a reader knows whether events are held back; with no final event it is the only
// row, and its event columns are NULL.
const readForward = `WITH h AS MATERIALIZED (
		SELECT eventstore_commit_position(pg_snapshot_xmin(pg_current_snapshot())) AS horizon,
			(SELECT coalesce(max(commit_position), 0) FROM events) AS newest)
	SELECT h.horizon, h.newest, e.commit_position, e.prepare_position, e.id, e.stream, e.revision, e.type,
		e.data::text, e.metadata, e.recorded_at
	FROM h LEFT JOIN LATERAL (
		SELECT * FROM events WHERE (commit_position, prepare_position) > ($1, $2) AND commit_position < h.horizon
		ORDER BY commit_position, prepare_position LIMIT $3) e ON true`

func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, dir eventstore.Direction, limit int) ([]eventstore.RecordedEvent, error) {
	query := selectEvents + `WHERE stream = $1 AND revision >= $2 ORDER BY revision LIMIT $3`
	if dir == eventstore.Backwards {
		query = selectEvents + `WHERE stream = $1 AND revision <= $2 ORDER BY revision DESC LIMIT $3`
	}
	rows, err := s.pool.Query(ctx, query, stream, clamp(from), limit)
	if err != nil {
		return nil, fmt.Errorf("read stream %s: %w", stream, classify(err))
	}
	events, err := collect(rows)
	if err != nil {
		return nil, fmt.Errorf("read stream %s: %w", stream, classify(err))
	}
	return events.final, nil
}

// ReadAll reads forwards only final events (see readForward), so that a reader paging through
// the log never passes over an event whose transaction commits late. So that a reader also sees
// every event committed before it asked, a short page waits (at most settleWait) until the
// transactions older than the committed events it found have ended. Backwards reads return every
// committed event.
func (s *Store) ReadAll(ctx context.Context, from eventstore.Position, dir eventstore.Direction, limit int) ([]eventstore.RecordedEvent, error) {
	if dir == eventstore.Backwards {
		rows, err := s.pool.Query(ctx, selectEvents+`WHERE (commit_position, prepare_position) < ($1, $2)
			ORDER BY commit_position DESC, prepare_position DESC LIMIT $3`, clamp(from.Commit), clamp(from.Prepare), limit)
		if err != nil {
			return nil, fmt.Errorf("read all before %v: %w", from, classify(err))
		}
		events, err := collect(rows)
		if err != nil {
			return nil, fmt.Errorf("read all before %v: %w", from, classify(err))
		}
		return events.final, nil
	}
	page, err := s.readFinal(ctx, from, limit)
	if err != nil || page.pending == 0 || len(page.final) == limit {
		return page.final, err
	}
	target := page.pending // wait for the events committed so far, not for every later one
	deadline := time.Now().Add(settleWait)
	for backoff := time.Millisecond; page.horizon <= target && time.Now().Before(deadline); backoff = min(2*backoff, maxRecheck) {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("read all after %v: %w", from, ctx.Err())
		case <-time.After(backoff):
		}
		if page, err = s.readFinal(ctx, from, limit); err != nil || len(page.final) == limit {
			return page.final, err
		}
	}
	return page.final, nil
}

// readFinal reads a page forwards: the final events, and the horizon and the last commit
// position of the committed events held back (pending is 0 when none was).
func (s *Store) readFinal(ctx context.Context, from eventstore.Position, limit int) (page, error) {
	rows, err := s.pool.Query(ctx, readForward, clamp(from.Commit), clamp(from.Prepare), limit)
	if err != nil {
		return page{}, fmt.Errorf("read all after %v: %w", from, classify(err))
	}
	p, err := collectForward(rows)
	if err != nil {
		return page{}, fmt.Errorf("read all after %v: %w", from, classify(err))
	}
	return p, nil
}

// collectForward scans the rows of readForward.
func collectForward(rows pgx.Rows) (page, error) {
	var (
		out             page
		newest          int64
		commit, prepare *int64
		rev             *int64
		id              *uuid.UUID
		stream, typ     *string
		data            *string
		meta            []byte
		recordedAt      *time.Time
	)
	_, err := pgx.ForEachRow(rows, []any{&out.horizon, &newest, &commit, &prepare, &id, &stream, &rev, &typ, &data, &meta, &recordedAt}, func() error {
		if commit == nil {
			return nil // no final event: the row only carries the horizon
		}
		e := eventstore.RecordedEvent{
			EventData:  eventstore.EventData{ID: *id, Type: *typ, Data: []byte(*data)},
			Stream:     *stream,
			Revision:   uint64(*rev),
			Position:   positionOf(*commit, *prepare),
			RecordedAt: *recordedAt,
		}
		if err := json.Unmarshal(meta, &e.Metadata); err != nil {
			return fmt.Errorf("decode metadata of %s: %w", e.ID, err)
		}
		out.final = append(out.final, e)
		return nil
	})
	if newest >= out.horizon {
		out.pending = newest
	}
	return out, err
}

type page struct {
	final   []eventstore.RecordedEvent
	horizon int64
	pending int64
}

// collect scans rows of selectEvents.
func collect(rows pgx.Rows) (page, error) {
	var (
		out                  page
		e                    eventstore.RecordedEvent
		commit, prepare, rev int64
		data                 string
		meta                 []byte
	)
	_, err := pgx.ForEachRow(rows, []any{&commit, &prepare, &e.ID, &e.Stream, &rev, &e.Type, &data, &meta, &e.RecordedAt}, func() error {
		e.Position, e.Revision, e.Data = positionOf(commit, prepare), uint64(rev), []byte(data)
		e.Metadata = eventstore.Metadata{}
		if err := json.Unmarshal(meta, &e.Metadata); err != nil {
			return fmt.Errorf("decode metadata of %s: %w", e.ID, err)
		}
		out.final = append(out.final, e)
		return nil
	})
	return out, err
}
