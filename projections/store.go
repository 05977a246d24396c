package projections

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ErrOtherStore means read models hold positions of another event store than the one
// configured (a deployment moved from PostgreSQL to EventStoreDB, say): their checkpoints mean
// nothing there, so projecting from them would skip or repeat events.
var ErrOtherStore = errors.New("read models were built from another event store; run `accounts projections rebuild`")

// CheckStore returns ErrOtherStore when a read model of the pipeline past its first event was
// built from another event store than the one IdentifyStore named. A pipeline told no identity
// checks nothing.
func (p *Pipeline) CheckStore(ctx context.Context) error {
	if p.storeID == "" {
		return nil
	}
	rows, err := p.pool.Query(ctx, `SELECT name || ' (' || store || ')' FROM projection_checkpoints
		WHERE name = ANY($1) AND store IS NOT NULL AND store <> $2 AND (commit, prepare) > (0, 0) ORDER BY name`,
		p.Names(), p.storeID)
	if err != nil {
		return fmt.Errorf("check the read models' event store: %w", err)
	}
	others, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("check the read models' event store: %w", err)
	}
	if len(others) > 0 {
		return fmt.Errorf("%w (the event store is %s; built from another: %s)", ErrOtherStore, p.storeID, strings.Join(others, ", "))
	}
	return nil
}

// adoptStore records the configured store on checkpoints that name none (recorded before
// stores were told apart, or by a pipeline told no identity), and on read models still at their
// start, where no position has been taken from any store yet.
func (p *Pipeline) adoptStore(ctx context.Context) error {
	if p.storeID == "" {
		return nil
	}
	_, err := p.pool.Exec(ctx, `UPDATE projection_checkpoints SET store = $2
		WHERE name = ANY($1) AND store IS DISTINCT FROM $2 AND (store IS NULL OR (commit, prepare) = (0, 0))`,
		p.Names(), p.storeID)
	if err != nil {
		return fmt.Errorf("record the read models' event store: %w", err)
	}
	return nil
}
