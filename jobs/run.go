package jobs

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Runner is a job Run polls: a Queue or a Periodic.
type Runner interface {
	JobName() string
	// RunDue runs what is due and returns how much was done; an error means the database could
	// not be reached or written (leases bring back what it left claimed).
	RunDue(ctx context.Context) (int, error)
}

// Run polls every runner every interval, each in a goroutine of its own (a slow mail server does
// not hold up the other jobs), until ctx ends. Errors are logged and the poll goes on: the
// database may come back.
func Run(ctx context.Context, interval time.Duration, logger *slog.Logger, runners ...Runner) error {
	var wg sync.WaitGroup
	for _, r := range runners {
		wg.Go(func() {
			ticker := time.NewTicker(interval)
			defer ticker.Stop()
			for {
				if _, err := r.RunDue(ctx); err != nil && ctx.Err() == nil {
					logger.WarnContext(ctx, "running due jobs", "job", r.JobName(), "error", err)
				}
				select {
				case <-ctx.Done():
					return
				case <-ticker.C:
				}
			}
		})
	}
	wg.Wait()
	return nil
}
