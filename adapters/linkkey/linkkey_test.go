package linkkey_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/camcloud/accounts/adapters/linkkey"
	"github.com/camcloud/accounts/identity/identitycmd"
	"github.com/camcloud/accounts/internal/pgtest"
)

// instance opens its own pool on dbURL, as a separate process of the service would.
func instance(t *testing.T, dbURL string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// start is what an instance does at start-up: migrate, then load the key.
func start(ctx context.Context, pool *pgxpool.Pool, seed []byte) ([]byte, error) {
	if err := linkkey.Migrate(ctx, pool); err != nil {
		return nil, err
	}
	return linkkey.Load(ctx, pool, seed)
}

func TestInstancesStartingTogetherShareOneKey(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	const instances = 4
	pools := make([]*pgxpool.Pool, instances)
	for i := range pools {
		pools[i] = instance(t, dbURL)
	}
	keys := make([][]byte, instances)
	var g errgroup.Group
	for i, pool := range pools {
		g.Go(func() (err error) {
			keys[i], err = start(ctx, pool, nil)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	for i, key := range keys {
		if len(key) != linkkey.Size {
			t.Fatalf("instance %d: key of %d bytes, want %d", i, len(key), linkkey.Size)
		}
		if !bytes.Equal(key, keys[0]) {
			t.Fatalf("instance %d has another key than instance 0", i)
		}
	}

	// A link mailed by one instance opens on the other, for every purpose.
	signer, err := identitycmd.NewLinks(keys[0])
	if err != nil {
		t.Fatal(err)
	}
	opener, err := identitycmd.NewLinks(keys[1])
	if err != nil {
		t.Fatal(err)
	}
	userID := uuid.NewString()
	nonce, err := identitycmd.NewNonce()
	if err != nil {
		t.Fatal(err)
	}
	for _, purpose := range []string{identitycmd.PurposeInvitation, identitycmd.PurposePasswordReset, identitycmd.PurposeEmailChange} {
		token, err := signer.Token(purpose, userID, nonce)
		if err != nil {
			t.Fatal(err)
		}
		gotUser, gotNonce, err := opener.Open(purpose, token)
		if err != nil || gotUser != userID || gotNonce != nonce {
			t.Fatalf("%s: Open = %q, %q, %v; want %q, %q", purpose, gotUser, gotNonce, err, userID, nonce)
		}
	}

	// A restart reads the same key back.
	again, err := start(ctx, instance(t, dbURL), nil)
	if err != nil || !bytes.Equal(again, keys[0]) {
		t.Fatalf("after a restart: %v, same key %v", err, bytes.Equal(again, keys[0]))
	}
}

func TestSeed(t *testing.T) {
	ctx := context.Background()
	legacy := bytes.Repeat([]byte{7}, 32)
	tests := []struct {
		name     string
		existing []byte // a key stored before; nil: none
		seed     []byte
		want     []byte // nil: any fresh key
		wantErr  bool
	}{
		{name: "the seed becomes the key of a new database", seed: legacy, want: legacy},
		{name: "a stored key wins over the seed", existing: bytes.Repeat([]byte{1}, 32), seed: legacy, want: bytes.Repeat([]byte{1}, 32)},
		{name: "no seed: a fresh key"},
		{name: "a short seed is refused", seed: []byte("short"), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool := instance(t, pgtest.NewDatabase(t))
			if tt.existing != nil {
				if _, err := start(ctx, pool, tt.existing); err != nil {
					t.Fatal(err)
				}
			}
			key, err := start(ctx, pool, tt.seed)
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error for a short seed")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != nil && !bytes.Equal(key, tt.want) {
				t.Fatalf("key %x, want %x", key, tt.want)
			}
			if len(key) < linkkey.Size || bytes.Equal(key, make([]byte, len(key))) {
				t.Fatalf("not a usable key: %d bytes", len(key))
			}
		})
	}
}
