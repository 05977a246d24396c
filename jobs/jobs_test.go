package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/internal/pgtest"
	"github.com/camcloud/accounts/jobs"
)

// work is a test kind's item, as a queue decodes its row.
type work struct {
	ID      int64  `json:"id"`
	Payload string `json:"payload"`
}

// workTable is the test kind's table: its own columns and the three a queue keeps.
var workTable = jobs.Table{Name: "work", Key: "id", Order: "created_at", Done: "done_at"}

func newPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool := pgtest.NewPool(t)
	_, err := pool.Exec(context.Background(), `CREATE TABLE work (
		id         bigint      PRIMARY KEY,
		payload    text        NOT NULL,
		created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
		done_at    timestamptz,
		attempts   integer     NOT NULL DEFAULT 0,
		next_try   timestamptz NOT NULL DEFAULT now(),
		last_error text)`)
	if err != nil {
		t.Fatal(err)
	}
	if err := jobs.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	return pool
}

// enqueue adds items 1..n.
func enqueue(t *testing.T, pool *pgxpool.Pool, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		if _, err := pool.Exec(context.Background(), `INSERT INTO work (id, payload) VALUES ($1, $2)`, i, fmt.Sprint("item ", i)); err != nil {
			t.Fatal(err)
		}
	}
}

// row is what the table says of one item.
type row struct {
	attempts  int
	done      bool
	lastError string
	wait      time.Duration // from now to next_try
}

func itemRow(t *testing.T, pool *pgxpool.Pool, id int64) row {
	t.Helper()
	var r row
	var waitSeconds float64
	err := pool.QueryRow(context.Background(), `SELECT attempts, done_at IS NOT NULL, coalesce(last_error, ''),
		extract(epoch FROM next_try - now()) FROM work WHERE id = $1`, id).Scan(&r.attempts, &r.done, &r.lastError, &waitSeconds)
	if err != nil {
		t.Fatal(err)
	}
	r.wait = time.Duration(waitSeconds * float64(time.Second))
	return r
}

func makeDue(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), `UPDATE work SET next_try = now()`); err != nil {
		t.Fatal(err)
	}
}

func queue(pool *pgxpool.Pool, counts *jobs.Counts, handle func(context.Context, jobs.Job[work]) error) *jobs.Queue[work] {
	return &jobs.Queue[work]{Name: "work", Pool: pool, Table: workTable, Handle: handle, Counter: counts,
		Backoff: jobs.Backoff{Base: time.Minute, Max: 4 * time.Minute}}
}

func TestBackoffDoublesUpToItsCap(t *testing.T) {
	b := jobs.Backoff{Base: time.Second, Max: time.Minute}
	for _, c := range []struct {
		attempt int
		want    time.Duration
	}{
		{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {6, 32 * time.Second},
		{7, time.Minute}, {100, time.Minute}, {1 << 30, time.Minute},
	} {
		if got := b.Delay(c.attempt); got != c.want {
			t.Errorf("Delay(%d) = %v, want %v", c.attempt, got, c.want)
		}
	}
}

// TestDueItemsRunOnceInOrderOutsideATransaction: every due item runs once, oldest first, while
// no session holds a transaction open, and is recorded done.
func TestDueItemsRunOnceInOrderOutsideATransaction(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	enqueue(t, pool, 20) // more than a claim's batch
	var (
		got  []string
		open int
	)
	counts := &jobs.Counts{}
	q := queue(pool, counts, func(ctx context.Context, j jobs.Job[work]) error {
		got = append(got, j.Data.Payload)
		var n int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`).Scan(&n)
		open += n
		if j.Attempt != 1 {
			return fmt.Errorf("attempt %d, want 1", j.Attempt)
		}
		return err
	})
	q.Batch = 8
	done, err := q.RunDue(ctx)
	if err != nil || done != 20 {
		t.Fatalf("RunDue: %d done (%v), want 20", done, err)
	}
	for i, p := range got {
		if want := fmt.Sprint("item ", i+1); p != want {
			t.Fatalf("run %d was %q, want %q (oldest first)", i, p, want)
		}
	}
	if open != 0 {
		t.Errorf("%d transactions open while handlers ran", open)
	}
	if r := itemRow(t, pool, 7); !r.done || r.attempts != 1 || r.lastError != "" {
		t.Errorf("item 7 after its run: %+v", r)
	}
	if done, err := q.RunDue(ctx); err != nil || done != 0 {
		t.Fatalf("second RunDue: %d done (%v), want 0", done, err)
	}
	if n := counts.Get("work", jobs.Done); n != 20 {
		t.Errorf("counted %d done, want 20", n)
	}
}

// TestFailedItemBacksOffThenDies: a failing item waits Base, then twice as long, ... and after
// MaxAttempts runs is dead: it stays, with its last error, and is never claimed again.
func TestFailedItemBacksOffThenDies(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	enqueue(t, pool, 1)
	counts := &jobs.Counts{}
	runs := 0
	q := queue(pool, counts, func(context.Context, jobs.Job[work]) error {
		runs++
		return fmt.Errorf("remote refused (run %d)", runs)
	})
	q.MaxAttempts = 4
	for _, want := range []struct {
		wait    time.Duration
		outcome jobs.Outcome
	}{{time.Minute, jobs.Retry}, {2 * time.Minute, jobs.Retry}, {4 * time.Minute, jobs.Retry}, {4 * time.Minute, jobs.Dead}} {
		if done, err := q.RunDue(ctx); err != nil || done != 0 {
			t.Fatalf("RunDue: %d done (%v)", done, err)
		}
		r := itemRow(t, pool, 1)
		if r.done || r.attempts != runs || r.lastError != fmt.Sprintf("remote refused (run %d)", runs) {
			t.Fatalf("after run %d: %+v", runs, r)
		}
		if r.wait < want.wait-5*time.Second || r.wait > want.wait+time.Second {
			t.Errorf("after run %d the next try is in %v, want %v", runs, r.wait, want.wait)
		}
		// Nothing runs before the backoff has passed.
		if _, err := q.RunDue(ctx); err != nil || runs != itemRow(t, pool, 1).attempts {
			t.Fatalf("ran during the backoff (%v)", err)
		}
		makeDue(t, pool)
	}
	if _, err := q.RunDue(ctx); err != nil || runs != 4 {
		t.Fatalf("a dead item ran again: %d runs (%v)", runs, err)
	}
	if counts.Get("work", jobs.Retry) != 3 || counts.Get("work", jobs.Dead) != 1 {
		t.Errorf("counts: %s, want retry=3 dead=1", counts)
	}
}

// TestRetriedItemSucceeds: an item that failed once is done on its next run, with no error left.
func TestRetriedItemSucceeds(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	enqueue(t, pool, 1)
	counts := &jobs.Counts{}
	q := queue(pool, counts, func(_ context.Context, j jobs.Job[work]) error {
		if j.Attempt == 1 {
			return errors.New("timeout")
		}
		return nil
	})
	if done, err := q.RunDue(ctx); err != nil || done != 0 {
		t.Fatalf("first run: %d done (%v)", done, err)
	}
	makeDue(t, pool)
	if done, err := q.RunDue(ctx); err != nil || done != 1 {
		t.Fatalf("second run: %d done (%v)", done, err)
	}
	if r := itemRow(t, pool, 1); !r.done || r.attempts != 2 || r.lastError != "" {
		t.Errorf("after the retry: %+v", r)
	}
	if counts.String() != "work done=1 retry=1" {
		t.Errorf("counts %q", counts)
	}
}

// TestSkippedItemIsFinishedWithItsReason: Skip finishes an item without retrying it.
func TestSkippedItemIsFinishedWithItsReason(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	enqueue(t, pool, 1)
	counts := &jobs.Counts{}
	q := queue(pool, counts, func(context.Context, jobs.Job[work]) error {
		return jobs.Skip(errors.New("expired before it ran"))
	})
	if done, err := q.RunDue(ctx); err != nil || done != 0 {
		t.Fatalf("RunDue: %d done (%v), want 0", done, err)
	}
	if r := itemRow(t, pool, 1); !r.done || r.lastError != "expired before it ran" {
		t.Errorf("after a skip: %+v", r)
	}
	if counts.Get("work", jobs.Skipped) != 1 {
		t.Errorf("counts: %s", counts)
	}
}

// TestWorkersShareTheQueue: workers running at once (instances of the service) each take other
// items; every item runs once.
func TestWorkersShareTheQueue(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	const n = 60
	enqueue(t, pool, n)
	var (
		mu   sync.Mutex
		runs = map[int64]int{}
		by   = map[int]int{}
	)
	var wg sync.WaitGroup
	total := atomic.Int64{}
	for w := range 3 {
		q := queue(pool, nil, func(context.Context, jobs.Job[work]) error { return nil })
		q.Batch = 4
		q.Handle = func(_ context.Context, j jobs.Job[work]) error {
			mu.Lock()
			runs[j.Data.ID]++
			by[w]++
			mu.Unlock()
			time.Sleep(time.Millisecond) // long enough for the others to claim meanwhile
			return nil
		}
		wg.Go(func() {
			done, err := q.RunDue(ctx)
			if err != nil {
				t.Error(err)
			}
			total.Add(int64(done))
		})
	}
	wg.Wait()
	if total.Load() != n || len(runs) != n {
		t.Fatalf("%d done, %d distinct items; want %d", total.Load(), len(runs), n)
	}
	for id, k := range runs {
		if k != 1 {
			t.Errorf("item %d ran %d times", id, k)
		}
	}
	t.Logf("items per worker: %v", by)
}

// TestCrashedWorkersItemRunsAgainWhenTheLeaseEnds: a worker dies after its handler ran and
// before the outcome was recorded. Nobody runs the item while the lease lasts; then another
// worker runs it again (at least once).
func TestCrashedWorkersItemRunsAgainWhenTheLeaseEnds(t *testing.T) {
	pool := newPool(t)
	enqueue(t, pool, 1)
	const lease = 700 * time.Millisecond
	crashCtx, crash := context.WithCancel(context.Background())
	crashing := queue(pool, nil, func(context.Context, jobs.Job[work]) error {
		crash() // the process dies before it records the outcome
		return nil
	})
	crashing.Lease = lease
	if _, err := crashing.RunDue(crashCtx); err == nil {
		t.Fatal("recording worked on a cancelled context")
	}
	claimedAt := time.Now()

	var runs []int
	other := queue(pool, nil, func(_ context.Context, j jobs.Job[work]) error {
		runs = append(runs, j.Attempt)
		return nil
	})
	if done, err := other.RunDue(context.Background()); err != nil || done != 0 {
		t.Fatalf("another worker did %d (%v) during the lease, want 0", done, err)
	}
	time.Sleep(time.Until(claimedAt.Add(lease + 100*time.Millisecond)))
	if done, err := other.RunDue(context.Background()); err != nil || done != 1 {
		t.Fatalf("after the lease another worker did %d (%v), want 1", done, err)
	}
	if len(runs) != 1 || runs[0] != 2 {
		t.Fatalf("runs after the crash: attempts %v, want [2]", runs)
	}
	if r := itemRow(t, pool, 1); !r.done || r.attempts != 2 {
		t.Errorf("after the second run: %+v", r)
	}
}

// TestLateWorkerDoesNotOverwriteTheNextOne: a worker whose lease ran out while its handler was
// still busy (a hung mail server) records nothing when it is done: the item belongs to the worker
// that claimed it next.
func TestLateWorkerDoesNotOverwriteTheNextOne(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	enqueue(t, pool, 1)
	release := make(chan struct{})
	claimed := make(chan struct{})
	slow := queue(pool, nil, func(context.Context, jobs.Job[work]) error {
		close(claimed)
		<-release
		return errors.New("gave up late")
	})
	slow.Lease = 300 * time.Millisecond
	result := make(chan error, 1)
	go func() {
		_, err := slow.RunDue(ctx)
		result <- err
	}()
	<-claimed
	time.Sleep(400 * time.Millisecond) // the slow worker's lease runs out
	next := queue(pool, nil, func(context.Context, jobs.Job[work]) error { return nil })
	if done, err := next.RunDue(ctx); err != nil || done != 1 {
		t.Fatalf("the next worker did %d (%v), want 1", done, err)
	}
	close(release)
	if err := <-result; err != nil {
		t.Fatal(err)
	}
	if r := itemRow(t, pool, 1); !r.done || r.attempts != 2 || r.lastError != "" {
		t.Errorf("the late worker changed the item: %+v", r)
	}
}

// TestPeriodicJobRunsOncePerPeriodAcrossInstances: instances polling one periodic job at once
// run it once per period; a failed run is tried again after its backoff, a crashed one when its
// lease ends.
func TestPeriodicJobRunsOncePerPeriodAcrossInstances(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	var runs atomic.Int64
	fail := atomic.Bool{}
	counts := &jobs.Counts{}
	instance := func() *jobs.Periodic {
		return &jobs.Periodic{Name: "expire-grants", Pool: pool, Every: time.Hour, Counter: counts,
			Backoff: jobs.Backoff{Base: time.Minute, Max: time.Hour},
			Handle: func(context.Context) error {
				runs.Add(1)
				time.Sleep(5 * time.Millisecond) // the others poll meanwhile
				if fail.Load() {
					return errors.New("grants unavailable")
				}
				return nil
			}}
	}
	pollAll := func() {
		t.Helper()
		var wg sync.WaitGroup
		for range 4 {
			p := instance()
			wg.Go(func() {
				if _, err := p.RunDue(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	schedule := func() (wait time.Duration, lastError string) {
		t.Helper()
		var seconds float64
		err := pool.QueryRow(ctx, `SELECT extract(epoch FROM next_try - now()), coalesce(last_error, '')
			FROM job_schedules WHERE name = 'expire-grants'`).Scan(&seconds, &lastError)
		if err != nil {
			t.Fatal(err)
		}
		return time.Duration(seconds * float64(time.Second)), lastError
	}
	// The period passes.
	elapse := func() {
		t.Helper()
		if _, err := pool.Exec(ctx, `UPDATE job_schedules SET next_try = now()`); err != nil {
			t.Fatal(err)
		}
	}
	near := func(got, want time.Duration) bool { return got > want-10*time.Second && got <= want }

	pollAll()
	pollAll()
	if n := runs.Load(); n != 1 {
		t.Fatalf("first period: %d runs, want 1", n)
	}
	if wait, _ := schedule(); !near(wait, time.Hour) {
		t.Fatalf("after a run the next is due in %v, want an hour", wait)
	}
	elapse()
	pollAll()
	if n := runs.Load(); n != 2 {
		t.Fatalf("second period: %d runs in all, want 2", n)
	}

	// A failure backs off and is tried again.
	elapse()
	fail.Store(true)
	pollAll()
	if wait, lastError := schedule(); !near(wait, time.Minute) || lastError != "grants unavailable" {
		t.Fatalf("after a failure: next try in %v, last error %q; want a minute and the error", wait, lastError)
	}
	fail.Store(false)
	elapse()
	pollAll()
	if n := runs.Load(); n != 4 {
		t.Fatalf("after a failure and its retry: %d runs, want 4", n)
	}

	// An instance that dies while the job runs leaves it leased; it runs again when the lease ends.
	elapse()
	const lease = time.Second
	crashCtx, crash := context.WithCancel(ctx)
	dying := instance()
	dying.Lease = lease
	dying.Handle = func(context.Context) error { crash(); return nil }
	if _, err := dying.RunDue(crashCtx); err == nil {
		t.Fatal("recording worked on a cancelled context")
	}
	claimedAt := time.Now()
	pollAll()
	if n := runs.Load(); n != 4 {
		t.Fatalf("ran during the crashed run's lease: %d runs, want 4", n)
	}
	time.Sleep(time.Until(claimedAt.Add(lease + 100*time.Millisecond)))
	pollAll()
	if n := runs.Load(); n != 5 {
		t.Fatalf("after the lease: %d runs, want 5", n)
	}
	if got := counts.String(); got != "expire-grants done=4 retry=1" {
		t.Errorf("counts %q", got)
	}
}

// TestRunPollsEveryJobUntilCancelled: Run keeps running queues and periodic jobs side by side
// and returns when its context ends.
func TestRunPollsEveryJobUntilCancelled(t *testing.T) {
	pool := newPool(t)
	ctx, cancel := context.WithCancel(context.Background())
	var items, ticks atomic.Int64
	q := queue(pool, nil, func(context.Context, jobs.Job[work]) error { items.Add(1); return nil })
	p := &jobs.Periodic{Name: "tick", Pool: pool, Every: 50 * time.Millisecond, Handle: func(context.Context) error { ticks.Add(1); return nil }}
	stopped := make(chan error, 1)
	go func() { stopped <- jobs.Run(ctx, 10*time.Millisecond, slog.New(slog.DiscardHandler), q, p) }()
	enqueue(t, pool, 5) // while it runs
	deadline := time.Now().Add(10 * time.Second)
	for (items.Load() < 5 || ticks.Load() < 3) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if items.Load() != 5 || ticks.Load() < 3 {
		t.Fatalf("%d items and %d ticks ran, want 5 and at least 3", items.Load(), ticks.Load())
	}
}

// TestItemsPastHalfTheirLeaseWait: when earlier items of a claim took more than half the lease,
// the rest are not run by this worker, so that no other worker claiming them when the lease ends
// finds them running here.
func TestItemsPastHalfTheirLeaseWait(t *testing.T) {
	pool := newPool(t)
	enqueue(t, pool, 3)
	var ran []int64
	q := queue(pool, nil, func(ctx context.Context, j jobs.Job[work]) error {
		ran = append(ran, j.Data.ID)
		time.Sleep(120 * time.Millisecond)
		return nil
	})
	q.Lease = 200 * time.Millisecond
	if _, err := q.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(ran) != 1 || itemRow(t, pool, 2).done || itemRow(t, pool, 3).done {
		t.Fatalf("ran %v in one pass; want item 1 only, the others left to their lease", ran)
	}
	for range 10 {
		time.Sleep(250 * time.Millisecond) // past the lease: the items are due again
		if _, err := q.RunDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		if itemRow(t, pool, 3).done {
			break
		}
	}
	for id := int64(1); id <= 3; id++ {
		if r := itemRow(t, pool, id); !r.done {
			t.Fatalf("item %d not done after its lease came round again (ran %v, row %+v)", id, ran, r)
		}
	}
}
