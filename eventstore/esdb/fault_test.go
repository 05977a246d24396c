package esdb_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/esdb"
	"github.com/camcloud/accounts/eventstore/esdb/esdbtest"
	"github.com/camcloud/accounts/eventstore/storetest"
)

// The server restarts while a subscription runs, at once and after a pause: the subscription
// picks up after the last event it delivered, losing none and delivering none twice.
func TestSubscriptionResumesAfterRestart(t *testing.T) {
	srv := esdbtest.Start(t)
	store := open(t, srv.URL())
	var want []uuid.UUID
	write := func(n int, prefix string) {
		events := batch(n, prefix)
		appendEventually(t, store, "order-"+uuid.NewString(), events)
		want = append(want, idsOf(events)...)
	}

	write(3, "before")
	sub := subscribe(t, store, eventstore.Start)
	sub.waitFor(t, 3)

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	write(2, "after restart")
	sub.waitFor(t, 5)

	srv.Stop()
	time.Sleep(300 * time.Millisecond) // the subscription tries again meanwhile
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	write(2, "after pause")
	sub.checkDelivered(t, want)
}

// The client library stops reconnecting for good after maxDiscoverAttempts failed discoveries;
// the store then starts a new client, and the subscription resumes once the server is back.
func TestSubscriptionOutlivesTheClientGivingUp(t *testing.T) {
	srv := esdbtest.Start(t)
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	store := open(t, srv.URL()+"&maxDiscoverAttempts=1&discoveryInterval=10", esdb.WithLogger(logger))

	before := batch(2, "before")
	appendEventually(t, store, "order-"+uuid.NewString(), before)
	sub := subscribe(t, store, eventstore.Start)
	sub.waitFor(t, 2)

	srv.Stop()
	time.Sleep(700 * time.Millisecond)
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	after := batch(2, "after")
	appendEventually(t, store, "order-"+uuid.NewString(), after)
	sub.checkDelivered(t, append(idsOf(before), idsOf(after)...))
	if !strings.Contains(logs.String(), "starting a new one") {
		t.Errorf("the store never replaced its client; logs:\n%s", logs.String())
	}
}

func TestAppendDeadline(t *testing.T) {
	srv := esdbtest.Start(t)
	store := open(t, srv.URL())

	t.Run("passes while the server holds the append", func(t *testing.T) {
		release := srv.HoldAppends()
		defer release()
		name := "order-" + uuid.NewString()
		event := storetest.Event("held")
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := store.Append(ctx, name, eventstore.NoStream, event)
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Errorf("append returned after %v, want about its 200ms deadline", elapsed)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("append: %v, want an error matching context.DeadlineExceeded", err)
		}
		release()
		// Whether or not the server wrote it, as EventStoreDB may after a client gave up,
		// trying again with the same event is safe.
		if _, err := store.Append(testContext(t), name, eventstore.NoStream, event); err != nil {
			t.Fatalf("append again: %v", err)
		}
		got, err := store.ReadStream(testContext(t), name, 0, eventstore.Forwards, 10)
		if err != nil || len(got) != 1 || got[0].ID != event.ID {
			t.Fatalf("stream after the retry: %d events, %v; want the one event", len(got), err)
		}
	})

	t.Run("passed before the call", func(t *testing.T) {
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancel()
		_, err := store.Append(ctx, "order-"+uuid.NewString(), eventstore.NoStream, storetest.Event("late"))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("append: %v, want an error matching context.DeadlineExceeded", err)
		}
	})

	t.Run("bounds the wait while the server is down", func(t *testing.T) {
		srv.Stop()
		// The first append finds the connection gone; the second waits for the client to
		// rediscover the server, which takes longer than its deadline.
		for i := range 2 {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			start := time.Now()
			_, err := store.Append(ctx, "order-"+uuid.NewString(), eventstore.NoStream, storetest.Event("down"))
			cancel()
			if err == nil {
				t.Fatalf("append %d succeeded with the server down", i)
			}
			if elapsed := time.Since(start); elapsed > 1500*time.Millisecond {
				t.Errorf("append %d returned after %v, want within about its 300ms deadline", i, elapsed)
			}
		}
		if err := srv.Restart(); err != nil {
			t.Fatal(err)
		}
		appendEventually(t, store, "order-"+uuid.NewString(), batch(1, "back"))
	})
}

func TestWrongExpectedVersionIsAConflict(t *testing.T) {
	store := open(t, esdbtest.Start(t).URL())
	ctx := testContext(t)
	name := "order-" + uuid.NewString()
	if _, err := store.Append(ctx, name, eventstore.NoStream, batch(2, "a")...); err != nil {
		t.Fatal(err)
	}
	missing := "order-" + uuid.NewString()
	cases := []struct {
		stream   string
		expected eventstore.ExpectedRevision
		want     eventstore.ConflictError
	}{
		{name, eventstore.Exact(0), eventstore.ConflictError{Stream: name, Expected: eventstore.Exact(0), Actual: 1, Exists: true}},
		{name, eventstore.NoStream, eventstore.ConflictError{Stream: name, Expected: eventstore.NoStream, Actual: 1, Exists: true}},
		{missing, eventstore.StreamExists, eventstore.ConflictError{Stream: missing, Expected: eventstore.StreamExists}},
		{missing, eventstore.Exact(3), eventstore.ConflictError{Stream: missing, Expected: eventstore.Exact(3)}},
	}
	for _, c := range cases {
		t.Run(c.expected.String(), func(t *testing.T) {
			_, err := store.Append(ctx, c.stream, c.expected, storetest.Event("b"))
			var conflict *eventstore.ConflictError
			if !errors.As(err, &conflict) || !errors.Is(err, eventstore.ErrConcurrency) {
				t.Fatalf("append: %v, want a *ConflictError matching ErrConcurrency", err)
			}
			if *conflict != c.want {
				t.Errorf("conflict = %+v, want %+v", *conflict, c.want)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestServerDownIsUnavailable: calls to a server that went away fail as ErrUnavailable, so the
// API can answer 503 and the caller retry later.
func TestServerDownIsUnavailable(t *testing.T) {
	srv := esdbtest.Start(t)
	store := open(t, srv.URL()+"&maxDiscoverAttempts=1&discoveryInterval=10")
	appendEventually(t, store, "order-"+uuid.NewString(), batch(1, "before"))
	srv.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := store.ReadStream(ctx, "order-"+uuid.NewString(), 0, eventstore.Forwards, 10)
	if !errors.Is(err, eventstore.ErrUnavailable) {
		t.Fatalf("read with the server down: %v, want ErrUnavailable", err)
	}
	_, err = store.Append(ctx, "order-"+uuid.NewString(), eventstore.Any, batch(1, "during")...)
	if !errors.Is(err, eventstore.ErrUnavailable) {
		t.Fatalf("append with the server down: %v, want ErrUnavailable", err)
	}
}
