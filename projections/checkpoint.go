package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/internal/pgerr"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrCheckpointMoved means the read model's checkpoint is not where this delivery expected it:
// the model was reset, or another process projected ahead. The subscription starts again from
// the stored checkpoint, so nothing is skipped or applied twice.
var ErrCheckpointMoved = errors.New("checkpoint moved")

// ErrNotCaughtUp is returned by WaitFor when the read models did not reach a position in time.
var ErrNotCaughtUp = errors.New("read models have not reached the position yet")

// Checkpoints reads where the read models stand.
type Checkpoints struct {
	pool *pgxpool.Pool
}

// NewCheckpoints returns a reader of the checkpoints in pool.
func NewCheckpoints(pool *pgxpool.Pool) *Checkpoints { return &Checkpoints{pool: pool} }

// Get returns a read model's checkpoint (Start if it has none).
func (c *Checkpoints) Get(ctx context.Context, name string) (eventstore.Position, error) {
	var commit, prepare int64
	err := c.pool.QueryRow(ctx, `SELECT commit, prepare FROM projection_checkpoints WHERE name = $1`, name).Scan(&commit, &prepare)
	if errors.Is(err, pgx.ErrNoRows) {
		return eventstore.Start, nil
	}
	if err != nil {
		return eventstore.Start, fmt.Errorf("read checkpoint of %s: %w", name, pgerr.Classify(err))
	}
	return positionOf(commit, prepare), nil
}

// WaitFor blocks until every named read model has reached pos, ctx ends (its error), or timeout
// passes (ErrNotCaughtUp). It polls: the projectors may run in another process.
func (c *Checkpoints) WaitFor(ctx context.Context, pos eventstore.Position, timeout time.Duration, names ...string) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	delay := 2 * time.Millisecond
	var lastErr error // of the last poll; a server that cannot be reached is unavailable, not behind
	for {
		var behind int
		err := c.pool.QueryRow(ctx, `SELECT count(*) FROM unnest($1::text[]) AS n(name)
			LEFT JOIN projection_checkpoints c USING (name)
			WHERE c.name IS NULL OR (c.commit, c.prepare) < ($2, $3)`,
			names, int64(pos.Commit), int64(pos.Prepare)).Scan(&behind)
		if err == nil && behind == 0 {
			return nil
		}
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("wait for read models: %w", pgerr.Classify(err))
		}
		if err == nil || !errors.Is(err, context.DeadlineExceeded) {
			lastErr = err // a poll cut by our own deadline says nothing about the server
		}
		select {
		case <-ctx.Done():
			if lastErr != nil && pgerr.Unavailable(lastErr) && !errors.Is(ctx.Err(), context.Canceled) {
				return fmt.Errorf("wait for read models: %w", pgerr.Classify(lastErr))
			}
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return ErrNotCaughtUp
			}
			return ctx.Err()
		case <-time.After(delay):
			delay = min(2*delay, 50*time.Millisecond)
		}
	}
}

// advance moves a read model's checkpoint from after to to, inside tx. It reports false if the
// event at to was applied before (a replay), and ErrCheckpointMoved if the stored checkpoint is
// neither after nor at or past to.
func advance(ctx context.Context, tx pgx.Tx, name string, after, to eventstore.Position) (bool, error) {
	var commit, prepare int64
	err := tx.QueryRow(ctx, `SELECT commit, prepare FROM projection_checkpoints WHERE name = $1 FOR UPDATE`, name).Scan(&commit, &prepare)
	if err != nil {
		return false, fmt.Errorf("lock checkpoint of %s: %w", name, err)
	}
	stored := positionOf(commit, prepare)
	if to.Compare(stored) <= 0 {
		return false, nil
	}
	if stored != after {
		return false, fmt.Errorf("%s: at %v, delivery expected %v: %w", name, stored, after, ErrCheckpointMoved)
	}
	_, err = tx.Exec(ctx, `UPDATE projection_checkpoints SET commit = $2, prepare = $3, updated_at = now() WHERE name = $1`,
		name, int64(to.Commit), int64(to.Prepare))
	if err != nil {
		return false, fmt.Errorf("move checkpoint of %s: %w", name, err)
	}
	return true, nil
}

func positionOf(commit, prepare int64) eventstore.Position {
	return eventstore.Position{Commit: uint64(commit), Prepare: uint64(prepare)}
}
