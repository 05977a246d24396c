package sessionstore_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/camcloud/accounts/accounts/accountcmd"

	"github.com/camcloud/accounts/identity/identitycmd"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/google/uuid"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/adapters/sessionstore"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/identityview"
	"github.com/camcloud/accounts/internal/pgtest"
	"github.com/camcloud/accounts/projections"
)

// TestLookupMemberReadsTheMemberAsItIsNow: the one-statement lookup gives what Lookup and the
// identity read model's Member give apart, for an administrator, a member of a custom group and
// a user the model does not know; and a group change shows on the very next lookup (no cache).
func TestLookupMemberReadsTheMemberAsItIsNow(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := sessionstore.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	store, codec := memory.New(), eventstore.NewCodec(domain.Events()...)
	pipeline := projections.NewPipeline(store, pool, codec, watermill.NopLogger{}, accountview.Projector{}, identityview.Projector{})
	if err := pipeline.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	handler := command.NewHandler(store, codec)
	address := account.Address{Line1: "1 Main St", City: "Springfield", Country: "US"}
	if _, err := accountcmd.New(handler, nil, nil).EnsurePlatformRoot(ctx, command.Service("test"), "Platform", address); err != nil {
		t.Fatal(err)
	}
	queries := identityview.NewQueries(pool)
	links, _ := identitycmd.NewLinks(bytes.Repeat([]byte("k"), 32))
	ident := identitycmd.New(handler, identitycmd.Config{}, identitycmd.Deps{
		Links: links, Authz: access.NewAuthorizer(accountview.NewQueries(pool)), Members: queries,
	})
	sys := command.Service("test")
	billing, err := ident.CreateGroup(ctx, sys, account.PlatformRootID, "Billing", []group.Permission{group.BillingView})
	if err != nil {
		t.Fatal(err)
	}
	member, err := ident.Invite(ctx, sys, identitycmd.InviteUser{AccountID: account.PlatformRootID, Username: "member", Email: "member@example.test", GroupIDs: []string{billing.GroupID}})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := ident.Invite(ctx, sys, identitycmd.InviteUser{AccountID: account.PlatformRootID, Username: "boss", Email: "boss@example.test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := pipeline.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}

	s := sessionstore.New(pool)
	now := time.Now().UTC().Truncate(time.Millisecond)
	idle := 30 * time.Minute
	check := func(name, userID string, digest []byte) {
		t.Helper()
		sess, m, err := s.LookupMember(ctx, digest, now.Add(time.Second), idle)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		alone, err := s.Lookup(ctx, digest, now.Add(time.Second), idle)
		if err != nil || !reflect.DeepEqual(sess, alone) {
			t.Errorf("%s: session %+v, Lookup gives %+v (%v)", name, sess, alone, err)
		}
		accountID, status, perms, err := queries.Member(ctx, userID)
		if err != nil {
			t.Fatal(err)
		}
		want := identitycmd.Member{AccountID: accountID, Status: status, Permissions: perms}
		if len(want.Permissions) == 0 {
			want.Permissions = []group.Permission{}
		}
		if !reflect.DeepEqual(m, want) {
			t.Errorf("%s: member %+v, want %+v", name, m, want)
		}
	}
	users := []struct {
		name, userID string
	}{
		{"administrator", admin.UserID},
		{"member of a custom group", member.UserID},
		{"user the read model does not know", uuid.NewString()},
	}
	for i, u := range users {
		sess := identitycmd.Session{ID: uuid.NewString(), UserID: u.userID, AccountID: account.PlatformRootID, CreatedAt: now, ExpiresAt: now.Add(12 * time.Hour)}
		if err := s.Create(ctx, sess, []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
		check(u.name, u.userID, []byte{byte(i)})
	}

	if _, err := ident.ChangeGroup(ctx, sys, billing.GroupID, nil, &[]group.Permission{group.BillingView, group.BillingManage}, nil); err != nil {
		t.Fatal(err)
	}
	if err := pipeline.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	check("member after their group changed", member.UserID, []byte{1})
	if _, m, _ := s.LookupMember(ctx, []byte{1}, now.Add(time.Second), idle); len(m.Permissions) != 2 {
		t.Errorf("after the group change: %v, want two permissions", m.Permissions)
	}

	if _, _, err := s.LookupMember(ctx, []byte("no such token"), now, idle); !errors.Is(err, access.ErrUnauthenticated) {
		t.Errorf("unknown token: %v, want ErrUnauthenticated", err)
	}
	if _, _, err := s.LookupMember(ctx, []byte{0}, now.Add(13*time.Hour), idle); !errors.Is(err, access.ErrUnauthenticated) {
		t.Errorf("expired session: %v, want ErrUnauthenticated", err)
	}
}
