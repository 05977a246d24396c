package esdb_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/esdb"
	"github.com/camcloud/accounts/eventstore/esdb/esdbtest"
	"github.com/camcloud/accounts/eventstore/storetest"
)

// TestConformance runs the suite over the wire against a fresh test server per case.
func TestConformance(t *testing.T) {
	storetest.RunWith(t, func(t *testing.T) eventstore.Store {
		return open(t, esdbtest.Start(t).URL())
	}, storetest.Options{StreamScopedEventIDs: true, NonAtomicMultiAppend: true})
}

// open connects a store that closes when the test ends.
func open(t testing.TB, url string, opts ...esdb.Option) *esdb.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts = append([]esdb.Option{esdb.WithLogger(slog.New(slog.DiscardHandler))}, opts...)
	s, err := esdb.New(ctx, url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
