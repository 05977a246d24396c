package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// storeIdentity names the event store that eventStoreURL (or, when it is empty or the same,
// dbURL through pool) configures: its kind and something that stays the same for the same
// store, so that read models built from another store are recognised (projections.CheckStore).
// For PostgreSQL that is the cluster's system identifier and the database; for EventStoreDB the
// connection target without credentials or options.
func storeIdentity(ctx context.Context, eventStoreURL, dbURL string, pool *pgxpool.Pool) (string, error) {
	if eventStoreURL != "" && isEventStoreDB(eventStoreURL) {
		return esdbIdentity(eventStoreURL), nil
	}
	const query = `SELECT system_identifier::text || '/' || current_database() FROM pg_control_system()`
	var id string
	if eventStoreURL == "" || eventStoreURL == dbURL {
		if err := pool.QueryRow(ctx, query).Scan(&id); err != nil {
			return "", fmt.Errorf("identify the event store: %w", err)
		}
		return "postgres:" + id, nil
	}
	conn, err := pgx.Connect(ctx, eventStoreURL)
	if err != nil {
		return "", fmt.Errorf("identify the event store: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := conn.QueryRow(ctx, query).Scan(&id); err != nil {
		return "", fmt.Errorf("identify the event store: %w", err)
	}
	return "postgres:" + id, nil
}

// esdbIdentity is "esdb:" and the hosts of an esdb://, kurrentdb:// (or +discover) URL, without
// the user, password and options, which change without the store changing.
func esdbIdentity(url string) string {
	_, target, _ := strings.Cut(url, "://")
	if at := strings.LastIndex(target, "@"); at >= 0 {
		target = target[at+1:]
	}
	if end := strings.IndexAny(target, "/?"); end >= 0 {
		target = target[:end]
	}
	return "esdb:" + strings.ToLower(target)
}
