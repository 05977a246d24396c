// Package jobs runs background work: the items of a Queue (one row each, in a table of the kind
// that queues them, such as the mail outbox) and Periodic jobs ("every minute, expire grants").
//
// Every instance of the service runs the same jobs against the same tables; they share the work
// through leases taken in the database:
//
//  1. claim: one statement takes a few due items (FOR UPDATE SKIP LOCKED: other instances take
//     others), counts the attempt and leases them by moving their next try past the lease;
//  2. run the handler on each, outside any transaction (a slow mail server or API holds no lock
//     and no connection);
//  3. record: one statement marks the item done, or schedules the next try after an exponential
//     backoff; an item that failed MaxAttempts times stays in its table, dead, for an operator.
//
// Recording names the attempt it ran, so a worker whose lease ran out (and whose item another
// worker took) changes nothing. A worker that dies between running and recording leaves the item
// leased; when the lease ends it runs again. Delivery is therefore at least once: a handler must
// be idempotent (send with a stable Message-ID, write with the item's key, ask "done already?").
package jobs

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Outcome is what became of one run of a job, as counted.
type Outcome string

const (
	// Done: the handler succeeded and the item is finished.
	Done Outcome = "done"
	// Skipped: the handler decided the item is pointless now (Skip); it is finished, not retried.
	Skipped Outcome = "skipped"
	// Retry: the handler failed; the item runs again after a backoff.
	Retry Outcome = "retry"
	// Dead: the handler failed for the last allowed time; the item stays, and is not run again.
	Dead Outcome = "dead"
)

// Counter counts outcomes by job name: Counts in process, a metrics adapter (Prometheus) later.
type Counter interface {
	Count(job string, o Outcome)
}

// Counts is an in-process Counter, safe for concurrent use. The zero value is ready.
type Counts struct {
	mu sync.Mutex
	n  map[string]map[Outcome]int64
}

// Count adds one o to job; on a nil *Counts it does nothing.
func (c *Counts) Count(job string, o Outcome) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]map[Outcome]int64{}
	}
	if c.n[job] == nil {
		c.n[job] = map[Outcome]int64{}
	}
	c.n[job][o]++
}

// Get returns how many times job ended in o.
func (c *Counts) Get(job string, o Outcome) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[job][o]
}

// String lists the counts, e.g. "mail done=3 retry=1", for a log line.
func (c *Counts) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	names := make([]string, 0, len(c.n))
	for name := range c.n {
		names = append(names, name)
	}
	sort.Strings(names)
	s := ""
	for _, name := range names {
		if s != "" {
			s += "; "
		}
		s += name
		for _, o := range []Outcome{Done, Skipped, Retry, Dead} {
			if n := c.n[name][o]; n > 0 {
				s += fmt.Sprintf(" %s=%d", o, n)
			}
		}
	}
	return s
}

// noCount is the Counter of a job given none.
type noCount struct{}

func (noCount) Count(string, Outcome) {}

// Backoff is how long a failed item waits before its next try: Base after the first failure,
// doubling with each further one, never more than Max.
type Backoff struct {
	Base, Max time.Duration
}

// Delay returns the wait after the given failed attempt (1 for the first).
func (b Backoff) Delay(attempt int) time.Duration {
	d := b.Base
	for i := 1; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// skipped marks an error returned by Skip.
type skipped struct{ reason error }

func (s skipped) Error() string { return s.reason.Error() }
func (s skipped) Unwrap() error { return s.reason }

// Skip wraps the reason a handler gives for finishing an item without doing it (a link that
// expired before its mail went out): the item is recorded as finished, with reason as its last
// error, and not tried again.
func Skip(reason error) error { return skipped{reason: reason} }

// isSkip tells whether err came from Skip.
func isSkip(err error) bool {
	var s skipped
	return errors.As(err, &s)
}
