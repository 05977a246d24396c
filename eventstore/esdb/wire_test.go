package esdb_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	esdbclient "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/esdb"
	"github.com/camcloud/accounts/eventstore/esdb/esdbtest"
	"github.com/camcloud/accounts/eventstore/storetest"
)

// rawClient talks to the server without the adapter, to see what the adapter wrote and to write
// what only the server itself would.
func rawClient(t *testing.T, url string) *esdbclient.Client {
	t.Helper()
	config, err := esdbclient.ParseConnectionString(url)
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

// Our metadata is the event's JSON user metadata, correlation and causation ids under
// EventStoreDB's own keys.
func TestMetadataOnTheWire(t *testing.T) {
	srv := esdbtest.Start(t)
	store := open(t, srv.URL())
	ctx := testContext(t)
	name := "account-" + uuid.NewString()
	event := storetest.Event("a")
	if _, err := store.Append(ctx, name, eventstore.NoStream, event); err != nil {
		t.Fatal(err)
	}

	read, err := rawClient(t, srv.URL()).ReadStream(ctx, name, esdbclient.ReadStreamOptions{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer read.Close()
	got, err := read.Recv()
	if err != nil {
		t.Fatal(err)
	}
	e := got.Event
	if e.EventID != event.ID || e.EventType != event.Type || e.ContentType != "application/json" {
		t.Errorf("stored id %s type %s content type %s, want %s %s application/json", e.EventID, e.EventType, e.ContentType, event.ID, event.Type)
	}
	var meta map[string]any
	if err := json.Unmarshal(e.UserMetadata, &meta); err != nil {
		t.Fatalf("user metadata %s: %v", e.UserMetadata, err)
	}
	m := event.Metadata
	want := map[string]any{
		"$correlationId": m.CorrelationID,
		"$causationId":   m.CausationID,
		"actor":          m.Actor,
		"account_id":     m.AccountID,
		"support_grant":  m.SupportGrant,
		"occurred_at":    m.OccurredAt.Format(time.RFC3339Nano),
	}
	if !reflect.DeepEqual(meta, want) {
		t.Errorf("user metadata = %v, want %v", meta, want)
	}
}

// The server's own events, in system streams or of system types, stay out of ReadAll and
// Subscribe; the server filters by type, the adapter by stream too.
func TestSystemEventsAreLeftOut(t *testing.T) {
	srv := esdbtest.Start(t)
	store := open(t, srv.URL())
	raw := rawClient(t, srv.URL())
	ctx := testContext(t)
	system := func(stream, eventType string) {
		t.Helper()
		_, err := raw.AppendToStream(ctx, stream, esdbclient.AppendToStreamOptions{}, esdbclient.EventData{
			EventID: uuid.New(), EventType: eventType, ContentType: esdbclient.ContentTypeJson, Data: []byte(`{}`),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var want []uuid.UUID
	user := func() {
		t.Helper()
		e := storetest.Event("user")
		if _, err := store.Append(ctx, "order-"+uuid.NewString(), eventstore.NoStream, e); err != nil {
			t.Fatal(err)
		}
		want = append(want, e.ID)
	}

	system("$stats-127.0.0.1:2113", "$statsCollected")
	user()
	system("$ce-order", "$>")
	system("$projections-totals-result", "Result") // passes the type filter, not the stream check
	user()
	system("$$order-1", "$metadata")

	sub := subscribe(t, store, eventstore.Start)
	forwards, err := store.ReadAll(ctx, eventstore.Start, eventstore.Forwards, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(forwards); !reflect.DeepEqual(got, want) {
		t.Errorf("read all forwards = %v, want %v", got, want)
	}
	backwards, err := store.ReadAll(ctx, eventstore.EndOfAll, eventstore.Backwards, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(backwards); !reflect.DeepEqual(got, want[1:]) {
		t.Errorf("read all backwards = %v, want %v", got, want[1:])
	}
	system("$stats-127.0.0.1:2113", "$statsCollected")
	user()
	sub.checkDelivered(t, want)
}

func ids(events []eventstore.RecordedEvent) []uuid.UUID {
	out := make([]uuid.UUID, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

func TestKurrentDBConnectionString(t *testing.T) {
	srv := esdbtest.Start(t)
	store := open(t, "kurrentdb://"+srv.Addr()+"?tls=false")
	if _, err := store.Append(testContext(t), "order-"+uuid.NewString(), eventstore.NoStream, storetest.Event("a")); err != nil {
		t.Fatal(err)
	}
}

func TestNewFails(t *testing.T) {
	cases := []struct{ name, url string }{
		{"other scheme", "postgres://app:secret@127.0.0.1:5432/accounts"},
		{"bad port", "esdb://app:secret@127.0.0.1:port?tls=false"},
		{"nobody listening", "esdb://app:secret@127.0.0.1:1?tls=false&maxDiscoverAttempts=1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			s, err := esdb.New(ctx, c.url)
			if err == nil {
				s.Close()
				t.Fatal("New succeeded")
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
	t.Run("context ends first", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := esdb.New(ctx, "esdb://127.0.0.1:1?tls=false")
		if err == nil || time.Since(start) > time.Second {
			t.Fatalf("New returned %v after %v, want an error about when its context ended", err, time.Since(start))
		}
	})
}

func TestClosedStore(t *testing.T) {
	store := open(t, esdbtest.Start(t).URL())
	store.Close()
	_, err := store.Append(testContext(t), "order-"+uuid.NewString(), eventstore.NoStream, storetest.Event("a"))
	if !errors.Is(err, esdb.ErrClosed) {
		t.Fatalf("append after close: %v, want ErrClosed", err)
	}
	err = store.Subscribe(testContext(t), eventstore.Start, func(context.Context, eventstore.RecordedEvent) error { return nil })
	if err == nil {
		t.Fatal("subscribe after close succeeded")
	}
}
