package esdbtest_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	esdbclient "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/camcloud/accounts/eventstore/esdb/esdbtest"
)

// These tests hold the server to EventStoreDB's documented behaviour, through the same client the
// adapter uses.

func connect(t *testing.T, srv *esdbtest.Server) *esdbclient.Client {
	t.Helper()
	config, err := esdbclient.ParseConnectionString(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	config.Logger = esdbclient.NoopLogging()
	c, err := esdbclient.NewClient(config)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func events(n int) []esdbclient.EventData {
	out := make([]esdbclient.EventData, n)
	for i := range out {
		out[i] = esdbclient.EventData{EventID: uuid.New(), EventType: "test.happened.v1", ContentType: esdbclient.ContentTypeJson, Data: []byte(`{}`)}
	}
	return out
}

func appendTo(ctx context.Context, c *esdbclient.Client, stream string, expected esdbclient.ExpectedRevision, evs ...esdbclient.EventData) (*esdbclient.WriteResult, error) {
	return c.AppendToStream(ctx, stream, esdbclient.AppendToStreamOptions{ExpectedRevision: expected}, evs...)
}

func wrongVersion(err error) bool {
	var e *esdbclient.Error
	return errors.As(err, &e) && e.IsErrorCode(esdbclient.ErrorCodeWrongExpectedVersion)
}

func TestAppendIdempotency(t *testing.T) {
	c := connect(t, esdbtest.Start(t))
	ctx := testContext(t)
	stream := "order-" + uuid.NewString()
	stored := events(3)
	first, err := appendTo(ctx, c, stream, esdbclient.NoStream{}, stored...)
	if err != nil {
		t.Fatal(err)
	}
	other := "order-" + uuid.NewString()
	if _, err := appendTo(ctx, c, other, esdbclient.NoStream{}, events(1)...); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name     string
		stream   string
		expected esdbclient.ExpectedRevision
		events   []esdbclient.EventData
		// retry: the stored result comes back; wrong: a wrong expected version; else a new append.
		retry, wrong bool
	}{
		{"the batch again, no stream", stream, esdbclient.NoStream{}, stored, true, false},
		{"the batch again, any", stream, esdbclient.Any{}, stored, true, false},
		{"the batch again, stream exists", stream, esdbclient.StreamExists{}, stored, true, false},
		{"its tail after revision 0", stream, esdbclient.Revision(0), stored[1:], true, false},
		{"a stored event then a new one, after revision 1", stream, esdbclient.Revision(1), append([]esdbclient.EventData{stored[2]}, events(1)...), false, true},
		{"a stored event then a new one, any", stream, esdbclient.Any{}, append([]esdbclient.EventData{stored[2]}, events(1)...), false, true},
		{"a new event behind the end", stream, esdbclient.Revision(0), events(1), false, true},
		{"a new event, no stream", stream, esdbclient.NoStream{}, events(1), false, true},
		{"a new event ahead of the end", stream, esdbclient.Revision(7), events(1), false, true},
		{"stream exists on a missing stream", "order-" + uuid.NewString(), esdbclient.StreamExists{}, events(1), false, true},
		// EventStoreDB keeps no index of event IDs across streams: this is a new event.
		{"a stored event in another stream, any", other, esdbclient.Any{}, stored[:1], false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := appendTo(ctx, c, tc.stream, tc.expected, tc.events...)
			switch {
			case tc.wrong:
				if !wrongVersion(err) {
					t.Fatalf("append: %v, want a wrong expected version", err)
				}
			case err != nil:
				t.Fatalf("append: %v", err)
			case tc.retry:
				if *res != *first {
					t.Errorf("retry answered %+v, want the stored result %+v", *res, *first)
				}
			case res.CommitPosition <= first.CommitPosition:
				t.Errorf("new append at %d, want after %d", res.CommitPosition, first.CommitPosition)
			}
		})
	}
}

func TestWrongExpectedVersionReportsTheCurrentRevision(t *testing.T) {
	c := connect(t, esdbtest.Start(t))
	ctx := testContext(t)
	stream := "order-" + uuid.NewString()
	if _, err := appendTo(ctx, c, stream, esdbclient.Revision(0), events(1)...); err == nil ||
		err.Error() != "[ErrorCodeWrongExpectedVersion] an append request failed the optimistic concurrency on the server: wrong expected version: expecting '0' but got 'no_stream'" {
		t.Errorf("append to a missing stream at revision 0: %v", err)
	}
	if _, err := appendTo(ctx, c, stream, esdbclient.NoStream{}, events(2)...); err != nil {
		t.Fatal(err)
	}
	if _, err := appendTo(ctx, c, stream, esdbclient.NoStream{}, events(1)...); err == nil ||
		err.Error() != "[ErrorCodeWrongExpectedVersion] an append request failed the optimistic concurrency on the server: wrong expected version: expecting 'no_stream' but got '1'" {
		t.Errorf("append with no stream to a stream at 1: %v", err)
	}
}

func readAll(t *testing.T, c *esdbclient.Client, o esdbclient.ReadAllOptions, n uint64) []*esdbclient.RecordedEvent {
	t.Helper()
	read, err := c.ReadAll(testContext(t), o, n)
	if err != nil {
		t.Fatal(err)
	}
	defer read.Close()
	var out []*esdbclient.RecordedEvent
	for {
		e, err := read.Recv()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e.Event)
	}
}

func TestReads(t *testing.T) {
	c := connect(t, esdbtest.Start(t))
	ctx := testContext(t)
	stream := "order-" + uuid.NewString()
	if _, err := appendTo(ctx, c, stream, esdbclient.NoStream{}, events(4)...); err != nil {
		t.Fatal(err)
	}

	all := readAll(t, c, esdbclient.ReadAllOptions{}, 100)
	if len(all) != 5 || all[0].StreamID != "$epoch-information" {
		t.Fatalf("$all has %d events starting in %s, want the epoch record and 4", len(all), all[0].StreamID)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Position.Commit <= all[i-1].Position.Commit || all[i].Position.Commit != all[i].Position.Prepare {
			t.Fatalf("positions %v then %v: want increasing, commit equal to prepare", all[i-1].Position, all[i].Position)
		}
	}
	if created := all[1].CreatedDate; time.Since(created) > time.Minute || time.Since(created) < 0 {
		t.Errorf("created %v, want about now", created)
	}

	t.Run("$all forwards from a position includes it", func(t *testing.T) {
		got := readAll(t, c, esdbclient.ReadAllOptions{From: all[2].Position}, 2)
		if len(got) != 2 || got[0].EventID != all[2].EventID || got[1].EventID != all[3].EventID {
			t.Errorf("got %d events, want events 2 and 3", len(got))
		}
	})
	t.Run("$all backwards from a position excludes it", func(t *testing.T) {
		got := readAll(t, c, esdbclient.ReadAllOptions{Direction: esdbclient.Backwards, From: all[2].Position}, 10)
		if len(got) != 2 || got[0].EventID != all[1].EventID || got[1].EventID != all[0].EventID {
			t.Errorf("got %d events, want events 1 and 0", len(got))
		}
	})
	t.Run("stream backwards from past the end starts at the last", func(t *testing.T) {
		read, err := c.ReadStream(ctx, stream, esdbclient.ReadStreamOptions{Direction: esdbclient.Backwards, From: esdbclient.Revision(9)}, 2)
		if err != nil {
			t.Fatal(err)
		}
		defer read.Close()
		for _, want := range []uint64{3, 2} {
			e, err := read.Recv()
			if err != nil || e.Event.EventNumber != want {
				t.Fatalf("got %v, %v; want revision %d", e, err, want)
			}
		}
	})
	t.Run("a missing stream is not found", func(t *testing.T) {
		read, err := c.ReadStream(ctx, "order-"+uuid.NewString(), esdbclient.ReadStreamOptions{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		defer read.Close()
		var e *esdbclient.Error
		if _, err := read.Recv(); !errors.As(err, &e) || !e.IsErrorCode(esdbclient.ErrorCodeResourceNotFound) {
			t.Fatalf("read: %v, want resource not found", err)
		}
	})
}

// A filtered subscription confirms, catches up after the position it starts from, says it
// caught up, sends checkpoints as it scans, then delivers live events.
func TestSubscribeToAll(t *testing.T) {
	srv := esdbtest.Start(t)
	c := connect(t, srv)
	ctx := testContext(t)
	if _, err := appendTo(ctx, c, "order-"+uuid.NewString(), esdbclient.NoStream{}, events(3)...); err != nil {
		t.Fatal(err)
	}
	all := readAll(t, c, esdbclient.ReadAllOptions{}, 100) // the epoch record, then 3 events

	sub, err := c.SubscribeToAll(ctx, esdbclient.SubscribeToAllOptions{
		From:            all[1].Position,
		Filter:          esdbclient.ExcludeSystemEventsFilter(),
		MaxSearchWindow: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	next := func() *esdbclient.SubscriptionEvent {
		got := make(chan *esdbclient.SubscriptionEvent, 1)
		go func() { got <- sub.Recv() }()
		select {
		case e := <-got:
			if e.SubscriptionDropped != nil {
				t.Fatalf("dropped: %v", e.SubscriptionDropped.Error)
			}
			return e
		case <-time.After(5 * time.Second):
			t.Fatal("nothing from the subscription in 5s")
			return nil
		}
	}

	if e := next(); e.EventAppeared == nil || e.EventAppeared.Event.EventID != all[2].EventID {
		t.Fatalf("first message %+v, want event 2", e)
	}
	if e := next(); e.EventAppeared == nil || e.EventAppeared.Event.EventID != all[3].EventID {
		t.Fatalf("second message %+v, want event 3", e)
	}
	if e := next(); e.CheckPointReached == nil || *e.CheckPointReached != all[3].Position {
		t.Fatalf("third message %+v, want a checkpoint at event 3, the second scanned of a window of 2", e)
	}
	if e := next(); e.CaughtUp == nil {
		t.Fatalf("fourth message %+v, want caught up", e)
	}

	live := events(1)
	if _, err := appendTo(ctx, c, "$stats-127.0.0.1:2113", esdbclient.Any{}, esdbclient.EventData{
		EventID: uuid.New(), EventType: "$statsCollected", ContentType: esdbclient.ContentTypeJson, Data: []byte(`{}`),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := appendTo(ctx, c, "order-"+uuid.NewString(), esdbclient.NoStream{}, live...); err != nil {
		t.Fatal(err)
	}
	for {
		e := next()
		if e.CheckPointReached != nil {
			continue
		}
		if e.EventAppeared == nil || e.EventAppeared.Event.EventID != live[0].EventID {
			t.Fatalf("live message %+v, want the new user event (the system one filtered out)", e)
		}
		break
	}
}

// Restart drops connections and keeps events and the port.
func TestRestart(t *testing.T) {
	srv := esdbtest.Start(t)
	c := connect(t, srv)
	ctx := testContext(t)
	stream := "order-" + uuid.NewString()
	if _, err := appendTo(ctx, c, stream, esdbclient.NoStream{}, events(2)...); err != nil {
		t.Fatal(err)
	}
	sub, err := c.SubscribeToAll(ctx, esdbclient.SubscribeToAllOptions{From: esdbclient.End{}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if e := sub.Recv(); e.CaughtUp == nil {
		t.Fatalf("got %+v, want caught up", e)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if e := sub.Recv(); e.SubscriptionDropped == nil {
		t.Fatalf("got %+v after a restart, want the subscription dropped", e)
	}

	// A fresh client, since the old one may still be finding the server again.
	c = connect(t, srv)
	if _, err := appendTo(ctx, c, stream, esdbclient.Revision(1), events(1)...); err != nil {
		t.Fatalf("append after restart: %v", err)
	}
}
