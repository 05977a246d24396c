// Package attemptstest is the conformance suite every attempts.Limiter passes: budgets charged all
// or none, one back each interval, attempts given back, and a budget that concurrent takes cannot
// walk past. Like eventstore/storetest, a case that passes for one limiter and fails for another
// is a bug in that limiter.
package attemptstest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camcloud/accounts/attempts"
)

// NewLimiters returns two limiters that share their budgets (two instances of the service; for a
// limiter kept in one process, the same one twice), empty, living until the test ends.
type NewLimiters func(t *testing.T) (first, second attempts.Limiter)

// Run runs every case, each on fresh limiters.
func Run(t *testing.T, newLimiters NewLimiters) {
	t.Run("Budgets", func(t *testing.T) { testBudgets(t, newLimiters) })
	t.Run("ConcurrentTakesShareOneBudget", func(t *testing.T) { testConcurrentTakes(t, newLimiters) })
}

func testBudgets(t *testing.T, newLimiters NewLimiters) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	three := attempts.Limit{Burst: 3, Every: time.Minute}
	a := []attempts.Attempt{{Key: "a", Limit: three}}
	b := []attempts.Attempt{{Key: "b", Limit: three}}
	ab := append(append([]attempts.Attempt{}, b...), a...)
	type step struct {
		at       time.Duration // after t0
		give     bool
		attempts []attempts.Attempt
		wait     time.Duration // 0: charged
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"a burst, then one back each interval", []step{
			{0, false, a, 0}, {0, false, a, 0}, {0, false, a, 0},
			{0, false, a, time.Minute},
			{30 * time.Second, false, a, 30 * time.Second},
			{time.Minute, false, a, 0},
			{time.Minute, false, a, time.Minute},
			{4 * time.Minute, false, a, 0}, {4 * time.Minute, false, a, 0},
			{4 * time.Minute, false, a, 0}, {4 * time.Minute, false, a, time.Minute},
		}},
		{"all or none: a spent budget charges the other nothing", []step{
			{0, false, a, 0}, {0, false, a, 0}, {0, false, a, 0},
			{0, false, ab, time.Minute}, {0, false, ab, time.Minute},
			{0, false, b, 0}, {0, false, b, 0}, {0, false, b, 0},
			{0, false, b, time.Minute},
		}},
		{"an attempt given back can be taken again, never beyond the burst", []step{
			{0, false, a, 0}, {0, false, a, 0}, {0, false, a, 0},
			{0, true, a, 0},
			{0, false, a, 0},
			{0, false, a, time.Minute},
			{time.Hour, true, a, 0}, {time.Hour, true, a, 0},
			{time.Hour, false, a, 0}, {time.Hour, false, a, 0}, {time.Hour, false, a, 0},
			{time.Hour, false, a, time.Minute},
		}},
		{"giving back what was never taken changes nothing", []step{
			{0, true, a, 0},
			{0, false, a, 0}, {0, false, a, 0}, {0, false, a, 0},
			{0, false, a, time.Minute},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, _ := newLimiters(t)
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

// testConcurrentTakes: 100 attempts at once, half through each limiter, each with an address
// budget of its own and one shared username budget of 5, charge exactly 5.
func testConcurrentTakes(t *testing.T, newLimiters NewLimiters) {
	ctx := context.Background()
	first, second := newLimiters(t)
	now := time.Now()
	user := attempts.Attempt{Key: "sign-in:user:jana", Limit: attempts.Limit{Burst: 5, Every: time.Minute}}
	var charged atomic.Int64
	var wg sync.WaitGroup
	for i := range 100 {
		l := first
		if i%2 == 1 {
			l = second
		}
		address := attempts.Attempt{Key: fmt.Sprint("sign-in:addr:10.0.0.", i), Limit: attempts.Limit{Burst: 20, Every: time.Minute}}
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
		t.Fatalf("%d of 100 concurrent attempts charged, want exactly 5", n)
	}
}
