package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/camcloud/accounts/eventstore"
)

// Subscribe delivers final events (see readForward) from from on. It reads again when an append
// of this process commits, when another process's NOTIFY arrives, soon (backing off up to
// maxRecheck) while committed events are held back by an older running transaction, whose end
// nobody announces, and at least every pollInterval.
func (s *Store) Subscribe(ctx context.Context, from eventstore.Position, handle func(context.Context, eventstore.RecordedEvent) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wake, err := s.listen(ctx)
	if err != nil {
		return err
	}
	poll := time.NewTicker(s.poll)
	defer poll.Stop()
	var recheck time.Duration
	for {
		appended := s.appended.wait() // taken before the read: an append after it wakes us
		page, err := s.readFinal(ctx, from, batchSize)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("subscribe: %w", err)
		}
		for _, e := range page.final {
			if err := handle(ctx, e); err != nil {
				return err
			}
			from = e.Position
		}
		if len(page.final) == batchSize {
			continue
		}
		var held <-chan time.Time
		if page.pending > 0 {
			recheck = min(max(2*recheck, time.Millisecond), maxRecheck)
			held = time.After(recheck)
		} else {
			recheck = 0
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-appended:
		case <-wake:
		case <-held:
		case <-poll.C:
		}
	}
}

// maxRecheck bounds the wait of a subscription for an older transaction to end.
const maxRecheck = 10 * time.Millisecond

// listen holds one connection in LISTEN until ctx ends and signals wake on every notification.
// Losing the connection only slows delivery to the poll interval until it is back.
func (s *Store) listen(ctx context.Context) (<-chan struct{}, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("subscribe: %w", classify(err))
	}
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		conn.Release()
		return nil, fmt.Errorf("subscribe: listen: %w", classify(err))
	}
	raw := conn.Hijack() // never hand a listening connection back to the pool
	wake := make(chan struct{}, 1)
	go func() {
		defer func() {
			if raw != nil {
				raw.Close(context.Background())
			}
		}()
		for {
			if _, err := raw.WaitForNotification(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				// The connection is gone: fall back to polling, and try to listen again.
				raw.Close(context.Background())
				for raw = s.relisten(ctx); raw == nil; raw = s.relisten(ctx) {
					if ctx.Err() != nil {
						return
					}
				}
			}
			select {
			case wake <- struct{}{}:
			default:
			}
		}
	}()
	return wake, nil
}

func (s *Store) relisten(ctx context.Context) *pgx.Conn {
	select {
	case <-ctx.Done():
		return nil
	case <-time.After(s.poll):
	}
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig)
	if err != nil {
		return nil
	}
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		conn.Close(context.Background())
		return nil
	}
	return conn
}
