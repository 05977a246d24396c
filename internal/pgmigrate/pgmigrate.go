// Package pgmigrate applies a component's embedded SQL migrations with goose. Each component
// (the event store, the projection checkpoints) keeps its own version table, so each can evolve
// on its own and a read model can be dropped without touching the event store's history.
package pgmigrate

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Up applies every migration in migrations (files named like 00001_name.sql) not yet recorded in
// versionTable. A session advisory lock keeps two starting processes from migrating at once.
func Up(ctx context.Context, pool *pgxpool.Pool, migrations fs.FS, versionTable string) error {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return fmt.Errorf("migrate %s: %w", versionTable, err)
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, db, migrations,
		goose.WithTableName(versionTable),
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", versionTable, err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", versionTable, err)
	}
	return nil
}

// UpDir is Up for the migrations in folder dir of fsys, as components embed them
// (//go:embed migrations/*.sql).
func UpDir(ctx context.Context, pool *pgxpool.Pool, fsys fs.FS, dir, versionTable string) error {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", versionTable, err)
	}
	return Up(ctx, pool, sub, versionTable)
}
