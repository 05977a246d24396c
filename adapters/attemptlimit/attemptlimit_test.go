package attemptlimit_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camcloud/accounts/adapters/attemptlimit"
	"github.com/camcloud/accounts/commands"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/internal/pgtest"
	"github.com/jackc/pgx/v5/pgxpool"
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

func TestTake(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	three := commands.Limit{Burst: 3, Every: time.Minute}
	a := commands.Attempt{Key: "a", Limit: three}
	b := commands.Attempt{Key: "b", Limit: three}
	type step struct {
		at       time.Duration // after t0
		give     bool
		attempts []commands.Attempt
		wait     time.Duration // 0: charged
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"a burst, then one back each interval", []step{
			{0, false, []commands.Attempt{a}, 0}, {0, false, []commands.Attempt{a}, 0}, {0, false, []commands.Attempt{a}, 0},
			{0, false, []commands.Attempt{a}, time.Minute},
			{30 * time.Second, false, []commands.Attempt{a}, 30 * time.Second},
			{time.Minute, false, []commands.Attempt{a}, 0},
			{time.Minute, false, []commands.Attempt{a}, time.Minute},
			{4 * time.Minute, false, []commands.Attempt{a}, 0}, {4 * time.Minute, false, []commands.Attempt{a}, 0},
			{4 * time.Minute, false, []commands.Attempt{a}, 0}, {4 * time.Minute, false, []commands.Attempt{a}, time.Minute},
		}},
		{"all or none: a spent budget charges the other nothing", []step{
			{0, false, []commands.Attempt{a}, 0}, {0, false, []commands.Attempt{a}, 0}, {0, false, []commands.Attempt{a}, 0},
			{0, false, []commands.Attempt{b, a}, time.Minute}, {0, false, []commands.Attempt{a, b}, time.Minute},
			{0, false, []commands.Attempt{b}, 0}, {0, false, []commands.Attempt{b}, 0}, {0, false, []commands.Attempt{b}, 0},
			{0, false, []commands.Attempt{b}, time.Minute},
		}},
		{"an attempt given back can be taken again, never beyond the burst", []step{
			{0, false, []commands.Attempt{a}, 0}, {0, false, []commands.Attempt{a}, 0}, {0, false, []commands.Attempt{a}, 0},
			{0, true, []commands.Attempt{a}, 0},
			{0, false, []commands.Attempt{a}, 0},
			{0, false, []commands.Attempt{a}, time.Minute},
			{time.Hour, true, []commands.Attempt{a}, 0}, {time.Hour, true, []commands.Attempt{a}, 0},
			{time.Hour, false, []commands.Attempt{a}, 0}, {time.Hour, false, []commands.Attempt{a}, 0}, {time.Hour, false, []commands.Attempt{a}, 0},
			{time.Hour, false, []commands.Attempt{a}, time.Minute},
		}},
		{"giving back what was never taken changes nothing", []step{
			{0, true, []commands.Attempt{a}, 0},
			{0, false, []commands.Attempt{a}, 0}, {0, false, []commands.Attempt{a}, 0}, {0, false, []commands.Attempt{a}, 0},
			{0, false, []commands.Attempt{a}, time.Minute},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, _ := newLimiter(t)
			for i, s := range c.steps {
				now := t0.Add(s.at)
				if s.give {
					if err := l.Give(ctx, now, s.attempts...); err != nil {
						t.Fatal(err)
					}
					continue
				}
				wait, err := l.Take(ctx, now, s.attempts...)
				if err != nil || wait != s.wait {
					t.Fatalf("step %d: Take = %v, %v; want %v", i, wait, err, s.wait)
				}
			}
		})
	}
}

// TestConcurrentTakesShareOneBudget: 100 attempts at once, half through one instance (pool and
// limiter) and half through another on the same database, charge exactly the burst.
func TestConcurrentTakesShareOneBudget(t *testing.T) {
	ctx := context.Background()
	first, pool := newLimiter(t)
	second := attemptlimit.New(secondPool(t, pool))
	now := time.Now()
	user := commands.Attempt{Key: "sign-in:user:jana", Limit: commands.Limit{Burst: 5, Every: time.Minute}}
	var charged atomic.Int64
	var wg sync.WaitGroup
	for i := range 100 {
		l := first
		if i%2 == 1 {
			l = second
		}
		address := commands.Attempt{Key: fmt.Sprint("sign-in:addr:10.0.0.", i), Limit: commands.Limit{Burst: 20, Every: time.Minute}}
		wg.Go(func() {
			wait, err := l.Take(ctx, now, address, user)
			if err != nil {
				t.Error(err)
			}
			if wait == 0 {
				charged.Add(1)
			}
		})
	}
	wg.Wait()
	if n := charged.Load(); n != 5 {
		t.Fatalf("%d of 100 concurrent attempts charged on two instances, want exactly 5", n)
	}
}

// TestFullBudgetsAreForgotten: rows whose budget is full again are deleted a few per request, so
// after a burst of distinct keys (e.g. one per guessed username) the table shrinks back.
func TestFullBudgetsAreForgotten(t *testing.T) {
	ctx := context.Background()
	l, pool := newLimiter(t)
	t0 := time.Now()
	lim := commands.Limit{Burst: 5, Every: time.Minute}
	for i := range 500 {
		if _, err := l.Take(ctx, t0, commands.Attempt{Key: fmt.Sprint("k", i), Limit: lim}); err != nil {
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
		if _, err := l.Take(ctx, later, commands.Attempt{Key: fmt.Sprint("live", i), Limit: lim}); err != nil {
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
	a := commands.Attempt{Key: "k", Limit: commands.Limit{Burst: 1, Every: time.Minute}}
	if _, err := l.Take(t.Context(), time.Now(), a); !errors.Is(err, eventstore.ErrUnavailable) {
		t.Fatalf("Take: %v, want ErrUnavailable", err)
	}
	if err := l.Give(t.Context(), time.Now(), a); !errors.Is(err, eventstore.ErrUnavailable) {
		t.Fatalf("Give: %v, want ErrUnavailable", err)
	}
}
