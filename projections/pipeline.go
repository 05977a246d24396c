package projections

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/internal/pgmigrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Pipeline runs the read models' projectors.
type Pipeline struct {
	store       eventstore.Store
	pool        *pgxpool.Pool
	codec       *eventstore.Codec
	logger      watermill.LoggerAdapter
	projectors  []Projector
	models      []model
	storeID     string // which event store the checkpoints' positions belong to; "" when not told
	pageSize    int    // events read, and applied in one transaction, at a time
	stopAtNewer bool   // stop at an event of a newer version's type (StopAtNewerTypes)

	// checkpoints is told of every checkpoint this pipeline moves, as soon as it commits, so
	// that its waiters wake at once.
	checkpoints *Checkpoints

	mu         sync.Mutex
	subscriber *Subscriber // of the running Run, for Err
}

// NewPipeline returns a pipeline projecting store's events into pool.
func NewPipeline(store eventstore.Store, pool *pgxpool.Pool, codec *eventstore.Codec, logger watermill.LoggerAdapter, projectors ...Projector) *Pipeline {
	models := make([]model, len(projectors))
	for i, proj := range projectors {
		models[i] = newModel(proj)
	}
	return &Pipeline{
		store: store, pool: pool, codec: codec, logger: logger, projectors: projectors, models: models,
		pageSize: 500, checkpoints: NewCheckpoints(pool),
	}
}

// Checkpoints returns the reader of the pipeline's checkpoints whose waiters the pipeline wakes
// as soon as it moves a checkpoint (a Checkpoints of its own is woken by notifications only).
func (p *Pipeline) Checkpoints() *Checkpoints { return p.checkpoints }

// IdentifyStore names the event store the pipeline reads (its kind and something stable about
// it, such as "postgres:<system identifier>/<database>") and returns the pipeline. Checkpoints
// record it, and Run refuses read models built from another store (see CheckStore).
func (p *Pipeline) IdentifyStore(id string) *Pipeline {
	p.storeID = id
	return p
}

// StopAtNewerTypes makes Run stop every read model right before an event of a type a newer
// version of this program writes (eventstore.Codec.Newer: unknown, but of a family the codec
// knows), and try again from its checkpoint every few seconds, instead of stepping over it: a
// read model of that version may need it. While an instance of the newer version runs on the
// same database, it applies the event and moves the checkpoints on, and this pipeline follows;
// without one, the read models wait, and the log says why. Rebuilds refuse such a log. Types of
// other families (another program's, in a shared EventStoreDB) are stepped over as before.
// Returns the pipeline.
func (p *Pipeline) StopAtNewerTypes() *Pipeline {
	p.stopAtNewer = true
	return p
}

// Names returns the names of the pipeline's read models.
func (p *Pipeline) Names() []string {
	names := make([]string, len(p.projectors))
	for i, proj := range p.projectors {
		names[i] = proj.Name()
	}
	return names
}

// Migrate creates the checkpoint table and every read model's tables. A read model that is new is
// created empty at position zero; one whose stored version differs from its projector's is
// rebuilt into new tables and swapped in (as Rebuild does), so that other instances keep serving
// the old one meanwhile. Leftovers of a rebuild that was killed are dropped.
func (p *Pipeline) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	if err := pgmigrate.Up(ctx, p.pool, sub, "projections_schema_version"); err != nil {
		return err
	}
	for _, proj := range p.models {
		if err := p.migrate(ctx, proj); err != nil {
			return fmt.Errorf("migrate read model %s: %w", proj.Name(), err)
		}
	}
	return p.adoptStore(ctx)
}

func (p *Pipeline) migrate(ctx context.Context, proj model) error {
	if err := p.dropLeftovers(ctx, proj.Projector); err != nil {
		return err
	}
	var version int
	err := p.pool.QueryRow(ctx, `SELECT version FROM projection_checkpoints WHERE name = $1`, proj.Name()).Scan(&version)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		// A new read model: nothing serves it yet, so it is created where it will live.
		return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
			if err := lockModel(ctx, tx, proj.Name()); err != nil {
				return err
			}
			var exists bool
			err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM projection_checkpoints WHERE name = $1)`, proj.Name()).Scan(&exists)
			if err != nil || exists {
				return err // another instance created it meanwhile
			}
			return p.reset(ctx, tx, proj)
		})
	case err != nil:
		return err
	case version != proj.Version():
		return p.rebuild(ctx, proj, true)
	}
	return nil
}

func lockModel(ctx context.Context, tx pgx.Tx, name string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('projection:' || $1))`, name)
	return err
}

// reset drops the read model's tables where they live and creates them empty at position zero.
func (p *Pipeline) reset(ctx context.Context, tx pgx.Tx, proj Projector) error {
	if err := proj.Drop(ctx, tx); err != nil {
		return fmt.Errorf("drop: %w", err)
	}
	if err := proj.Setup(ctx, tx); err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	_, err := tx.Exec(ctx, `INSERT INTO projection_checkpoints (name, version, store) VALUES ($1, $2, nullif($3, ''))
		ON CONFLICT (name) DO UPDATE SET version = $2, commit = 0, prepare = 0, store = nullif($3, ''), updated_at = now()`,
		proj.Name(), proj.Version(), p.storeID)
	return err
}

// Run projects events until ctx ends.
func (p *Pipeline) Run(ctx context.Context) error {
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: 10 * time.Second}, p.logger)
	if err != nil {
		return fmt.Errorf("projections: %w", err)
	}
	router.AddMiddleware(
		middleware.Recoverer,
		middleware.Retry{
			MaxRetries:      5,
			InitialInterval: 50 * time.Millisecond,
			MaxInterval:     2 * time.Second,
			Multiplier:      2,
			Logger:          p.logger,
			// A moved checkpoint is settled by starting again from it, not by retrying.
			ShouldRetry: func(params middleware.RetryParams) bool { return !errors.Is(params.Err, ErrCheckpointMoved) },
		}.Middleware,
	)
	if err := p.CheckStore(ctx); err != nil {
		return err
	}
	subscriber := NewSubscriber(p.store, p.checkpoints, p.logger, p.pageSize)
	if p.stopAtNewer {
		subscriber.newer = p.codec.Newer
	}
	p.mu.Lock()
	p.subscriber = subscriber
	p.mu.Unlock()
	for _, m := range p.models {
		subscriber.Handle(m.Name(), m.handles)
		router.AddConsumerHandler(m.Name(), m.Name(), subscriber, p.handler(m))
	}
	if err := router.Run(ctx); err != nil {
		if ctx.Err() != nil {
			// Stopped while a subscription was still starting: a stop, not a failure.
			return nil
		}
		return fmt.Errorf("projections: %w", err)
	}
	return nil
}

// Err returns the error that stopped the projections for good (the event store refused the
// subscription: access denied, unauthenticated), or nil while they run or retry. The service is
// not ready while it is set.
func (p *Pipeline) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.subscriber == nil {
		return nil
	}
	return p.subscriber.Err()
}

// handler applies a page of events and moves the checkpoint in one transaction; a redelivered
// page finds the checkpoint at or past its events and changes nothing.
func (p *Pipeline) handler(m model) message.NoPublishHandlerFunc {
	return func(msg *message.Message) error {
		pg, err := pageOf(msg)
		if err != nil {
			return err
		}
		return p.project(msg.Context(), m, pg)
	}
}

// CatchUp runs the pipeline until every read model has reached the event store's last position
// as it was when CatchUp started (tests use it to bring read models up to date).
func (p *Pipeline) CatchUp(ctx context.Context) error {
	last, err := p.store.ReadAll(ctx, eventstore.EndOfAll, eventstore.Backwards, 1)
	if err != nil {
		return fmt.Errorf("catch up: %w", err)
	}
	if len(last) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	for {
		err := p.checkpoints.WaitFor(ctx, last[0].Position, time.Second, p.Names()...)
		if err == nil {
			cancel()
			<-done
			return nil
		}
		if !errors.Is(err, ErrNotCaughtUp) {
			return err
		}
		select {
		case err := <-done:
			return fmt.Errorf("catch up: pipeline stopped: %w", errors.Join(err, p.Err()))
		default:
		}
	}
}
