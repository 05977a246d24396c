// Package pgbench measures the PostgreSQL event store's appends beside raw pgx writes on the same
// server, in one run, so that a figure is read as a ratio to what the server gives at all (the
// machine's speed and load cancel out). BenchmarkAppendVsRaw in eventstore/postgres uses it; the
// service's bench report may call Compare or the ops.
package pgbench

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/eventstore"
)

// Op is one write of a measurement; worker is the goroutine's number, i counts its writes.
type Op func(ctx context.Context, worker, i int) error

// CreateRawTable creates the reference's table: the shape of an event row without the store's
// indexes beyond the primary key.
func CreateRawTable(ctx context.Context, pool *pgxpool.Pool) error {
	_, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench_raw (
		id uuid PRIMARY KEY, stream text NOT NULL, type text NOT NULL, data json NOT NULL, metadata jsonb NOT NULL)`)
	if err != nil {
		return fmt.Errorf("create bench_raw: %w", err)
	}
	return nil
}

// RawInsert is the reference: one row inserted and committed by one statement in its own
// transaction (one round trip and one flush of the WAL), on a connection of pool. It is the
// cheapest durable write PostgreSQL offers, the stricter of the two references one could pick (an
// explicit BEGIN, INSERT, COMMIT takes three round trips).
func RawInsert(pool *pgxpool.Pool) Op {
	return func(ctx context.Context, worker, i int) error {
		e := Event()
		meta, err := json.Marshal(e.Metadata)
		if err != nil {
			return err
		}
		_, err = pool.Exec(ctx, `INSERT INTO bench_raw (id, stream, type, data, metadata) VALUES ($1, $2, $3, $4, $5)`,
			e.ID, fmt.Sprintf("raw-%d-%d", worker, i), e.Type, string(e.Data), string(meta))
		return err
	}
}

// StoreAppend appends one event to a new stream with expected revision "no stream", as a command
// creating something does: every writer writes its own streams.
func StoreAppend(store eventstore.Store) Op {
	prefix := uuid.NewString()
	var n atomic.Int64 // a stream per append, however often the op is run
	return func(ctx context.Context, worker, i int) error {
		_, err := store.Append(ctx, fmt.Sprintf("bench-%s-%d", prefix, n.Add(1)), eventstore.NoStream, Event())
		return err
	}
}

// Event returns a small event like a command's.
func Event() eventstore.EventData {
	return eventstore.EventData{
		ID:   uuid.New(),
		Type: "bench.happened.v1",
		Data: []byte(`{"name":"Acme Cameras","city":"Lyon"}`),
		Metadata: eventstore.Metadata{
			Actor: "user-1", AccountID: "account-1",
			CorrelationID: uuid.NewString(), CausationID: uuid.NewString(),
			OccurredAt: time.Now().UTC(),
		},
	}
}

// Rate runs op from workers goroutines for d and returns completed ops per second. The first
// error stops the run and is returned.
func Rate(ctx context.Context, workers int, d time.Duration, op Op) (float64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		done     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	start := time.Now()
	deadline := start.Add(d)
	for w := range workers {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				if err := op(ctx, w, i); err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	return float64(done.Load()) / time.Since(start).Seconds(), nil
}

// Figures are the append rates of one comparison, per second.
type Figures struct {
	Raw1, Store1, Raw16, Store16 float64
}

// Ratio1 and Ratio16 are the store's rates as fractions of the raw ones.
func (f Figures) Ratio1() float64  { return f.Store1 / f.Raw1 }
func (f Figures) Ratio16() float64 { return f.Store16 / f.Raw16 }

// Compare measures raw inserts and store appends at 1 and 16 writers, alternating reference and
// store in each of rounds rounds of d per figure, and returns the mean rate of each over the rounds.
// pool must allow 16 connections; the store should have its own pool of the same size.
func Compare(ctx context.Context, pool *pgxpool.Pool, store eventstore.Store, d time.Duration, rounds int) (Figures, error) {
	if err := CreateRawTable(ctx, pool); err != nil {
		return Figures{}, err
	}
	raw, app := RawInsert(pool), StoreAppend(store)
	var f Figures
	for range rounds {
		for _, m := range []struct {
			workers int
			op      Op
			into    *float64
		}{{1, raw, &f.Raw1}, {1, app, &f.Store1}, {16, raw, &f.Raw16}, {16, app, &f.Store16}} {
			r, err := Rate(ctx, m.workers, d, m.op)
			if err != nil {
				return Figures{}, err
			}
			*m.into += r / float64(rounds)
		}
	}
	return f, nil
}
