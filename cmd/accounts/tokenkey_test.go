package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/camcloud/accounts/adapters/linkkey"
	"github.com/camcloud/accounts/internal/pgtest"
)

// TestTokenKey: the environment's key wins; without it every instance on one database uses the
// database's key; a key file of an earlier version seeds it.
func TestTokenKey(t *testing.T) {
	ctx := context.Background()
	envKey := bytes.Repeat([]byte{9}, 32)
	fileKey := bytes.Repeat([]byte{5}, 32)
	tests := []struct {
		name    string
		env     []byte
		file    []byte
		want    []byte // nil: the database's key, the same for both instances
		wantErr bool
	}{
		{name: "ACCOUNTS_TOKEN_KEY wins", env: envKey, file: fileKey, want: envKey},
		{name: "unset: the database's key"},
		{name: "unset: an earlier version's key file seeds the database", file: fileKey, want: fileKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool := pgtest.NewPool(t)
			if err := linkkey.Migrate(ctx, pool); err != nil {
				t.Fatal(err)
			}
			// Two instances with their own data folders on one database.
			keys := make([][]byte, 2)
			for i := range keys {
				cfg := config{TokenKey: tt.env, DataDir: t.TempDir()}
				if tt.file != nil && i == 0 {
					raw := base64.StdEncoding.EncodeToString(tt.file) + "\n"
					if err := os.WriteFile(filepath.Join(cfg.DataDir, "token.key"), []byte(raw), 0o600); err != nil {
						t.Fatal(err)
					}
				}
				key, err := tokenKey(ctx, cfg, pool)
				if err != nil {
					t.Fatal(err)
				}
				keys[i] = key
				if _, err := os.Stat(filepath.Join(cfg.DataDir, "token.key")); tt.file == nil && !os.IsNotExist(err) {
					t.Errorf("a key file was written (%v): the key belongs in the database", err)
				}
			}
			if !bytes.Equal(keys[0], keys[1]) {
				t.Fatal("the two instances sign links with different keys")
			}
			if tt.want != nil && !bytes.Equal(keys[0], tt.want) {
				t.Fatalf("key %x, want %x", keys[0], tt.want)
			}
			if len(keys[0]) < 32 {
				t.Fatalf("key of %d bytes", len(keys[0]))
			}
		})
	}
}
