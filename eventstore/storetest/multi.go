package storetest

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/camcloud/accounts/eventstore"
)

func streamLen(t *testing.T, s eventstore.Store, name string) int {
	t.Helper()
	evs, err := s.ReadStream(ctxFor(t), name, 0, eventstore.Forwards, 1000)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return len(evs)
}

func testAppendMulti(t *testing.T, s eventstore.Store) {
	t.Run("all writes stored in order", func(t *testing.T) {
		existing, fresh, checked := stream("account"), stream("user"), stream("group")
		mustAppend(t, s, existing, eventstore.NoStream, events(2, "e")...)
		mustAppend(t, s, checked, eventstore.NoStream, events(1, "c")...)
		a, b := events(1, "a"), events(2, "b")
		results, err := s.AppendMulti(ctxFor(t),
			eventstore.StreamWrite{Stream: existing, Expected: eventstore.Exact(1), Events: a},
			eventstore.StreamWrite{Stream: checked, Expected: eventstore.Exact(0)},
			eventstore.StreamWrite{Stream: fresh, Expected: eventstore.NoStream, Events: b},
		)
		if err != nil {
			t.Fatalf("append multi: %v", err)
		}
		if results[0].Revision != 2 || results[1].Revision != 0 || results[2].Revision != 1 {
			t.Fatalf("revisions = %d, %d, %d; want 2, 0, 1", results[0].Revision, results[1].Revision, results[2].Revision)
		}
		if results[2].Position.Compare(results[0].Position) <= 0 {
			t.Fatalf("positions %v then %v: want the order of writes", results[0].Position, results[2].Position)
		}
		if got := streamLen(t, s, checked); got != 1 {
			t.Fatalf("checked stream has %d events; want it untouched (1)", got)
		}
		again, err := s.AppendMulti(ctxFor(t),
			eventstore.StreamWrite{Stream: existing, Expected: eventstore.Exact(1), Events: a},
			eventstore.StreamWrite{Stream: fresh, Expected: eventstore.NoStream, Events: b},
		)
		if err != nil {
			t.Fatalf("retried append multi: %v", err)
		}
		if again[0] != results[0] || again[1] != results[2] {
			t.Fatalf("retry answered %v; want the first answer %v, %v", again, results[0], results[2])
		}
		if got := streamLen(t, s, fresh); got != 2 {
			t.Fatalf("retry stored again: %d events", got)
		}
	})
	t.Run("a failing expectation stores nothing", func(t *testing.T) {
		for _, failing := range []int{0, 1, 2} {
			names := []string{stream("a"), stream("b"), stream("c")}
			mustAppend(t, s, names[1], eventstore.NoStream, events(1, "x")...)
			exp := []eventstore.ExpectedRevision{eventstore.NoStream, eventstore.Exact(0), eventstore.NoStream}
			switch failing {
			case 0:
				exp[0] = eventstore.StreamExists
			case 1:
				exp[1] = eventstore.Exact(7)
			case 2:
				exp[2] = eventstore.Exact(0)
			}
			_, err := s.AppendMulti(ctxFor(t),
				eventstore.StreamWrite{Stream: names[0], Expected: exp[0], Events: events(1, "a")},
				eventstore.StreamWrite{Stream: names[1], Expected: exp[1]},
				eventstore.StreamWrite{Stream: names[2], Expected: exp[2], Events: events(1, "c")},
			)
			var conflict *eventstore.ConflictError
			if !errors.As(err, &conflict) || conflict.Stream != names[failing] {
				t.Fatalf("write %d failing: err = %v; want a conflict on %s", failing, err, names[failing])
			}
			if streamLen(t, s, names[0])+streamLen(t, s, names[2]) != 0 || streamLen(t, s, names[1]) != 1 {
				t.Fatalf("write %d failing: something was stored", failing)
			}
		}
	})
	t.Run("invalid", func(t *testing.T) {
		name := stream("a")
		for _, writes := range [][]eventstore.StreamWrite{
			{},
			{{Stream: name, Expected: eventstore.Any}},
			{{Stream: name, Expected: eventstore.Any, Events: events(1, "a")}, {Stream: name, Expected: eventstore.Any, Events: events(1, "b")}},
		} {
			if _, err := s.AppendMulti(ctxFor(t), writes...); !errors.Is(err, eventstore.ErrInvalidAppend) {
				t.Fatalf("%d writes: err = %v; want ErrInvalidAppend", len(writes), err)
			}
		}
	})
}

// testAppendMultiAtomicUnderContention races writers that each check a shared guard stream and
// write it and a stream of their own: per guard revision exactly one writer may win, and a loser
// stores nothing anywhere.
func testAppendMultiAtomicUnderContention(t *testing.T, s eventstore.Store) {
	guard := stream("guard")
	mustAppend(t, s, guard, eventstore.NoStream, events(1, "g")...)
	const writers = 8
	var wins atomic.Int64
	own := make([]string, writers)
	var wg sync.WaitGroup
	for i := range writers {
		own[i] = stream("own")
		wg.Go(func() {
			_, err := s.AppendMulti(ctxFor(t),
				eventstore.StreamWrite{Stream: own[i], Expected: eventstore.NoStream, Events: events(1, "o")},
				eventstore.StreamWrite{Stream: guard, Expected: eventstore.Exact(0), Events: events(1, "g")},
			)
			switch {
			case err == nil:
				wins.Add(1)
			case !errors.Is(err, eventstore.ErrConcurrency):
				t.Errorf("writer %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d writers won; want exactly 1", wins.Load())
	}
	stored := 0
	for _, name := range own {
		stored += streamLen(t, s, name)
	}
	if stored != 1 || streamLen(t, s, guard) != 2 {
		t.Fatalf("own streams hold %d events, guard %d; want 1 and 2", stored, streamLen(t, s, guard))
	}
}
