package command_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
	"github.com/camcloud/accounts/support/grant"
)

// TestNothingWrittenOnceTheGrantChanged: a support agent's command appends only while the grant
// it acts under is as it was when the request began; once a revocation is stored, the command
// is refused with ErrGrantNotLive, at once (no retry helps), and writes nothing.
func TestNothingWrittenOnceTheGrantChanged(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	h := command.NewHandler(store, eventstore.NewCodec(grant.Events()...))
	grants := command.NewRepository(h, command.Aggregate[grant.Grant, grant.Event]{
		Category: "supportgrant", Apply: grant.Grant.Apply, Account: func(g grant.Grant) string { return g.AccountID },
	})
	const (
		shop = "11111111-1111-4111-8111-111111111111"
		g1   = "22222222-2222-4222-8222-222222222222"
	)
	create := func(origin command.Origin, id string) error {
		_, err := h.Transact(ctx, origin, false, func(u *command.Unit) error {
			events, err := grant.Create(grant.Grant{}, id, shop, true, nil, nil, "", "u1", time.Now())
			if err != nil {
				return err
			}
			grants.Stage(u, grants.New(id), events...)
			return nil
		})
		return err
	}
	if err := create(command.Service("test"), g1); err != nil {
		t.Fatal(err)
	}
	read, err := grants.Load(ctx, g1)
	if err != nil {
		t.Fatal(err)
	}
	agent := command.By(access.Principal{Kind: access.SupportAgent, ID: "a1", AccountID: shop,
		Grant: access.Grant{ID: g1, Stream: read.Name, Revision: read.Revision}}, "r1")

	if err := create(agent, "33333333-3333-4333-8333-333333333333"); err != nil {
		t.Fatalf("while the grant is unchanged: %v", err)
	}
	if _, err := grants.Update(ctx, command.Service("test"), command.Change[grant.Grant, grant.Event]{
		ID: g1, NotFound: grant.ErrNotFound,
		Decide: func(_ *command.Unit, g grant.Grant) ([]grant.Event, error) { return g.Revoke() },
	}); err != nil {
		t.Fatal(err)
	}
	const late = "44444444-4444-4444-8444-444444444444"
	if err := create(agent, late); !errors.Is(err, access.ErrGrantNotLive) {
		t.Fatalf("after the revocation: %v, want ErrGrantNotLive", err)
	}
	if events, _ := store.ReadStream(ctx, grants.Stream(late), 0, eventstore.Forwards, 10); len(events) != 0 {
		t.Errorf("a revoked grant's agent wrote %d events", len(events))
	}
}

// TestLoadKept: a state kept from an earlier load is used without a read, and the append checks
// it: a stream changed since (by another instance) fails the first decision, and the decision
// made again reads the change.
func TestLoadKept(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	codec := eventstore.NewCodec(grant.Events()...)
	agg := command.Aggregate[grant.Grant, grant.Event]{
		Category: "supportgrant", Apply: grant.Grant.Apply, Account: func(g grant.Grant) string { return g.AccountID }, Keep: true,
	}
	h, other := command.NewHandler(store, codec), command.NewHandler(store, codec)
	grants, elsewhere := command.NewRepository(h, agg), command.NewRepository(other, agg)
	const (
		shop = "11111111-1111-4111-8111-111111111111"
		g1   = "22222222-2222-4222-8222-222222222222"
		g2   = "33333333-3333-4333-8333-333333333333"
	)
	origin := command.Service("test")
	created, _ := grant.Create(grant.Grant{}, g1, shop, true, nil, nil, "", "u1", time.Now())
	if _, err := h.Transact(ctx, origin, false, func(u *command.Unit) error { grants.Stage(u, grants.New(g1), created...); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := grants.Load(ctx, g1); err != nil { // kept at revision 0
		t.Fatal(err)
	}
	if _, err := elsewhere.Update(ctx, origin, command.Change[grant.Grant, grant.Event]{ID: g1, NotFound: grant.ErrNotFound,
		Decide: func(_ *command.Unit, g grant.Grant) ([]grant.Event, error) { return g.Revoke() }}); err != nil {
		t.Fatal(err)
	}
	var seen []bool // whether each decision saw the grant revoked
	_, err := h.Transact(ctx, origin, true, func(u *command.Unit) error {
		s, err := grants.LoadKept(ctx, u, g1)
		if err != nil {
			return err
		}
		seen = append(seen, s.State.Revoked)
		events, _ := grant.Create(grant.Grant{}, g2, shop, true, nil, nil, "", "u1", time.Now())
		grants.Stage(u, grants.New(g2), events...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[0] || !seen[1] {
		t.Errorf("decisions saw the grant revoked: %v, want [false true] (the kept state, then the stream read)", seen)
	}
}
