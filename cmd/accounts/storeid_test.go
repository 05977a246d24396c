package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"

	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
	"github.com/camcloud/accounts/internal/pgtest"
	"github.com/camcloud/accounts/projections"
)

func TestESDBIdentityIgnoresCredentialsAndOptions(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"esdb://localhost:2113?tls=false", "esdb:localhost:2113"},
		{"esdb://admin:changeit@localhost:2113?tls=false", "esdb:localhost:2113"},
		{"kurrentdb+discover://ops:p%40ss@Cluster.example:2113/?nodePreference=leader", "esdb:cluster.example:2113"},
		{"esdb://a:2113,b:2113,c:2113?tls=true", "esdb:a:2113,b:2113,c:2113"},
	} {
		if got := esdbIdentity(tc.url); got != tc.want {
			t.Errorf("esdbIdentity(%q) = %q, want %q", tc.url, got, tc.want)
		}
	}
}

func TestPostgresIdentityNamesClusterAndDatabase(t *testing.T) {
	one, other := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	pool := pgtest.NewPool(t)
	ctx := context.Background()
	id, err := storeIdentity(ctx, "", "", pool)
	if err != nil || !strings.HasPrefix(id, "postgres:") {
		t.Fatalf("identity %q (%v), want postgres:...", id, err)
	}
	a, errA := storeIdentity(ctx, one, "", pool)
	b, errB := storeIdentity(ctx, other, "", pool)
	if errA != nil || errB != nil || a == b || a == id {
		t.Fatalf("identities of three databases: %q, %q, %q (%v, %v): want three", id, a, b, errA, errB)
	}
	if again, _ := storeIdentity(ctx, one, "", pool); again != a {
		t.Fatalf("identity changed from %q to %q", a, again)
	}
}

// refusing is an event store that refuses subscriptions for good, as EventStoreDB does a user
// without access to $all.
type refusing struct{ eventstore.Store }

func (refusing) Subscribe(context.Context, eventstore.Position, func(context.Context, eventstore.RecordedEvent) error) error {
	return fmt.Errorf("access denied: %w", eventstore.ErrPermanent)
}

func TestNotReadyWhenProjectionsStoppedForGood(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	store := refusing{memory.New()}
	pipeline := projections.NewPipeline(store, pool, eventstore.NewCodec(domain.Events()...), watermill.NopLogger{}, accountview.Projector{})
	if err := pipeline.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc := &service{readModels: pool, events: store, pipeline: pipeline}
	if err := svc.ready(ctx); err != nil {
		t.Fatalf("ready before the failure: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- pipeline.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for pipeline.Err() == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := svc.ready(ctx); !errors.Is(err, eventstore.ErrPermanent) {
		t.Fatalf("ready: %v, want the permanent failure", err)
	}
	<-done
}
