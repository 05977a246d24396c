package projections

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/internal/pgmigrate"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Pipeline runs the read models' projectors.
type Pipeline struct {
	store      eventstore.Store
	pool       *pgxpool.Pool
	codec      *eventstore.Codec
	logger     watermill.LoggerAdapter
	projectors []Projector
}

// NewPipeline returns a pipeline projecting store's events into pool.
func NewPipeline(store eventstore.Store, pool *pgxpool.Pool, codec *eventstore.Codec, logger watermill.LoggerAdapter, projectors ...Projector) *Pipeline {
	return &Pipeline{store: store, pool: pool, codec: codec, logger: logger, projectors: projectors}
}

// Names returns the names of the pipeline's read models.
func (p *Pipeline) Names() []string {
	names := make([]string, len(p.projectors))
	for i, proj := range p.projectors {
		names[i] = proj.Name()
	}
	return names
}

// Migrate creates the checkpoint table and every read model's tables; a read model that is new,
// or whose stored version differs from its projector's, is reset to be rebuilt from the start.
func (p *Pipeline) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	if err := pgmigrate.Up(ctx, p.pool, sub, "projections_schema_version"); err != nil {
		return err
	}
	for _, proj := range p.projectors {
		err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
			if err := lockModel(ctx, tx, proj.Name()); err != nil {
				return err
			}
			var version int
			err := tx.QueryRow(ctx, `SELECT version FROM projection_checkpoints WHERE name = $1`, proj.Name()).Scan(&version)
			if errors.Is(err, pgx.ErrNoRows) || (err == nil && version != proj.Version()) {
				return reset(ctx, tx, proj)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate read model %s: %w", proj.Name(), err)
		}
	}
	return nil
}

// Reset drops the named read model and recreates it empty at position zero, in one transaction;
// the running projector (here or in another process) then rebuilds it from the first event.
func (p *Pipeline) Reset(ctx context.Context, name string) error {
	for _, proj := range p.projectors {
		if proj.Name() != name {
			continue
		}
		return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
			if err := lockModel(ctx, tx, name); err != nil {
				return err
			}
			return reset(ctx, tx, proj)
		})
	}
	return fmt.Errorf("reset %q: no such read model (have %v)", name, p.Names())
}

func lockModel(ctx context.Context, tx pgx.Tx, name string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('projection:' || $1))`, name)
	return err
}

func reset(ctx context.Context, tx pgx.Tx, proj Projector) error {
	if err := proj.Drop(ctx, tx); err != nil {
		return fmt.Errorf("drop: %w", err)
	}
	if err := proj.Setup(ctx, tx); err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	_, err := tx.Exec(ctx, `INSERT INTO projection_checkpoints (name, version) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET version = $2, commit = 0, prepare = 0, updated_at = now()`,
		proj.Name(), proj.Version())
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
	subscriber := NewSubscriber(p.store, NewCheckpoints(p.pool), p.logger)
	for _, proj := range p.projectors {
		router.AddConsumerHandler(proj.Name(), proj.Name(), subscriber, p.handler(proj))
	}
	if err := router.Run(ctx); err != nil {
		return fmt.Errorf("projections: %w", err)
	}
	return nil
}

// handler applies one event and moves the checkpoint in one transaction; a redelivered event
// finds the checkpoint at or past it and changes nothing.
func (p *Pipeline) handler(proj Projector) message.NoPublishHandlerFunc {
	return func(msg *message.Message) error {
		env, after, err := envelope(msg, p.codec)
		if err != nil {
			return err
		}
		ctx := msg.Context()
		return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
			// A read model commit lost in a crash loses its checkpoint with it and is simply
			// projected again, so it need not wait for the disk.
			if _, err := tx.Exec(ctx, "SET LOCAL synchronous_commit TO OFF"); err != nil {
				return err
			}
			fresh, err := advance(ctx, tx, proj.Name(), after, env.Position)
			if err != nil || !fresh {
				return err
			}
			if err := proj.Apply(ctx, tx, env); err != nil {
				return fmt.Errorf("%s: apply %s at %v: %w", proj.Name(), env.Type, env.Position, err)
			}
			return nil
		})
	}
}

// CatchUp runs the pipeline until every read model has reached the event store's last position
// as it was when CatchUp started; projections rebuild uses it.
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
	checkpoints := NewCheckpoints(p.pool)
	for {
		err := checkpoints.WaitFor(ctx, last[0].Position, time.Second, p.Names()...)
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
			return fmt.Errorf("catch up: pipeline stopped: %v", err)
		default:
		}
	}
}
