// Package attempts keeps budgets of attempts (sign-ins, password checks, mails, recorder
// registrations): a Limiter charges an attempt before the work it guards, so that however many
// requests run at once, on however many instances, no more work is done than the budget allows.
package attempts

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/camcloud/accounts/domain/fault"
)

// Limit is a budget of attempts: Burst at once, and one more back every Every (a token bucket).
type Limit struct {
	Burst int
	Every time.Duration
}

// Attempt is one attempt charged to a budget: Key names what is limited (a username, a client
// address, a target e-mail address), prefixed by what kind of attempt it is.
type Attempt struct {
	Key   string
	Limit Limit
}

// Limiter keeps attempt budgets. The attempt is taken BEFORE the guarded work (a password
// verification, a mail), so that however many requests run at once, on however many instances,
// no more work is done than the budget allows. adapters/attemptlimit keeps the budgets in
// PostgreSQL, where every instance sees them; Memory is for unit tests.
type Limiter interface {
	// Take charges one attempt to every budget, all of them or none. It returns 0 when they were
	// charged, else how long until every budget has an attempt again (and charges nothing).
	Take(ctx context.Context, now time.Time, attempts ...Attempt) (time.Duration, error)
	// Give returns attempts taken for work that succeeded (a right password), so that a user's
	// own sign-ins never lock them out.
	Give(ctx context.Context, now time.Time, attempts ...Attempt) error
}

// RateLimitedError answers an attempt made while its budget is spent.
type RateLimitedError struct {
	RetryAfter time.Duration
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("too many attempts; retry in %s", e.RetryAfter.Round(time.Second))
}

// ErrRateLimited is matched by every *RateLimitedError.
var ErrRateLimited = fault.New(fault.RateLimited, "rate limited").With(rateLimited)

// rateLimited is what a refused attempt tells; every budget (sign-ins, password checks, mails)
// answers alike.
var rateLimited = fault.Problem{Title: "Too many failed sign-ins", Detail: "wait before trying again"}

// Kind makes every *RateLimitedError a fault.RateLimited.
func (e *RateLimitedError) Kind() fault.Kind { return fault.RateLimited }

// Describe says when to try again.
func (e *RateLimitedError) Describe() fault.Problem {
	p := rateLimited
	p.RetryAfter = e.RetryAfter
	return p
}

func (e *RateLimitedError) Is(target error) bool { return target == ErrRateLimited }

// Take charges attempts and turns a refusal into a *RateLimitedError.
func Take(ctx context.Context, l Limiter, now time.Time, attempts ...Attempt) error {
	wait, err := l.Take(ctx, now, attempts...)
	if err != nil {
		return fmt.Errorf("take an attempt: %w", err)
	}
	if wait > 0 {
		return &RateLimitedError{RetryAfter: wait}
	}
	return nil
}

// Memory keeps budgets in this process only: for unit tests and single-instance tools.
// It implements the same generic cell rate algorithm as adapters/attemptlimit: each key holds
// the time at which its budget is full again ("theoretical arrival time"), and a key whose
// budget is full is forgotten, a few per call, so its state stays bounded.
type Memory struct {
	mu   sync.Mutex
	full map[string]time.Time // key -> when its budget is full again
}

// NewMemory returns an empty in-memory limiter.
func NewMemory() *Memory { return &Memory{full: map[string]time.Time{}} }

var _ Limiter = (*Memory)(nil)

// forgetPerCall bounds the work of forgetting full budgets on each call.
const forgetPerCall = 8

func (l *Memory) Take(_ context.Context, now time.Time, attempts ...Attempt) (time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.forget(now)
	var wait time.Duration
	next := make([]time.Time, len(attempts))
	for i, a := range attempts {
		tat := later(l.full[a.Key], now).Add(a.Limit.Every)
		// Allowed while charging it leaves the budget at most Burst attempts behind.
		if over := tat.Sub(now) - time.Duration(a.Limit.Burst)*a.Limit.Every; over > 0 {
			wait = max(wait, over)
		}
		next[i] = tat
	}
	if wait > 0 {
		return wait, nil
	}
	for i, a := range attempts {
		l.full[a.Key] = next[i]
	}
	return 0, nil
}

func (l *Memory) Give(_ context.Context, now time.Time, attempts ...Attempt) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, a := range attempts {
		if tat, ok := l.full[a.Key]; ok {
			l.full[a.Key] = tat.Add(-a.Limit.Every)
		}
	}
	return nil
}

// forget drops a few keys whose budget is full again: the map's random iteration order spreads
// the work, and the map never holds many more keys than were charged within a window.
func (l *Memory) forget(now time.Time) {
	seen := 0
	for k, tat := range l.full {
		if !tat.After(now) {
			delete(l.full, k)
		}
		if seen++; seen == 2*forgetPerCall {
			return
		}
	}
}

// Len returns how many keys the limiter holds (for tests of its bound).
func (l *Memory) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.full)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Sorted orders attempts by key: a store that locks its budgets then always locks them
// in the same order, so two requests never wait on each other in a cycle.
func Sorted(attempts ...Attempt) []Attempt {
	slices.SortFunc(attempts, func(a, b Attempt) int { return cmp.Compare(a.Key, b.Key) })
	return attempts
}
