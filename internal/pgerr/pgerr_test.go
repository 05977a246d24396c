package pgerr_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/internal/pgerr"
	"github.com/camcloud/accounts/internal/pgtest"
	"github.com/camcloud/accounts/internal/tcpproxy"
)

// proxied is a pool on a fresh database through a proxy the test can cut.
func proxied(t *testing.T) (*pgxpool.Pool, *tcpproxy.Proxy) {
	t.Helper()
	dbURL, proxy := tcpproxy.ForURL(t, pgtest.NewDatabase(t))
	pool, err := pgxpool.New(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := pool.Ping(t.Context()); err != nil {
		t.Fatalf("ping through the proxy: %v", err)
	}
	return pool, proxy
}

// TestOutagesAreUnavailable produces each way a real server goes away, through pgx against a real
// PostgreSQL, and checks that the error is classified as an outage.
func TestOutagesAreUnavailable(t *testing.T) {
	tests := []struct {
		name  string
		fault func(t *testing.T) error
	}{
		{"connection refused: the server is down", func(t *testing.T) error {
			pool, proxy := proxied(t)
			pool.Reset() // no idle connection: the next query must connect
			proxy.Cut()
			return pool.QueryRow(t.Context(), "SELECT 1").Scan(new(int))
		}},
		{"connection cut mid-session", func(t *testing.T) error {
			pool, proxy := proxied(t)
			conn, err := pool.Acquire(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Release()
			proxy.Cut()
			return conn.QueryRow(t.Context(), "SELECT 1").Scan(new(int))
		}},
		{"connection cut inside a transaction", func(t *testing.T) error {
			pool, proxy := proxied(t)
			return pgx.BeginFunc(t.Context(), pool, func(tx pgx.Tx) error {
				if _, err := tx.Exec(t.Context(), "SELECT 1"); err != nil {
					t.Fatal(err)
				}
				proxy.Cut()
				_, err := tx.Exec(t.Context(), "SELECT 2")
				return err
			})
		}},
		{"the connection was closed before", func(t *testing.T) error {
			pool, proxy := proxied(t)
			conn, err := pool.Acquire(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Release()
			proxy.Cut()
			_ = conn.Ping(t.Context()) // finds the connection gone and closes it
			return conn.QueryRow(t.Context(), "SELECT 1").Scan(new(int))
		}},
		{"the server terminated the session (57P01)", func(t *testing.T) error {
			pool, _ := proxied(t)
			conn, err := pool.Acquire(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Release()
			pid := conn.Conn().PgConn().PID()
			if _, err := pool.Exec(t.Context(), "SELECT pg_terminate_backend($1)", pid); err != nil {
				t.Fatal(err)
			}
			return conn.QueryRow(t.Context(), "SELECT 1").Scan(new(int))
		}},
		{"no free connection before the deadline", func(t *testing.T) error {
			pool, _ := proxied(t)
			cfg := pool.Config()
			cfg.MaxConns = 1
			one, err := pgxpool.NewWithConfig(t.Context(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer one.Close()
			held, err := one.Acquire(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer held.Release()
			ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
			defer cancel()
			return one.QueryRow(ctx, "SELECT 1").Scan(new(int))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.fault(t)
			if err == nil {
				t.Fatal("the query succeeded; the fault did not happen")
			}
			if !pgerr.Unavailable(err) {
				t.Fatalf("Unavailable(%v [%T]) = false, want true", err, err)
			}
			classified := pgerr.Classify(fmt.Errorf("look up session: %w", err))
			if !errors.Is(classified, eventstore.ErrUnavailable) {
				t.Fatalf("Classify(%v) does not match eventstore.ErrUnavailable", classified)
			}
		})
	}
}

// TestRefusalsAreNotOutages: a statement the server refuses, an empty result or a cancelled
// request keep their meaning; retrying them later would not help.
func TestRefusalsAreNotOutages(t *testing.T) {
	pool, _ := proxied(t)
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name string
		run  func() error
	}{
		{"a syntax error", func() error { _, err := pool.Exec(t.Context(), "SELEC 1"); return err }},
		{"a bad value for the column type", func() error {
			return pool.QueryRow(t.Context(), "SELECT $1::uuid", "urn:uuid:x").Scan(new(string))
		}},
		{"no rows", func() error { return pool.QueryRow(t.Context(), "SELECT 1 WHERE false").Scan(new(int)) }},
		{"a cancelled request", func() error { return pool.QueryRow(cancelled, "SELECT 1").Scan(new(int)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil {
				t.Fatal("no error")
			}
			if pgerr.Unavailable(err) || errors.Is(pgerr.Classify(err), eventstore.ErrUnavailable) {
				t.Fatalf("%v [%T] classified as an outage", err, err)
			}
			if !errors.Is(pgerr.Classify(err), err) {
				t.Fatalf("Classify changed %v", err)
			}
		})
	}
}

func TestSQLStates(t *testing.T) {
	tests := []struct {
		code string
		want bool
	}{
		{"08000", true}, {"08003", true}, {"08006", true}, {"08001", true},
		{"57P01", true}, {"57P02", true}, {"57P03", true}, {"53300", true},
		{"57014", false}, // query_canceled: a statement timeout, not an outage
		{"28P01", false}, // invalid_password: configuration, a retry cannot cure it
		{"3D000", false}, // invalid_catalog_name: no such database
		{"23505", false}, {"40001", false}, {"42601", false}, {"53100", true}, {"53200", true}, {"25006", true},
		{"40P01", true}, {"55P03", true}, // deadlock_detected, lock_not_available
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			err := fmt.Errorf("query: %w", &pgconn.PgError{Code: tt.code, Message: "m"})
			if got := pgerr.Unavailable(err); got != tt.want {
				t.Fatalf("Unavailable(SQLSTATE %s) = %v, want %v", tt.code, got, tt.want)
			}
		})
	}
}

func TestClassifyKeepsOtherErrorsAndNil(t *testing.T) {
	if pgerr.Classify(nil) != nil {
		t.Fatal("Classify(nil) != nil")
	}
	plain := errors.New("boom")
	if pgerr.Classify(plain) != plain {
		t.Fatal("Classify changed an error that is no outage")
	}
	eof := fmt.Errorf("read: %w", io.ErrUnexpectedEOF)
	once := pgerr.Classify(eof)
	if twice := pgerr.Classify(once); twice != once {
		t.Fatalf("Classify wrapped twice: %v", twice)
	}
}
