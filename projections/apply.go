package projections

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/internal/pgerr"
)

// page is a run of the log: every event after position after up to and including last, of which
// events holds those its read model handles (possibly none).
type page struct {
	after, last eventstore.Position
	events      []eventstore.RecordedEvent
}

// model is a projector with the set of event types it handles.
type model struct {
	Projector
	handles map[string]bool
}

func newModel(proj Projector) model {
	m := model{Projector: proj, handles: map[string]bool{}}
	for _, t := range proj.Handles() {
		m.handles[t] = true
	}
	return m
}

// pageOf makes the page of events that follows after, keeping the events m handles.
func (m model) pageOf(after eventstore.Position, events []eventstore.RecordedEvent) page {
	pg := page{after: after, last: after}
	if len(events) > 0 {
		pg.last = events[len(events)-1].Position
	}
	for _, e := range events {
		if m.handles[e.Type] {
			pg.events = append(pg.events, e)
		}
	}
	return pg
}

// apply applies pg to m and moves its checkpoint to pg.last, in tx, and reports whether the
// checkpoint moved. The stored checkpoint says what the model holds: every event up to it and
// none after. So events at or before it are skipped (a replay, or a page another process applied
// part of), a checkpoint at or past pg.last leaves nothing to do, and one before pg.after is
// ErrCheckpointMoved: applying pg would skip the events between.
func (m model) apply(ctx context.Context, tx pgx.Tx, codec *eventstore.Codec, pg page) (bool, error) {
	stored, err := lockCheckpoint(ctx, tx, m.Name())
	if err != nil {
		return false, err
	}
	if pg.last.Compare(stored) <= 0 {
		return false, nil
	}
	if stored.Compare(pg.after) < 0 {
		return false, fmt.Errorf("%s: at %v, delivery follows %v: %w", m.Name(), stored, pg.after, ErrCheckpointMoved)
	}
	if err := m.applyEvents(ctx, tx, codec, stored, pg.events); err != nil {
		return false, err
	}
	return true, moveCheckpoint(ctx, tx, m.Name(), pg.last)
}

// applyEvents decodes the events after from and hands them to the projector in one call.
func (m model) applyEvents(ctx context.Context, tx pgx.Tx, codec *eventstore.Codec, from eventstore.Position, events []eventstore.RecordedEvent) error {
	envs := make([]Envelope, 0, len(events))
	for _, e := range events {
		if e.Position.Compare(from) <= 0 {
			continue
		}
		env, err := envelopeOf(e, codec)
		if err != nil {
			return fmt.Errorf("%s: %w", m.Name(), err)
		}
		envs = append(envs, env)
	}
	if len(envs) == 0 {
		return nil
	}
	if err := m.Apply(ctx, tx, envs); err != nil {
		first, last := envs[0], envs[len(envs)-1]
		if len(envs) == 1 {
			return fmt.Errorf("%s: apply %s at %v: %w", m.Name(), first.Type, first.Position, err)
		}
		return fmt.Errorf("%s: apply %d events from %v to %v: %w", m.Name(), len(envs), first.Position, last.Position, err)
	}
	return nil
}

// project applies pg in one transaction and reports the checkpoint it reached to checkpoints.
// When the batch fails, it is applied again one event per transaction: the events before a
// poison one are kept, and the read model stops exactly at the event it cannot apply (whose
// error is returned), as it did when every event had a transaction of its own.
func (p *Pipeline) project(ctx context.Context, m model, pg page) error {
	err := p.projectOnce(ctx, m, pg)
	if err == nil || len(pg.events) < 2 || errors.Is(err, ErrCheckpointMoved) || ctx.Err() != nil {
		return err
	}
	after := pg.after
	for i, e := range pg.events {
		one := page{after: after, last: e.Position, events: pg.events[i : i+1]}
		if err := p.projectOnce(ctx, m, one); err != nil {
			return err
		}
		after = e.Position
	}
	return p.projectOnce(ctx, m, page{after: after, last: pg.last})
}

func (p *Pipeline) projectOnce(ctx context.Context, m model, pg page) error {
	if len(pg.events) == 0 {
		return p.pass(ctx, m, pg)
	}
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", m.Name(), pgerr.Classify(err))
	}
	// A connection given back inside a transaction (a rollback that failed) is closed by the
	// pool, never reused.
	defer conn.Release()
	moved, err := m.applyInTx(ctx, conn.Conn(), p.codec, pg)
	if err != nil {
		return err
	}
	if moved {
		p.checkpoints.moved(m.Name(), pg.last)
	}
	return nil
}

// applyInTx is apply in a transaction of its own on conn, whose BEGIN is sent with the lock of the
// checkpoint and whose COMMIT with its move (pipelined, as pgx batches are): two round trips
// fewer than pgx.BeginFunc around apply. Every command's answer waits for this transaction, and
// while it is open it holds back the delivery of the events committed after it began.
func (m model) applyInTx(ctx context.Context, conn *pgx.Conn, codec *eventstore.Codec, pg page) (moved bool, err error) {
	var commit, prepare int64
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(lockCheckpointSQL, m.Name()).QueryRow(func(row pgx.Row) error { return row.Scan(&commit, &prepare, nil) })
	err = conn.SendBatch(ctx, b).Close()
	committed := false
	defer func() {
		if !committed {
			// Also after a failed BEGIN batch: the BEGIN may have run. With no transaction
			// open, ROLLBACK only warns.
			_, _ = conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if err != nil {
		return false, fmt.Errorf("lock checkpoint of %s: %w", m.Name(), err)
	}
	stored := positionOf(commit, prepare)
	if pg.last.Compare(stored) <= 0 {
		return false, nil
	}
	if stored.Compare(pg.after) < 0 {
		return false, fmt.Errorf("%s: at %v, delivery follows %v: %w", m.Name(), stored, pg.after, ErrCheckpointMoved)
	}
	if err := m.applyEvents(ctx, connTx{conn}, codec, stored, pg.events); err != nil {
		return false, err
	}
	b = &pgx.Batch{}
	b.Queue(moveCheckpointSQL, moveCheckpointArgs(m.Name(), pg.last)...)
	b.Queue("COMMIT").Exec(func(tag pgconn.CommandTag) error {
		if tag.String() != "COMMIT" { // "ROLLBACK": the transaction had failed
			return fmt.Errorf("commit of %s rolled back", m.Name())
		}
		committed = true
		return nil
	})
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return false, fmt.Errorf("move checkpoint of %s: %w", m.Name(), err)
	}
	return true, nil
}

// connTx is the transaction applyInTx opened on a connection, as the pgx.Tx a projector's Apply
// takes: it runs statements; beginning, committing and rolling back are applyInTx's.
type connTx struct{ conn *pgx.Conn }

var errTxOwned = errors.New("the pipeline begins and ends a projection's transaction")

func (connTx) Begin(context.Context) (pgx.Tx, error) { return nil, errTxOwned }
func (connTx) Commit(context.Context) error          { return errTxOwned }
func (connTx) Rollback(context.Context) error        { return errTxOwned }
func (t connTx) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	return t.conn.CopyFrom(ctx, table, columns, src)
}
func (t connTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return t.conn.SendBatch(ctx, b)
}
func (connTx) LargeObjects() pgx.LargeObjects { return pgx.LargeObjects{} }
func (t connTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	return t.conn.Prepare(ctx, name, sql)
}
func (t connTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return t.conn.Exec(ctx, sql, args...)
}
func (t connTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return t.conn.Query(ctx, sql, args...)
}
func (t connTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return t.conn.QueryRow(ctx, sql, args...)
}
func (t connTx) Conn() *pgx.Conn { return t.conn }

// pass moves m's checkpoint over a page of events it does not handle, with apply's rules but in
// one statement, its own transaction: most pages of a model are such pages (a rename is nothing
// to the identity model), and the four round trips of apply's transaction cost the database time
// and, while open, hold back the delivery of every event committed after it began (see
// eventstore/postgres). The update's row lock orders it with a concurrent apply of another
// process: it waits, then checks the conditions against the checkpoint that one committed.
func (p *Pipeline) pass(ctx context.Context, m model, pg page) error {
	moved, err := passCheckpoint(ctx, p.pool, m.Name(), pg.after, pg.last)
	if err != nil {
		return err
	}
	if moved {
		p.checkpoints.moved(m.Name(), pg.last)
		return nil
	}
	// Not moved: already at or past pg.last (nothing to do), or behind pg.after (rare: a reset
	// or a rebuild moved it), which apply tells apart.
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		_, err := m.apply(ctx, tx, p.codec, pg)
		return err
	})
}
