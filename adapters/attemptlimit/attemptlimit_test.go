package attemptlimit_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/camcloud/accounts/attempts"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/adapters/attemptlimit"
	"github.com/camcloud/accounts/attempts/attemptstest"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/internal/pgtest"
)

func newLimiter(t *testing.T) (*attemptlimit.Limiter, *pgxpool.Pool) {
	t.Helper()
	pool := pgtest.NewPool(t)
	if err := attemptlimit.Migrate(t.Context(), pool); err != nil {
		t.Fatal(err)
	}
	return attemptlimit.New(pool), pool
}

// secondPool opens another pool on the database of pool: another instance of the service.
func secondPool(t *testing.T, pool *pgxpool.Pool) *pgxpool.Pool {
	t.Helper()
	other, err := pgxpool.New(t.Context(), pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	return other
}

// TestConformance runs the limiter suite with two instances (pools) on one database.
func TestConformance(t *testing.T) {
	attemptstest.Run(t, func(t *testing.T) (attempts.Limiter, attempts.Limiter) {
		first, pool := newLimiter(t)
		return first, attemptlimit.New(secondPool(t, pool))
	})
}

// TestFullBudgetsAreForgotten: rows whose budget is full again are deleted a few per request, so
// after a burst of distinct keys (e.g. one per guessed username) the table shrinks back.
func TestFullBudgetsAreForgotten(t *testing.T) {
	ctx := context.Background()
	l, pool := newLimiter(t)
	t0 := time.Now()
	lim := attempts.Limit{Burst: 5, Every: time.Minute}
	for i := range 500 {
		if _, err := l.Take(ctx, t0, attempts.Attempt{Key: fmt.Sprint("k", i), Limit: lim}); err != nil {
			t.Fatal(err)
		}
	}
	rows := func() (n int) {
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM attempt_budgets`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := rows(); n != 500 {
		t.Fatalf("%d rows after 500 distinct keys", n)
	}
	later := t0.Add(time.Hour)
	for i := range 40 {
		if _, err := l.Take(ctx, later, attempts.Attempt{Key: fmt.Sprint("live", i), Limit: lim}); err != nil {
			t.Fatal(err)
		}
	}
	if n := rows(); n != 40 {
		t.Fatalf("%d rows an hour later, want only the 40 live keys", n)
	}
}

// TestUnreachableDatabase: without its database the limiter fails with ErrUnavailable (503),
// and the caller verifies nothing.
func TestUnreachableDatabase(t *testing.T) {
	pool, err := pgxpool.New(t.Context(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	l := attemptlimit.New(pool)
	a := attempts.Attempt{Key: "k", Limit: attempts.Limit{Burst: 1, Every: time.Minute}}
	if _, err := l.Take(t.Context(), time.Now(), a); !errors.Is(err, eventstore.ErrUnavailable) {
		t.Fatalf("Take: %v, want ErrUnavailable", err)
	}
	if err := l.Give(t.Context(), time.Now(), a); !errors.Is(err, eventstore.ErrUnavailable) {
		t.Fatalf("Give: %v, want ErrUnavailable", err)
	}
}
