package postgres_test

import (
	"context"
	"testing"

	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/postgres"
	"github.com/camcloud/accounts/eventstore/storetest"
	"github.com/camcloud/accounts/internal/pgtest"
)

func newStore(t testing.TB) *postgres.Store {
	pool := pgtest.NewPool(t)
	if err := postgres.Migrate(context.Background(), pool); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return postgres.New(pool)
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) eventstore.Store { return newStore(t) })
}

func TestMigrateTwice(t *testing.T) {
	pool := pgtest.NewPool(t)
	for range 2 {
		if err := postgres.Migrate(context.Background(), pool); err != nil {
			t.Fatalf("migrate: %v", err)
		}
	}
}

// BenchmarkAppend measures one-event appends to distinct streams from parallel goroutines: the
// advisory lock makes them commit one at a time, so this is the store's write ceiling.
func BenchmarkAppend(b *testing.B) {
	s := newStore(b)
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Append(ctx, "bench-"+storetest.Event("").ID.String(), eventstore.NoStream, storetest.Event("x")); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkReadAll measures reading the global log in subscription-sized pages.
func BenchmarkReadAll(b *testing.B) {
	s := newStore(b)
	ctx := context.Background()
	batch := make([]eventstore.EventData, 100)
	for i := range 50 {
		for j := range batch {
			batch[j] = storetest.Event("x")
		}
		if _, err := s.Append(ctx, "bench-"+string(rune('a'+i%26))+batch[0].ID.String(), eventstore.NoStream, batch...); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		from := eventstore.Start
		for {
			evs, err := s.ReadAll(ctx, from, eventstore.Forwards, 500)
			if err != nil {
				b.Fatal(err)
			}
			if len(evs) < 500 {
				break
			}
			from = evs[len(evs)-1].Position
		}
	}
	b.ReportMetric(5000, "events/op")
}
