// Package attemptlimit keeps attempt budgets (attempts.Limiter) in PostgreSQL, so that every
// instance of the service charges the same budgets: two instances allow no more sign-in guesses
// than one.
//
// A budget is a token bucket kept as one timestamp per key, the generic cell rate algorithm:
// full_at is when the key's budget is full again. Charging an attempt moves it Every later,
// starting from now when it lies in the past, and is allowed while it stays within Burst × Every
// of now. Charging is one INSERT ... ON CONFLICT DO UPDATE ... WHERE, so concurrent charges are
// serialized on the row and none is counted twice or missed. Rows whose budget is full again
// are deleted a few at a time by the requests themselves, so the table holds only the keys used
// within about one window, and every request does a bounded amount of work.
package attemptlimit

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/camcloud/accounts/attempts"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/internal/pgerr"
	"github.com/camcloud/accounts/internal/pgmigrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate creates or updates the budgets table.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pgmigrate.UpDir(ctx, pool, migrations, "migrations", "attemptlimit_schema_version")
}

// Limiter is the PostgreSQL limiter; call Migrate first.
type Limiter struct {
	pool *pgxpool.Pool
}

var _ attempts.Limiter = (*Limiter)(nil)

// New returns a limiter on pool.
func New(pool *pgxpool.Pool) *Limiter { return &Limiter{pool: pool} }

// forgetPerTake is how many full budgets a successful Take deletes at most: more than the keys it
// can add (so the table shrinks back after a burst) and few enough to cost next to nothing.
const forgetPerTake = 16

// errRefused rolls back a Take of which some budget was spent.
var errRefused = errors.New("refused")

// Take charges one attempt to every budget, all or none (a transaction: a budget charged while
// another one refused is rolled back). Keys are charged in order, so two requests that share
// keys lock them in the same order and never deadlock.
func (l *Limiter) Take(ctx context.Context, now time.Time, charges ...attempts.Attempt) (time.Duration, error) {
	charges = sorted(charges)
	keys, every, span := columns(charges)
	var wait time.Duration
	err := pgx.BeginFunc(ctx, l.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			INSERT INTO attempt_budgets AS b (key, full_at, every, span)
			SELECT k, $4::timestamptz + e, e, s
			FROM unnest($1::text[], $2::interval[], $3::interval[]) WITH ORDINALITY AS a(k, e, s, i)
			ORDER BY i
			ON CONFLICT (key) DO UPDATE
				SET full_at = greatest(b.full_at, $4) + excluded.every, every = excluded.every, span = excluded.span
				WHERE greatest(b.full_at, $4) + excluded.every <= $4 + excluded.span
			RETURNING key`, keys, every, span, now)
		if err != nil {
			return fmt.Errorf("charge: %w", err)
		}
		charged, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("charge: %w", err)
		}
		if len(charged) == len(charges) {
			_, err := tx.Exec(ctx, `DELETE FROM attempt_budgets WHERE key IN (
				SELECT key FROM attempt_budgets WHERE full_at <= $1 ORDER BY full_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
				now, forgetPerTake)
			if err != nil {
				return fmt.Errorf("forget full budgets: %w", err)
			}
			return nil
		}
		// A refused key's row exists and is locked by the INSERT: read when it has room again.
		fullAt := map[string]time.Time{}
		rows, err = tx.Query(ctx, `SELECT key, full_at FROM attempt_budgets WHERE key = ANY($1)`, keys)
		if err != nil {
			return fmt.Errorf("read refused budgets: %w", err)
		}
		var (
			key string
			at  time.Time
		)
		if _, err := pgx.ForEachRow(rows, []any{&key, &at}, func() error { fullAt[key] = at; return nil }); err != nil {
			return fmt.Errorf("read refused budgets: %w", err)
		}
		for _, a := range charges {
			if slices.Contains(charged, a.Key) {
				continue
			}
			room := fullAt[a.Key].Add(a.Limit.Every).Sub(now) - time.Duration(a.Limit.Burst)*a.Limit.Every
			wait = max(wait, room)
		}
		return errRefused
	})
	switch {
	case errors.Is(err, errRefused):
		return wait, nil
	case err != nil:
		return 0, classify(fmt.Errorf("attempt limit: %w", err))
	}
	return 0, nil
}

// Give returns one attempt to each budget (a right password). A budget never holds more than its
// burst: Take starts from now when full_at lies in the past.
func (l *Limiter) Give(ctx context.Context, now time.Time, charges ...attempts.Attempt) error {
	charges = sorted(charges)
	batch := &pgx.Batch{}
	for _, a := range charges { // one row at a time, in key order, like Take
		batch.Queue(`UPDATE attempt_budgets SET full_at = full_at - $2::interval WHERE key = $1`, a.Key, a.Limit.Every)
	}
	if err := l.pool.SendBatch(ctx, batch).Close(); err != nil {
		return classify(fmt.Errorf("attempt limit: give back: %w", err))
	}
	return nil
}

func sorted(charged []attempts.Attempt) []attempts.Attempt {
	return attempts.Sorted(slices.Clone(charged)...)
}

func columns(charges []attempts.Attempt) (keys []string, every, span []time.Duration) {
	for _, a := range charges {
		keys = append(keys, a.Key)
		every = append(every, a.Limit.Every)
		span = append(span, time.Duration(a.Limit.Burst)*a.Limit.Every)
	}
	return keys, every, span
}

// classify marks errors of a database that cannot be reached as eventstore.ErrUnavailable (see
// pgerr.Unavailable), which the HTTP layer answers with 503 and Retry-After: without its budgets
// the service refuses to verify passwords rather than verify them unlimited.
func classify(err error) error { return pgerr.Classify(err) }
