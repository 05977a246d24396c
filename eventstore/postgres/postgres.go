// Package postgres is the event store on PostgreSQL (pgx), the embedded default and fine for a
// one-node production.
//
// Ordering without a global lock: an event's position is its transaction's ID
// (pg_current_xact_id, the commit part) and its number within that transaction (the prepare
// part). Transactions commit in any order, so a reader takes only the events of transactions
// older than every transaction still running anywhere on the server
// (pg_snapshot_xmin(pg_current_snapshot())): no event can later appear below a position a reader
// has passed, so subscriptions are gapless, in order and exactly once. Appends to different
// streams share no lock and PostgreSQL flushes their commits together; appends to one stream
// queue on its row in the streams table, which also carries the expected revision. The price is
// on the reading side: a write transaction that stays open anywhere on the server holds delivery
// back (never correctness) until it ends. BenchmarkAppendVsRaw measures the append path.
package postgres

import (
	"context"
	"embed"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/internal/pgerr"
	"github.com/camcloud/accounts/internal/pgmigrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

const (
	// notifyChannel wakes live subscriptions of other processes when appends committed.
	notifyChannel = "eventstore_appended"
	// notifyEvery is the shortest time between two NOTIFYs of one store.
	notifyEvery = 5 * time.Millisecond
	// pollInterval bounds how long a subscription waits when a notification was lost.
	pollInterval = time.Second
	batchSize    = 500
	// settleWait bounds how long a forward ReadAll waits for the transactions older than the
	// committed events it found, so that a reader sees what was committed before it asked.
	settleWait = time.Second
)

// Store is the PostgreSQL event store. Its pool may be as large as the server allows: appends
// to different streams run in parallel.
type Store struct {
	pool *pgxpool.Pool
	// appended wakes this process's subscriptions at once after an append committed.
	appended wakeup
	// notifying and notifyAgain coalesce the NOTIFY that wakes other processes (see notify).
	notifying, notifyAgain atomic.Bool
	// poll is how often an idle subscription reads anyway (pollInterval; tests lengthen it to
	// tell a NOTIFY's wake-up from a poll's).
	poll time.Duration
}

var _ eventstore.Store = (*Store)(nil)

// New returns a store on pool. Call Migrate once before use.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool, poll: pollInterval} }

// Migrate creates or updates the event store's tables.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	sub, err := fsSub()
	if err != nil {
		return err
	}
	if err := pgmigrate.Up(ctx, pool, sub, "eventstore_schema_version"); err != nil {
		return err
	}
	return keepPositionsAhead(ctx, pool)
}

// keepPositionsAhead makes sure that new transactions get positions after every stored event.
// The base added to transaction IDs is fixed when it is set, but a logical restore or a move to
// another cluster (pg_dump, logical replication) starts transaction IDs over: events appended
// then would sort before those already delivered, and no reader would ever see them. So every
// start compares, under a lock that holds appends back, and moves the base past the last event.
func keepPositionsAhead(ctx context.Context, pool *pgxpool.Pool) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE events IN SHARE MODE`); err != nil {
			return fmt.Errorf("keep positions ahead: %w", classify(err))
		}
		var behind bool
		var last int64
		err := tx.QueryRow(ctx, `SELECT coalesce(max(commit_position), 0),
			eventstore_commit_position(pg_current_xact_id()) <= coalesce(max(commit_position), 0) FROM events`).Scan(&last, &behind)
		if err != nil || !behind {
			return classify(err)
		}
		// Every transaction ID is at least 1, so a base of the last position puts every new
		// transaction after it.
		_, err = tx.Exec(ctx, fmt.Sprintf(`CREATE OR REPLACE FUNCTION eventstore_commit_position(xid xid8) RETURNS bigint
			LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN xid::text::bigint + %d`, last))
		if err != nil {
			return fmt.Errorf("keep positions ahead: %w", classify(err))
		}
		return nil
	})
}

// classify marks errors of a server that cannot be reached, or that dropped the connection, as
// eventstore.ErrUnavailable (see pgerr.Unavailable).
func classify(err error) error { return pgerr.Classify(err) }

// wakeup is a broadcast: every waiter's channel closes at the next signal.
type wakeup struct {
	mu sync.Mutex
	ch chan struct{}
}

// wait returns a channel that is closed at the next signal; take it before looking for news.
func (w *wakeup) wait() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ch == nil {
		w.ch = make(chan struct{})
	}
	return w.ch
}

func (w *wakeup) signal() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ch != nil {
		close(w.ch)
		w.ch = nil
	}
}

// committed tells subscriptions that appends committed: this process's at once, other processes'
// through NOTIFY.
//
// The NOTIFY is sent after the append's commit, in a transaction of its own: PostgreSQL holds a
// database-wide lock from a notifying transaction's commit until its WAL is flushed, which would
// make appends commit one at a time again. A lone append notifies at once; appends within
// notifyEvery of a NOTIFY share the next one (a NOTIFY per append cost a fifth of the appends of a
// single writer).
func (s *Store) committed() {
	s.appended.signal()
	s.notifyAgain.Store(true)
	if !s.notifying.CompareAndSwap(false, true) {
		return
	}
	go func() {
		for {
			s.notifyAgain.Store(false)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			// Best effort: a lost notification delays other processes by at most pollInterval.
			// NOTIFY gives its transaction an ID and a commit record; that commit need not wait
			// for the disk.
			_, _ = s.pool.Exec(ctx, "SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, '')", notifyChannel)
			cancel()
			time.Sleep(notifyEvery) // appends meanwhile share the next NOTIFY
			s.notifying.Store(false)
			if !s.notifyAgain.Load() || !s.notifying.CompareAndSwap(false, true) {
				return
			}
		}
	}()
}

func positionOf(commit, prepare int64) eventstore.Position {
	return eventstore.Position{Commit: uint64(commit), Prepare: uint64(prepare)}
}

// clamp maps the uint64 ends (eventstore.End, EndOfAll) onto PostgreSQL's bigint.
func clamp(v uint64) int64 {
	if v > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(v)
}
