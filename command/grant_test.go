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
