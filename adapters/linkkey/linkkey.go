// Package linkkey keeps the key that signs e-mailed links in PostgreSQL, so that every instance
// of the service on one database signs and opens the same links without any configuration.
package linkkey

import (
	"context"
	"crypto/rand"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/internal/pgmigrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Size is the length in bytes of a generated key.
const Size = 32

// Migrate creates the key's table.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pgmigrate.UpDir(ctx, pool, migrations, "migrations", "link_key_schema_version")
}

// Load returns the database's link key, storing one first when there is none: seed when it is
// given (a key an earlier version kept in a file, so that links already mailed keep working),
// else Size random bytes. The insert does nothing when a key exists and the key is then read
// back, so instances starting at the same time all end up with the first one stored. Call
// Migrate first.
func Load(ctx context.Context, pool *pgxpool.Pool, seed []byte) ([]byte, error) {
	candidate := seed
	if candidate == nil {
		candidate = make([]byte, Size)
		if _, err := rand.Read(candidate); err != nil {
			return nil, fmt.Errorf("link key: %w", err)
		}
	}
	if len(candidate) < Size {
		return nil, fmt.Errorf("link key: the seed has %d bytes, want at least %d", len(candidate), Size)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO link_key (key) VALUES ($1) ON CONFLICT (id) DO NOTHING`, candidate); err != nil {
		return nil, fmt.Errorf("link key: store: %w", err)
	}
	var key []byte
	if err := pool.QueryRow(ctx, `SELECT key FROM link_key`).Scan(&key); err != nil {
		return nil, fmt.Errorf("link key: read: %w", err)
	}
	return key, nil
}
