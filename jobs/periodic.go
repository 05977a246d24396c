package jobs

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/internal/pgmigrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate creates or updates the table of periodic jobs (job_schedules); queues keep their items
// in tables of their own.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pgmigrate.UpDir(ctx, pool, migrations, "migrations", "jobs_schema_version")
}

// Periodic is a job that runs every so often, on one instance at a time: its row in
// job_schedules is claimed with a lease like a queue's item, and a success moves it Every on.
// A run that fails is tried again after a backoff (never later than Every); one whose worker died
// runs again when the lease ends. So a period's run happens at least once, and may happen
// twice: the handler must be idempotent ("expire the grants that are past their end").
type Periodic struct {
	Name   string // its key in job_schedules, and its name in counts and logs
	Pool   *pgxpool.Pool
	Every  time.Duration
	Handle func(ctx context.Context) error

	Lease   time.Duration // how long a run is left to its worker (5 minutes)
	Backoff Backoff       // wait after a failure (1 s, doubling, at most Every)
	Counter Counter
	Logger  *slog.Logger
}

// JobName is the name counts and logs give the job.
func (p *Periodic) JobName() string { return p.Name }

// RunDue runs the job if it is due and no other worker runs it, and returns 1 if it ran and
// succeeded.
func (p *Periodic) RunDue(ctx context.Context) (int, error) {
	if p.Every <= 0 {
		return 0, fmt.Errorf("periodic job %s: Every is %v", p.Name, p.Every)
	}
	// One statement creates the row on the first run anywhere, or claims it when due; the
	// conflict locks the row and checks next_try on its latest version, so of two instances one
	// claims and the other gets no row.
	var attempt int
	err := p.Pool.QueryRow(ctx, `INSERT INTO job_schedules AS s (name, attempts, next_try) VALUES ($1, 1, now() + $2 * interval '1 second')
		ON CONFLICT (name) DO UPDATE SET attempts = s.attempts + 1, next_try = excluded.next_try WHERE s.next_try <= now()
		RETURNING s.attempts`, p.Name, cmpOr(p.Lease, defaultLease).Seconds()).Scan(&attempt)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("claim periodic job %s: %w", p.Name, err)
	}

	started := time.Now()
	runErr := p.Handle(ctx)
	where := ` WHERE name = $1 AND attempts = $2`
	o := Done
	if runErr == nil {
		// The next run is due Every after this one started, so runs keep their pace.
		next := max(p.Every-time.Since(started), 0)
		_, err = p.Pool.Exec(ctx, `UPDATE job_schedules SET attempts = 0, last_done = now(), last_error = NULL,
			next_try = now() + $3 * interval '1 second'`+where, p.Name, attempt, next.Seconds())
	} else {
		o = Retry
		b := p.Backoff
		if b.Base <= 0 || b.Max <= 0 {
			b = Backoff{Base: min(defaultBackoff.Base, p.Every), Max: p.Every}
		}
		if p.Logger != nil {
			p.Logger.WarnContext(ctx, "job failed", "job", p.Name, "attempt", attempt, "outcome", string(o), "error", runErr)
		}
		_, err = p.Pool.Exec(ctx, `UPDATE job_schedules SET last_error = $4, next_try = now() + $3 * interval '1 second'`+where,
			p.Name, attempt, min(b.Delay(attempt), p.Every).Seconds(), runErr.Error())
	}
	if err != nil {
		return 0, fmt.Errorf("record periodic job %s as %s: %w", p.Name, o, err)
	}
	orCounter(p.Counter).Count(p.Name, o)
	if o != Done {
		return 0, nil
	}
	return 1, nil
}
