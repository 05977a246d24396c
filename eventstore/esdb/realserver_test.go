package esdb_test

import (
	"context"
	"os"
	"testing"

	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/storetest"
)

// TestConformanceRealServer runs the suite against the EventStoreDB or KurrentDB server that
// ACCOUNTS_TEST_ESDB_URL names (e.g. "esdb://localhost:2113?tls=false"). Such a server cannot run
// on this project's machines, so the test is skipped when the variable is unset.
//
// A real server cannot be emptied for each case, so each case sees $all from the position the
// server had reached when the case began (see sinceNow). Nothing else may write to the server
// meanwhile.
func TestConformanceRealServer(t *testing.T) {
	url := os.Getenv("ACCOUNTS_TEST_ESDB_URL")
	if url == "" {
		t.Skip("ACCOUNTS_TEST_ESDB_URL is not set")
	}
	storetest.RunWith(t, func(t *testing.T) eventstore.Store {
		return sinceNow(t, open(t, url))
	}, storetest.Options{StreamScopedEventIDs: true, NonAtomicMultiAppend: true})
}

// sinceNow shows a store as if it were empty: $all starts after its last event. Streams need no
// such view, since the suite names its streams uniquely.
func sinceNow(t *testing.T, s eventstore.Store) eventstore.Store {
	last, err := s.ReadAll(testContext(t), eventstore.EndOfAll, eventstore.Backwards, 1)
	if err != nil {
		t.Fatal(err)
	}
	view := &since{Store: s, origin: eventstore.Start}
	if len(last) == 1 {
		view.origin = last[0].Position
	}
	return view
}

type since struct {
	eventstore.Store
	origin eventstore.Position
}

func (s *since) ReadAll(ctx context.Context, from eventstore.Position, dir eventstore.Direction, limit int) ([]eventstore.RecordedEvent, error) {
	if dir == eventstore.Forwards && from == eventstore.Start {
		from = s.origin
	}
	events, err := s.Store.ReadAll(ctx, from, dir, limit)
	if dir == eventstore.Backwards {
		for i, e := range events {
			if e.Position.Compare(s.origin) <= 0 {
				return events[:i], err
			}
		}
	}
	return events, err
}

func (s *since) Subscribe(ctx context.Context, from eventstore.Position, handle func(context.Context, eventstore.RecordedEvent) error) error {
	if from == eventstore.Start {
		from = s.origin
	}
	return s.Store.Subscribe(ctx, from, handle)
}
