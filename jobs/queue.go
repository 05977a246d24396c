package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Table names the PostgreSQL table that holds a queue's items, one row each. Besides its own
// columns the table has the three a queue keeps:
//
//	attempts   integer     NOT NULL DEFAULT 0      -- runs started, the current one included
//	next_try   timestamptz NOT NULL DEFAULT now()  -- due from then (a lease or a backoff moves it)
//	last_error text                                -- why the last run failed, or was skipped
//
// and an index on next_try for the rows not done (WHERE <Done> IS NULL).
type Table struct {
	Name  string // the table
	Key   string // its primary key column
	Order string // due items are claimed in this column's order, oldest first
	Done  string // a timestamptz column, NULL until the item is finished (done or skipped)
}

// Job is one claimed item, as the handler gets it.
type Job[T any] struct {
	// Data is the item's row, decoded from its JSON form (to_jsonb): name T's fields after the
	// columns with json tags; uuid and timestamptz columns decode into strings, uuid.UUID or
	// time.Time.
	Data T
	// Attempt is the number of this run, 1 for the first.
	Attempt int
}

// Queue runs the items of one table with one handler. Several queues (in one process or in
// several) may run on the same table: each item is claimed by one of them at a time.
type Queue[T any] struct {
	// Name names the job in counts and logs, e.g. "mail".
	Name  string
	Pool  *pgxpool.Pool
	Table Table
	// Handle does one item's work, outside any transaction. It returns nil when the item is done,
	// Skip(reason) to finish it undone, and any other error to try again later. It may run more
	// than once for an item (at least once): it must be idempotent.
	Handle func(ctx context.Context, job Job[T]) error

	Batch       int           // items per claim (16)
	Lease       time.Duration // a claimed item is left to its worker this long (5 minutes)
	Backoff     Backoff       // wait after a failure (1 s, doubling, at most 17 minutes)
	MaxAttempts int           // runs before an item is dead (12)
	Counter     Counter       // counts each recorded outcome (none)
	Logger      *slog.Logger  // logs failures (none)
}

const (
	defaultBatch       = 16
	defaultLease       = 5 * time.Minute
	defaultMaxAttempts = 12
)

var defaultBackoff = Backoff{Base: time.Second, Max: 1024 * time.Second}

// RunDue runs every item that is due, claim after claim, until none is left, and returns how many
// were done. A failed item is recorded for a later try, not returned; an error reaching the
// database is returned, and the items it left claimed come back when their lease ends.
func (q *Queue[T]) RunDue(ctx context.Context) (int, error) {
	pool := q.Pool
	done := 0
	for {
		claimed, err := q.claim(ctx, pool)
		if err != nil || len(claimed) == 0 {
			return done, err
		}
		claimedAt := time.Now()
		for _, c := range claimed {
			// Items wait their turn under one lease. Past half of it, the rest are left to their
			// lease's end: another worker may claim them then, and must not find this one still
			// sending (a slow mail server would otherwise have two workers send the same mail).
			if time.Since(claimedAt) > q.lease()/2 {
				break
			}
			o, err := q.run(ctx, pool, c)
			if err != nil {
				return done, err
			}
			if o == Done {
				done++
			}
		}
	}
}

// claimed is an item taken under a lease: its key (as the driver decoded it, passed back to it
// as is), the attempt it is on, and its row.
type claimed[T any] struct {
	key any
	job Job[T]
}

// claim leases the oldest due items to this worker, in one short statement.
func (q *Queue[T]) claim(ctx context.Context, pool *pgxpool.Pool) ([]claimed[T], error) {
	t := q.Table
	table, key, order, doneCol := ident(t.Name), ident(t.Key), ident(t.Order), ident(t.Done)
	// The sub-select orders and locks; UPDATE ... RETURNING keeps no order, so sort again.
	sql := `WITH taken AS (
		UPDATE ` + table + ` o SET attempts = o.attempts + 1, next_try = now() + $2 * interval '1 second'
		FROM (SELECT ` + key + ` FROM ` + table + ` WHERE ` + doneCol + ` IS NULL AND next_try <= now() AND attempts < $1
			ORDER BY ` + order + ` LIMIT $3 FOR UPDATE SKIP LOCKED) due
		WHERE o.` + key + ` = due.` + key + `
		RETURNING o.*)
	SELECT ` + key + `, attempts, to_jsonb(taken) FROM taken ORDER BY ` + order
	rows, err := pool.Query(ctx, sql, q.maxAttempts(), q.lease().Seconds(), q.batch())
	if err != nil {
		return nil, fmt.Errorf("claim %s jobs: %w", q.Name, err)
	}
	var (
		out  []claimed[T]
		c    claimed[T]
		data []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&c.key, &c.job.Attempt, &data}, func() error {
		var row T
		if err := json.Unmarshal(data, &row); err != nil {
			return fmt.Errorf("decode a %s job: %w", q.Name, err)
		}
		c.job.Data = row
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim %s jobs: %w", q.Name, err)
	}
	return out, nil
}

// run runs one claimed item and records its outcome. The record names the attempt it ran: when
// the lease ran out and another worker claimed the item meanwhile, it changes nothing.
func (q *Queue[T]) run(ctx context.Context, pool *pgxpool.Pool, c claimed[T]) (Outcome, error) {
	t := q.Table
	table, key, doneCol := ident(t.Name), ident(t.Key), ident(t.Done)
	where := ` WHERE ` + key + ` = $1 AND attempts = $2 AND ` + doneCol + ` IS NULL`

	runErr := q.Handle(ctx, c.job)
	var (
		o   Outcome
		err error
	)
	switch {
	case runErr == nil:
		o = Done
		_, err = pool.Exec(ctx, `UPDATE `+table+` SET `+doneCol+` = now(), last_error = NULL`+where, c.key, c.job.Attempt)
	case isSkip(runErr):
		o = Skipped
		_, err = pool.Exec(ctx, `UPDATE `+table+` SET `+doneCol+` = now(), last_error = $3`+where, c.key, c.job.Attempt, runErr.Error())
	default:
		o = Retry
		if c.job.Attempt >= q.maxAttempts() {
			o = Dead
		}
		q.log(ctx, o, c, runErr)
		_, err = pool.Exec(ctx, `UPDATE `+table+` SET next_try = now() + $3 * interval '1 second', last_error = $4`+where,
			c.key, c.job.Attempt, q.backoff().Delay(c.job.Attempt).Seconds(), runErr.Error())
	}
	if err != nil {
		return o, fmt.Errorf("record %s job %v as %s: %w", q.Name, c.key, o, err)
	}
	q.counter().Count(q.Name, o)
	return o, nil
}

func (q *Queue[T]) log(ctx context.Context, o Outcome, c claimed[T], err error) {
	if q.Logger == nil {
		return
	}
	level := slog.LevelWarn
	if o == Dead {
		level = slog.LevelError
	}
	q.Logger.Log(ctx, level, "job failed", "job", q.Name, "key", fmt.Sprint(c.key), "attempt", c.job.Attempt, "outcome", string(o), "error", err)
}

func (q *Queue[T]) batch() int           { return cmpOr(q.Batch, defaultBatch) }
func (q *Queue[T]) lease() time.Duration { return cmpOr(q.Lease, defaultLease) }
func (q *Queue[T]) maxAttempts() int     { return cmpOr(q.MaxAttempts, defaultMaxAttempts) }
func (q *Queue[T]) backoff() Backoff     { return orBackoff(q.Backoff) }
func (q *Queue[T]) counter() Counter     { return orCounter(q.Counter) }
func ident(name string) string           { return pgx.Identifier{name}.Sanitize() }

func cmpOr[N int | time.Duration](v, fallback N) N {
	if v <= 0 {
		return fallback
	}
	return v
}

func orBackoff(b Backoff) Backoff {
	if b.Base <= 0 || b.Max <= 0 {
		return defaultBackoff
	}
	return b
}

func orCounter(c Counter) Counter {
	if c == nil {
		return noCount{}
	}
	return c
}

// JobName is the name counts and logs give the queue.
func (q *Queue[T]) JobName() string { return q.Name }
