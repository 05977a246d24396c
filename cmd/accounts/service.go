package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/camcloud/accounts/adapters/httpapi"
	"github.com/camcloud/accounts/commands"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/domain/account"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/postgres"
	"github.com/camcloud/accounts/internal/pgcluster"
	"github.com/camcloud/accounts/projections"
	readaccounts "github.com/camcloud/accounts/projections/accounts"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"
)

// service is everything the commands share, opened and migrated.
type service struct {
	readModels *pgxpool.Pool
	events     eventstore.Store
	pipeline   *projections.Pipeline
	codec      *eventstore.Codec
	close      func()
}

// open connects to the databases (starting the private cluster when none is configured) and
// migrates them.
func open(ctx context.Context, cfg config, logger *slog.Logger) (*service, error) {
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	dbURL := cfg.DatabaseURL
	if dbURL == "" {
		cluster, err := pgcluster.Start(ctx, pgcluster.Options{
			Dir:  filepath.Join(cfg.DataDir, "postgres"),
			Port: cfg.PostgresPort,
			Logf: func(format string, args ...any) { logger.Info(fmt.Sprintf(format, args...)) },
		})
		if err != nil {
			return nil, fmt.Errorf("start the private PostgreSQL (or set ACCOUNTS_DATABASE_URL): %w", err)
		}
		closers = append(closers, func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := cluster.Stop(stopCtx); err != nil {
				logger.Warn("stop the private PostgreSQL", "error", err)
			}
		})
		dbURL = cluster.URL("postgres")
	}
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("read model database: %w", err)
	}
	closers = append(closers, pool.Close)

	eventPool := pool
	if cfg.EventStoreURL != "" && cfg.EventStoreURL != dbURL {
		if !strings.HasPrefix(cfg.EventStoreURL, "postgres://") && !strings.HasPrefix(cfg.EventStoreURL, "postgresql://") {
			closeAll()
			return nil, errors.New("ACCOUNTS_EVENTSTORE_URL: only postgres:// URLs are supported")
		}
		if eventPool, err = pgxpool.New(ctx, cfg.EventStoreURL); err != nil {
			closeAll()
			return nil, fmt.Errorf("event store database: %w", err)
		}
		closers = append(closers, eventPool.Close)
	}
	if err := postgres.Migrate(ctx, eventPool); err != nil {
		closeAll()
		return nil, err
	}
	store := postgres.New(eventPool)
	codec := eventstore.NewCodec(domain.Events()...)
	pipeline := projections.NewPipeline(store, pool, codec, watermill.NewSlogLogger(logger), readaccounts.Projector{})
	if err := pipeline.Migrate(ctx); err != nil {
		closeAll()
		return nil, err
	}
	return &service{readModels: pool, events: store, pipeline: pipeline, codec: codec, close: closeAll}, nil
}

func migrate(ctx context.Context, cfg config, logger *slog.Logger) error {
	svc, err := open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	svc.close()
	logger.Info("migrated")
	return nil
}

func rebuild(ctx context.Context, cfg config, logger *slog.Logger, names []string) error {
	svc, err := open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer svc.close()
	if len(names) == 0 {
		names = svc.pipeline.Names()
	}
	for _, name := range names {
		if err := svc.pipeline.Reset(ctx, name); err != nil {
			return err
		}
		logger.Info("read model reset", "name", name)
	}
	start := time.Now()
	if err := svc.pipeline.CatchUp(ctx); err != nil {
		return err
	}
	logger.Info("read models rebuilt", "names", names, "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

// platformRootAddress is the root's address until an operator changes it (PATCH /v1/accounts/{id}).
var platformRootAddress = account.Address{Line1: "Not set yet", City: "Not set yet", Country: "US"}

func serve(ctx context.Context, cfg config, logger *slog.Logger, stdout io.Writer) error {
	svc, err := open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer svc.close()

	accounts := commands.NewAccounts(commands.NewHandler(svc.events, svc.codec))
	created, err := accounts.EnsurePlatformRoot(ctx, commands.Origin{Actor: "system"}, "Platform", platformRootAddress)
	if err != nil {
		return fmt.Errorf("create the platform root account: %w", err)
	}
	if created {
		logger.Info("created the platform root account", "id", commands.PlatformRootID)
	}

	listener, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	handler := httpapi.New(httpapi.Config{
		Accounts:    accounts,
		Queries:     readaccounts.NewQueries(svc.readModels),
		Checkpoints: projections.NewCheckpoints(svc.readModels),
		Ready:       svc.readModels.Ping,
		Logger:      logger,
	})
	server := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
	fmt.Fprintf(stdout, "accounts: serving http://%s (platform root account %s)\n", listener.Addr(), commands.PlatformRootID)

	group, ctx := errgroup.WithContext(ctx)
	group.Go(func() error { return svc.pipeline.Run(ctx) })
	group.Go(func() error {
		if err := server.Serve(listener); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	group.Go(func() error {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		return server.Shutdown(shutdownCtx)
	})
	err = group.Wait()
	logger.Info("stopped")
	return err
}
