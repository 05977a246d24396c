package identitycmd

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/esdb"
	"github.com/camcloud/accounts/eventstore/esdb/esdbtest"
	"github.com/camcloud/accounts/identity/user"
)

// TestTakeoverVoidsTheOrphanedID: taking over an orphaned username voids its holder's ID in the
// same append, so the late invitation of that ID can never be stored afterwards.
func TestTakeoverVoidsTheOrphanedID(t *testing.T) {
	id, store := newIdentityFixture(t)
	ctx := context.Background()
	ghost := "0d9d6f3c-5a55-4c58-9d0c-2f2f0e6f8b11"
	reserveFor(t, id, reserveUsername, "orphan", ghost)
	id.orphanAfter = 0
	if _, err := id.Invite(ctx, command.Service("test"), InviteUser{AccountID: account.PlatformRootID, Username: "orphan", Email: "orphan@example.test"}); err != nil {
		t.Fatal(err)
	}
	voided, err := store.ReadStream(ctx, UserStream(ghost), 0, eventstore.Forwards, 10)
	if err != nil || len(voided) != 1 || voided[0].Type != (user.Voided{}).EventType() {
		t.Fatalf("the orphan's stream holds %v (%v); want one user.voided", voided, err)
	}
	late, err := id.invite(ctx, command.Service("test"), ghost, InviteUser{AccountID: account.PlatformRootID, Username: "ghost", Email: "ghost@example.test"})
	if !errors.Is(err, eventstore.ErrConcurrency) {
		t.Fatalf("the late invitation of the voided ID: %+v, %v; want a conflict", late, err)
	}
}

// TestTakeoverIsSafeOnAStaleRead: EventStore-Client-Go v4 may read from a follower that lags
// behind the leader. A follower that has not seen the holder's invitation yet makes the holder
// look like an orphan; the takeover must still fail, because voiding the holder's ID is an append
// the leader checks against its own stream.
func TestTakeoverIsSafeOnAStaleRead(t *testing.T) {
	server := esdbtest.Start(t)
	connect, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	store, err := esdb.New(connect, server.URL(), esdb.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	handler := command.NewHandler(store, eventstore.NewCodec(domain.Events()...))
	links, _ := NewLinks(bytes.Repeat([]byte("k"), 32))
	id := New(handler, Config{}, Deps{Links: links})
	ctx := context.Background()

	// A slow process reserved the username, then (as the leader knows) invited its user.
	holder := "5b0c3c6e-9f51-4d0b-8d3c-0a5e8c7f1e22"
	reserveFor(t, id, reserveUsername, "slowpoke", holder)
	invitation := user.Invited{UserID: holder, AccountID: account.PlatformRootID, Username: "slowpoke", Email: "slow@example.test", GroupIDs: []string{}, Nonce: "n", ExpiresAt: time.Now().Add(time.Hour)}
	if _, err := handler.Transact(ctx, command.Service("test"), false, func(u *command.Unit) error {
		id.users.Stage(u, id.users.New(holder), invitation)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	server.SetFollowerLag(1) // reads no longer see the invitation
	id.orphanAfter = 0

	_, err = id.Invite(ctx, command.Service("test"), InviteUser{AccountID: account.PlatformRootID, Username: "slowpoke", Email: "other@example.test"})
	if err == nil {
		t.Fatal("the username of a real user was taken over on a stale read")
	}
	server.SetFollowerLag(0)
	if owner, held, err := id.owner(ctx, reserveUsername, "slowpoke"); err != nil || !held || owner != holder {
		t.Fatalf("username held by %q (%v, %v); want it to stay the holder's", owner, held, err)
	}
	events, err := store.ReadStream(ctx, UserStream(holder), 0, eventstore.Forwards, 10)
	if err != nil || len(events) != 1 {
		t.Fatalf("the holder's stream has %d events (%v); want only the invitation", len(events), err)
	}
}
