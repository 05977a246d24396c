package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/camcloud/accounts/eventstore"
)

// Kept is implemented by a read model whose rows are a record of what was done and not only a
// view of the events (the mail outbox records what was sent). A rebuild keeps its tables and
// replays every event into them, so its Apply must give a replayed event no second effect; it
// is not built beside the live one, which would forget what was done.
type Kept interface {
	Projector
	KeptOnRebuild()
}

// Rebuild rebuilds the named read models (all when none is named) from the first event.
//
// A read model is built into new tables, in a schema of its own, while the live one keeps
// serving and projecting; when the new tables have caught up with the event store they replace
// the live ones, with the checkpoint, in one transaction. So readers never see a half-built
// model, and a rebuild that is stopped (or killed) leaves the live model as it was; its
// leftovers are dropped by the next rebuild or start. Projectors running elsewhere find their
// checkpoint moved, start again from it and write into the new tables, which have the old names.
func (p *Pipeline) Rebuild(ctx context.Context, names ...string) error {
	models := p.models
	if len(names) > 0 {
		models = nil
		for _, name := range names {
			m, ok := p.model(name)
			if !ok {
				return fmt.Errorf("rebuild %q: no such read model (have %v)", name, p.Names())
			}
			models = append(models, m)
		}
	}
	for _, m := range models {
		if err := p.rebuild(ctx, m, false); err != nil {
			return fmt.Errorf("rebuild %s: %w", m.Name(), err)
		}
	}
	return nil
}

func (p *Pipeline) model(name string) (model, bool) {
	for _, m := range p.models {
		if m.Name() == name {
			return m, true
		}
	}
	return model{}, false
}

// rebuild rebuilds one read model; with onlyIfStale it does nothing when the stored version is
// the projector's by the time it holds the rebuild lock (another instance rebuilt it meanwhile).
func (p *Pipeline) rebuild(ctx context.Context, proj model, onlyIfStale bool) error {
	unlock, err := p.lockRebuild(ctx, proj.Name())
	if err != nil {
		return err
	}
	defer unlock()
	if onlyIfStale {
		var version int
		err := p.pool.QueryRow(ctx, `SELECT version FROM projection_checkpoints WHERE name = $1`, proj.Name()).Scan(&version)
		if err != nil {
			return fmt.Errorf("read version: %w", err)
		}
		if version == proj.Version() {
			return nil
		}
	}
	if _, ok := proj.Projector.(Kept); ok {
		return p.rebuildInPlace(ctx, proj)
	}
	schema := buildSchema(proj.Name())
	if err := p.dropBuild(ctx, schema); err != nil {
		return err
	}
	err = pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE SCHEMA `+ident(schema)); err != nil {
			return fmt.Errorf("create schema %s: %w", schema, err)
		}
		if err := inBuild(ctx, tx, schema); err != nil {
			return err
		}
		return proj.Setup(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	// Catch up outside any lock, a page per transaction, until a page comes back short: the
	// head as it was then. The swap applies what was appended since.
	pos := eventstore.Start
	for {
		var n int
		err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
			if err := inBuild(ctx, tx, schema); err != nil {
				return err
			}
			var err error
			pos, n, err = p.applyNext(ctx, tx, proj, pos)
			return err
		})
		if err != nil {
			return err
		}
		if n < p.pageSize {
			break
		}
	}
	return p.swap(ctx, proj, schema, pos)
}

// swap replaces the live read model by the one built in schema, which has reached pos. It locks
// the live checkpoint first (the live projectors wait), brings the build to at least the live
// position, so that no reader sees fewer events applied after the swap than before, then drops
// the live tables, moves the built ones into their place and moves the checkpoint, all in one
// transaction. A reader that holds a lock on a live table too long makes it try again.
func (p *Pipeline) swap(ctx context.Context, proj model, schema string, pos eventstore.Position) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error { return p.swapIn(ctx, tx, proj, schema, pos) })
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "55P03" || attempt == 20 { // lock_not_available
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(min(attempt, 5)) * 100 * time.Millisecond):
		}
	}
	if err != nil {
		return fmt.Errorf("swap in: %w", err)
	}
	p.checkpoints.moved(proj.Name(), pos)
	return nil
}

func (p *Pipeline) swapIn(ctx context.Context, tx pgx.Tx, proj model, schema string, pos eventstore.Position) error {
	// Readers queue behind the swap's locks: wait only briefly for those ahead of it.
	if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '2s'`); err != nil {
		return err
	}
	if err := lockModel(ctx, tx, proj.Name()); err != nil {
		return err
	}
	var live string
	if err := tx.QueryRow(ctx, `SELECT current_schema()`).Scan(&live); err != nil {
		return fmt.Errorf("live schema: %w", err)
	}
	liveAt := eventstore.Start
	var commit, prepare int64
	err := tx.QueryRow(ctx, `SELECT commit, prepare FROM projection_checkpoints WHERE name = $1 FOR UPDATE`, proj.Name()).Scan(&commit, &prepare)
	switch {
	case err == nil:
		liveAt = positionOf(commit, prepare)
	case !errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("lock checkpoint: %w", err)
	}
	if err := inBuild(ctx, tx, schema); err != nil {
		return err
	}
	for pos.Compare(liveAt) < 0 {
		var (
			next eventstore.Position
			n    int
		)
		next, n, err = p.applyNext(ctx, tx, proj, pos)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("the live model is at %v, past the event store's last event %v: %w", liveAt, pos, ErrOtherStore)
		}
		pos = next
	}
	if _, err := tx.Exec(ctx, `SET LOCAL search_path TO `+ident(live)); err != nil {
		return err
	}
	// Dropping takes the live tables one by one, while a reader may hold one of them and wait for
	// another: a lock cycle. Give up well before PostgreSQL's deadlock check (deadlock_timeout, 1 s
	// by default) would end the reader's query instead; swap tries again.
	if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '200ms'`); err != nil {
		return err
	}
	if err := proj.Drop(ctx, tx); err != nil {
		return fmt.Errorf("drop the live tables: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = $1`, schema)
	if err != nil {
		return fmt.Errorf("list built tables: %w", err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list built tables: %w", err)
	}
	for _, table := range tables {
		// Indexes, constraints and owned sequences move with the table.
		if _, err := tx.Exec(ctx, `ALTER TABLE `+ident(schema)+`.`+ident(table)+` SET SCHEMA `+ident(live)); err != nil {
			return fmt.Errorf("move %s into place: %w", table, err)
		}
	}
	// A model's views (the contracts others read, such as camera_usage_daily) follow its tables;
	// they still name the built tables, now in place.
	rows, err = tx.Query(ctx, `SELECT viewname FROM pg_views WHERE schemaname = $1`, schema)
	if err != nil {
		return fmt.Errorf("list built views: %w", err)
	}
	views, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list built views: %w", err)
	}
	for _, view := range views {
		if _, err := tx.Exec(ctx, `ALTER VIEW `+ident(schema)+`.`+ident(view)+` SET SCHEMA `+ident(live)); err != nil {
			return fmt.Errorf("move view %s into place: %w", view, err)
		}
	}
	if _, err := tx.Exec(ctx, `DROP SCHEMA `+ident(schema)+` CASCADE`); err != nil {
		return fmt.Errorf("drop schema %s: %w", schema, err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO projection_checkpoints (name, version, commit, prepare, store) VALUES ($1, $2, $3, $4, nullif($5, ''))
		ON CONFLICT (name) DO UPDATE SET version = $2, commit = $3, prepare = $4, store = nullif($5, ''), updated_at = now()`,
		proj.Name(), proj.Version(), int64(pos.Commit), int64(pos.Prepare), p.storeID)
	if err != nil {
		return fmt.Errorf("move checkpoint: %w", err)
	}
	return nil
}

// rebuildInPlace rebuilds a Kept read model: its checkpoint goes back to the start and the events
// are replayed into its own tables, a page per transaction under the checkpoint's lock, so that
// live projectors of it (which find the checkpoint moved) never apply an event twice.
func (p *Pipeline) rebuildInPlace(ctx context.Context, proj model) error {
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if err := lockModel(ctx, tx, proj.Name()); err != nil {
			return err
		}
		return p.reset(ctx, tx, proj)
	})
	if err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	for {
		var (
			n   int
			pos eventstore.Position
		)
		err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
			at, err := lockCheckpoint(ctx, tx, proj.Name())
			if err != nil {
				return err
			}
			pos, n, err = p.applyNext(ctx, tx, proj, at)
			if err != nil || n == 0 {
				return err
			}
			return moveCheckpoint(ctx, tx, proj.Name(), pos)
		})
		if err != nil {
			return err
		}
		if n > 0 {
			p.checkpoints.moved(proj.Name(), pos)
		}
		if n < p.pageSize {
			return nil
		}
	}
}

// applyNext applies up to a page of the events after from in tx, as one batch, and returns the
// position it reached and how many events it read.
func (p *Pipeline) applyNext(ctx context.Context, tx pgx.Tx, m model, from eventstore.Position) (eventstore.Position, int, error) {
	events, err := p.store.ReadAll(ctx, from, eventstore.Forwards, p.pageSize)
	if err != nil {
		return from, 0, fmt.Errorf("read events after %v: %w", from, err)
	}
	for _, e := range events {
		if p.stopAtNewer && p.codec.Newer(e.Type) {
			return from, 0, unknownType(e) // a model built without it would be short of its rows
		}
	}
	pg := m.pageOf(from, events)
	if err := m.applyEvents(ctx, tx, p.codec, from, pg.events); err != nil {
		return from, 0, err
	}
	return pg.last, len(events), nil
}

// lockRebuild takes the read model's rebuild lock: a session lock on a connection of its own, so
// that a rebuild that is killed releases it with its connection. It waits for a rebuild running
// elsewhere.
func (p *Pipeline) lockRebuild(ctx context.Context, name string) (unlock func(), err error) {
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("rebuild lock: %w", err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtext('projection-rebuild:' || $1))`, name); err != nil {
		conn.Release()
		return nil, fmt.Errorf("rebuild lock: %w", err)
	}
	return func() {
		ctx := context.WithoutCancel(ctx)
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock(hashtext('projection-rebuild:' || $1))`, name); err != nil {
			_ = conn.Conn().Close(ctx) // closing the session releases the lock too
		}
		conn.Release()
	}, nil
}

// dropLeftovers drops what a killed rebuild of proj left behind, unless a rebuild is running.
func (p *Pipeline) dropLeftovers(ctx context.Context, proj Projector) error {
	if _, ok := proj.(Kept); ok {
		return nil
	}
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	var free bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtext('projection-rebuild:' || $1))`, proj.Name()).Scan(&free); err != nil {
		return fmt.Errorf("rebuild lock: %w", err)
	}
	if !free {
		return nil
	}
	err = p.dropBuild(ctx, buildSchema(proj.Name()))
	if _, uerr := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtext('projection-rebuild:' || $1))`, proj.Name()); uerr != nil {
		_ = conn.Conn().Close(context.WithoutCancel(ctx))
	}
	return err
}

func (p *Pipeline) dropBuild(ctx context.Context, schema string) error {
	if _, err := p.pool.Exec(ctx, `DROP SCHEMA IF EXISTS `+ident(schema)+` CASCADE`); err != nil {
		return fmt.Errorf("drop the leftovers of an earlier rebuild: %w", err)
	}
	return nil
}

// buildSchema is where a read model is built before it is swapped in: one name per read model,
// so that the next rebuild finds what a killed one left.
func buildSchema(name string) string { return "projection_build_" + name }

// inBuild makes the read model's unqualified names mean the tables being built, for the rest of
// tx; names it does not create there still find the live schema.
func inBuild(ctx context.Context, tx pgx.Tx, schema string) error {
	if _, err := tx.Exec(ctx, "SET LOCAL synchronous_commit TO OFF"); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `SELECT set_config('search_path', $1 || ', ' || current_setting('search_path'), true)`, ident(schema))
	return err
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }
