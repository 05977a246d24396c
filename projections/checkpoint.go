package projections

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/internal/pgerr"
)

// ErrCheckpointMoved means the read model's checkpoint is behind the page a delivery brings: the
// model was reset, or rebuilt from an earlier point. The subscription starts again from the
// stored checkpoint, so nothing is skipped or applied twice.
var ErrCheckpointMoved = errors.New("checkpoint moved")

// ErrNotCaughtUp is returned by WaitFor when the read models did not reach a position in time.
// A retry later may succeed.
var ErrNotCaughtUp = fault.New(fault.Unavailable, "read models have not reached the position yet").With(fault.Problem{
	Type: "not-yet-consistent", Title: "Not yet consistent", Detail: "the read models have not reached min_position yet; retry",
})

// notifyChannel is where a transaction that moves a checkpoint announces it, on commit, to the
// waiters of other processes: "<name> <commit> <prepare>".
const notifyChannel = "projection_checkpoints"

const (
	// pollListening is the safety-net poll of a waiter while notifications arrive; pollDeaf is
	// the poll while the listening connection is down (it only slows answers, never loses one).
	pollListening = time.Second
	pollDeaf      = 100 * time.Millisecond
	// linger keeps the listening connection open after the last waiter left, so that a stream of
	// commands does not connect once per command.
	linger = 5 * time.Second
)

// Checkpoints reads where the read models stand and waits for them to reach a position.
//
// Waiters are woken, without polling, when a checkpoint moves: by the pipeline of this process
// right after its transaction commits (Pipeline.Checkpoints shares one Checkpoints), and by
// PostgreSQL notifications sent by the committing transaction of any process, received on one
// listening connection while someone waits.
type Checkpoints struct {
	pool *pgxpool.Pool

	mu        sync.Mutex
	known     map[string]eventstore.Position // the furthest each read model is known to have reached
	changed   chan struct{}                  // closed and replaced whenever known grows
	waiters   int
	listening bool  // a listener goroutine runs
	heard     bool  // its connection is listening now
	listenErr error // why it is not, when it failed
}

// NewCheckpoints returns a reader of the checkpoints in pool.
func NewCheckpoints(pool *pgxpool.Pool) *Checkpoints {
	return &Checkpoints{pool: pool, known: map[string]eventstore.Position{}, changed: make(chan struct{})}
}

// Get returns a read model's checkpoint (Start if it has none).
func (c *Checkpoints) Get(ctx context.Context, name string) (eventstore.Position, error) {
	var commit, prepare int64
	err := c.pool.QueryRow(ctx, `SELECT commit, prepare FROM projection_checkpoints WHERE name = $1`, name).Scan(&commit, &prepare)
	if errors.Is(err, pgx.ErrNoRows) {
		return eventstore.Start, nil
	}
	if err != nil {
		return eventstore.Start, fmt.Errorf("read checkpoint of %s: %w", name, pgerr.Classify(err))
	}
	return positionOf(commit, prepare), nil
}

// moved records that a read model's checkpoint reached pos (a committed fact) and wakes the
// waiters. Positions only count forwards: a notification overtaken by a later one changes nothing.
func (c *Checkpoints) moved(name string, pos eventstore.Position) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if pos.Compare(c.known[name]) <= 0 {
		return
	}
	c.known[name] = pos
	close(c.changed)
	c.changed = make(chan struct{})
}

// reached reports whether every named read model is known to be at or past pos.
func (c *Checkpoints) reached(pos eventstore.Position, names []string) bool {
	for _, name := range names {
		if c.known[name].Compare(pos) < 0 {
			return false
		}
	}
	return true
}

// WaitFor blocks until every named read model has reached pos, ctx ends (its error), or timeout
// passes (ErrNotCaughtUp). A database that cannot be reached is unavailable, not behind: its
// error matches eventstore.ErrUnavailable.
func (c *Checkpoints) WaitFor(ctx context.Context, pos eventstore.Position, timeout time.Duration, names ...string) error {
	c.mu.Lock()
	if c.reached(pos, names) {
		c.mu.Unlock()
		return nil
	}
	c.waiters++
	if !c.listening {
		c.listening = true
		go c.listen(context.WithoutCancel(ctx))
	}
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.waiters--
		c.mu.Unlock()
	}()

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var lastErr error // of the last read; a server that cannot be reached is unavailable, not behind
	poll := time.NewTimer(0)
	defer poll.Stop()
	for {
		c.mu.Lock()
		done, changed, heard, listenErr := c.reached(pos, names), c.changed, c.heard, c.listenErr
		c.mu.Unlock()
		if done {
			return nil
		}
		if listenErr != nil {
			lastErr = listenErr
		}
		select {
		case <-changed:
			continue
		case <-poll.C:
			if err := c.read(ctx, names); err != nil {
				if ctx.Err() == nil {
					return fmt.Errorf("wait for read models: %w", pgerr.Classify(err))
				}
				if !errors.Is(err, context.DeadlineExceeded) {
					lastErr = err // a read cut by our own deadline says nothing about the server
				}
			}
			if heard {
				poll.Reset(pollListening)
			} else {
				poll.Reset(pollDeaf)
			}
		case <-ctx.Done():
			if lastErr != nil && pgerr.Unavailable(lastErr) && !errors.Is(ctx.Err(), context.Canceled) {
				return fmt.Errorf("wait for read models: %w", pgerr.Classify(lastErr))
			}
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return ErrNotCaughtUp
			}
			return ctx.Err()
		}
	}
}

// read reads the named checkpoints (all of them when none is named) into known.
func (c *Checkpoints) read(ctx context.Context, names []string) error {
	return c.readWith(ctx, c.pool, names)
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func (c *Checkpoints) readWith(ctx context.Context, q querier, names []string) error {
	rows, err := q.Query(ctx, `SELECT name, commit, prepare FROM projection_checkpoints WHERE $1::text[] IS NULL OR name = ANY($1)`, names)
	if err != nil {
		return err
	}
	var (
		name            string
		commit, prepare int64
	)
	_, err = pgx.ForEachRow(rows, []any{&name, &commit, &prepare}, func() error {
		c.moved(name, positionOf(commit, prepare))
		return nil
	})
	return err
}

// listen holds a connection in LISTEN while there are waiters (and for linger after the last),
// turning other processes' checkpoint notifications into wake-ups. Whenever it starts listening
// it reads every checkpoint, so that a move committed before the LISTEN is not missed.
func (c *Checkpoints) listen(ctx context.Context) {
	defer func() {
		c.mu.Lock()
		c.listening, c.heard = false, false
		c.mu.Unlock()
	}()
	backoff := pollDeaf
	idleSince := time.Now()
	for {
		err := c.listenOnce(ctx, &idleSince)
		if err == nil {
			return // idle for linger
		}
		c.mu.Lock()
		c.heard, c.listenErr = false, err
		idle := c.waiters == 0 && time.Since(idleSince) > linger
		c.mu.Unlock()
		if idle {
			return
		}
		time.Sleep(backoff)
		backoff = min(2*backoff, 5*time.Second)
	}
}

// listenOnce connects, listens and delivers notifications until the connection fails (its error)
// or nobody waited for linger (nil).
func (c *Checkpoints) listenOnce(ctx context.Context, idleSince *time.Time) error {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	conn, err := pgx.ConnectConfig(cctx, c.pool.Config().ConnConfig)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return err
	}
	if err := c.readWith(ctx, conn, nil); err != nil {
		return err
	}
	c.mu.Lock()
	c.heard, c.listenErr = true, nil
	c.mu.Unlock()
	for {
		wctx, cancel := context.WithTimeout(ctx, linger)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		c.mu.Lock()
		waiting := c.waiters > 0
		if waiting {
			*idleSince = time.Now()
		}
		idle := !waiting && time.Since(*idleSince) > linger
		c.mu.Unlock()
		switch {
		case err == nil:
			if name, pos, ok := parseNotification(n.Payload); ok {
				c.moved(name, pos)
			}
		case errors.Is(err, context.DeadlineExceeded) && wctx.Err() != nil && ctx.Err() == nil:
			// Quiet for a while: the connection is still fine.
		default:
			return err
		}
		if idle {
			return nil
		}
	}
}

func parseNotification(payload string) (string, eventstore.Position, bool) {
	f := strings.Fields(payload)
	if len(f) != 3 {
		return "", eventstore.Position{}, false
	}
	commit, err1 := strconv.ParseUint(f[1], 10, 64)
	prepare, err2 := strconv.ParseUint(f[2], 10, 64)
	if err1 != nil || err2 != nil {
		return "", eventstore.Position{}, false
	}
	return f[0], eventstore.Position{Commit: commit, Prepare: prepare}, true
}

// lockCheckpoint locks a read model's checkpoint row for the rest of tx and returns it. The
// transaction commits asynchronously: a commit lost in a crash loses its checkpoint with it and
// is simply projected again, so it need not wait for the disk.
func lockCheckpoint(ctx context.Context, tx pgx.Tx, name string) (eventstore.Position, error) {
	var commit, prepare int64
	err := tx.QueryRow(ctx, lockCheckpointSQL, name).Scan(&commit, &prepare, nil)
	if err != nil {
		return eventstore.Start, fmt.Errorf("lock checkpoint of %s: %w", name, err)
	}
	return positionOf(commit, prepare), nil
}

const lockCheckpointSQL = `SELECT commit, prepare, set_config('synchronous_commit', 'off', true)
	FROM projection_checkpoints WHERE name = $1 FOR UPDATE`

// moveCheckpoint sets a read model's checkpoint inside tx and announces it to the waiters of
// every process when tx commits.
func moveCheckpoint(ctx context.Context, tx pgx.Tx, name string, to eventstore.Position) error {
	_, err := tx.Exec(ctx, moveCheckpointSQL, moveCheckpointArgs(name, to)...)
	if err != nil {
		return fmt.Errorf("move checkpoint of %s: %w", name, err)
	}
	return nil
}

const moveCheckpointSQL = `WITH moved AS (
		UPDATE projection_checkpoints SET commit = $2, prepare = $3, updated_at = now() WHERE name = $1 RETURNING name)
	SELECT pg_notify($4, name || ' ' || $2::bigint || ' ' || $3::bigint) FROM moved`

func moveCheckpointArgs(name string, to eventstore.Position) []any {
	return []any{name, int64(to.Commit), int64(to.Prepare), notifyChannel}
}

// passCheckpoint moves a read model's checkpoint to to, in a statement of its own, if it stands at
// or after after and before to, announcing it like moveCheckpoint; it reports whether it moved.
// Its commit is asynchronous, as lockCheckpoint's transaction's is.
func passCheckpoint(ctx context.Context, q querier, name string, after, to eventstore.Position) (bool, error) {
	rows, err := q.Query(ctx, `WITH moved AS (
			UPDATE projection_checkpoints SET commit = $2, prepare = $3, updated_at = now()
			WHERE name = $1 AND (commit, prepare) >= ($4, $5) AND (commit, prepare) < ($2, $3) RETURNING name)
		SELECT pg_notify($6, name || ' ' || $2::bigint || ' ' || $3::bigint), set_config('synchronous_commit', 'off', true) FROM moved`,
		name, int64(to.Commit), int64(to.Prepare), int64(after.Commit), int64(after.Prepare), notifyChannel)
	if err != nil {
		return false, fmt.Errorf("move checkpoint of %s: %w", name, err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("move checkpoint of %s: %w", name, err)
	}
	return n > 0, nil
}

func positionOf(commit, prepare int64) eventstore.Position {
	return eventstore.Position{Commit: uint64(commit), Prepare: uint64(prepare)}
}
