package commands

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
// PostgreSQL, where every instance sees them; MemoryLimiter is for unit tests.
type Limiter interface {
	// Take charges one attempt to every budget, all of them or none. It returns 0 when they were
	// charged, else how long until every budget has an attempt again (and charges nothing).
	Take(ctx context.Context, now time.Time, attempts ...Attempt) (time.Duration, error)
	// Give returns attempts taken for work that succeeded (a right password), so that a user's
	// own sign-ins never lock them out.
	Give(ctx context.Context, now time.Time, attempts ...Attempt) error
}

// The budgets, and why these numbers.
var (
	// Sign-in and current-password checks: a few typing errors, then one guess a minute; an
	// address (an office behind one NAT) gets more.
	signInPerUsername = Limit{Burst: 5, Every: time.Minute}
	signInPerAddress  = Limit{Burst: 20, Every: time.Minute}
	confirmPerUser    = Limit{Burst: 5, Every: time.Minute}
	// Mails nobody signed in asked for: 3 per target address and 10 per client address an hour
	// are plenty for someone who lost a mail, and too few to flood a mailbox.
	resetPerTarget  = Limit{Burst: 3, Every: 20 * time.Minute}
	resetPerAddress = Limit{Burst: 10, Every: 6 * time.Minute}
	// Invitation resends: an administrator resending more than 3 an hour to one user only floods them.
	resendPerUser = Limit{Burst: 3, Every: 20 * time.Minute}
)

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

// take charges attempts and turns a refusal into a *RateLimitedError.
func take(ctx context.Context, l Limiter, now time.Time, attempts ...Attempt) error {
	wait, err := l.Take(ctx, now, attempts...)
	if err != nil {
		return fmt.Errorf("take an attempt: %w", err)
	}
	if wait > 0 {
		return &RateLimitedError{RetryAfter: wait}
	}
	return nil
}

// MemoryLimiter keeps budgets in this process only: for unit tests and single-instance tools.
// It implements the same generic cell rate algorithm as adapters/attemptlimit: each key holds
// the time at which its budget is full again ("theoretical arrival time"), and a key whose
// budget is full is forgotten, a few per call, so its state stays bounded.
type MemoryLimiter struct {
	mu   sync.Mutex
	full map[string]time.Time // key -> when its budget is full again
}

// NewMemoryLimiter returns an empty in-memory limiter.
func NewMemoryLimiter() *MemoryLimiter { return &MemoryLimiter{full: map[string]time.Time{}} }

var _ Limiter = (*MemoryLimiter)(nil)

// forgetPerCall bounds the work of forgetting full budgets on each call.
const forgetPerCall = 8

func (l *MemoryLimiter) Take(_ context.Context, now time.Time, attempts ...Attempt) (time.Duration, error) {
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

func (l *MemoryLimiter) Give(_ context.Context, now time.Time, attempts ...Attempt) error {
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
func (l *MemoryLimiter) forget(now time.Time) {
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
func (l *MemoryLimiter) Len() int {
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

// signInAttempts are the budgets a sign-in is charged to.
func signInAttempts(username, clientAddress string) []Attempt {
	return sortedAttempts(
		Attempt{Key: "sign-in:user:" + username, Limit: signInPerUsername},
		Attempt{Key: "sign-in:addr:" + clientAddress, Limit: signInPerAddress},
	)
}

// sortedAttempts orders attempts by key: a store that locks its budgets then always locks them
// in the same order, so two requests never wait on each other in a cycle.
func sortedAttempts(attempts ...Attempt) []Attempt {
	slices.SortFunc(attempts, func(a, b Attempt) int { return cmp.Compare(a.Key, b.Key) })
	return attempts
}
