package identityview_test

import (
	"bytes"
	"context"
	"reflect"
	"testing"

	"github.com/camcloud/accounts/accounts/accountcmd"

	"github.com/camcloud/accounts/identity/identitycmd"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/identityview"
	"github.com/camcloud/accounts/identity/user"
	"github.com/camcloud/accounts/internal/pgtest"
	"github.com/camcloud/accounts/projections"
)

var address = account.Address{Line1: "1 Main St", City: "Springfield", Country: "US"}

type fixture struct {
	ctx      context.Context
	pool     *pgxpool.Pool
	pipeline *projections.Pipeline
	identity *identitycmd.Commands
	queries  *identityview.Queries
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	store := memory.New()
	codec := eventstore.NewCodec(domain.Events()...)
	pool := pgtest.NewPool(t)
	f := &fixture{ctx: ctx, pool: pool, queries: identityview.NewQueries(pool)}
	f.pipeline = projections.NewPipeline(store, pool, codec, watermill.NopLogger{}, accountview.Projector{}, identityview.Projector{})
	if err := f.pipeline.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	handler := command.NewHandler(store, codec)
	if _, err := accountcmd.New(handler, nil, nil).EnsurePlatformRoot(ctx, command.Service("test"), "Platform", address); err != nil {
		t.Fatal(err)
	}
	links, _ := identitycmd.NewLinks(bytes.Repeat([]byte("k"), 32))
	f.identity = identitycmd.New(handler, identitycmd.Config{}, identitycmd.Deps{
		Links: links, Authz: access.NewAuthorizer(accountview.NewQueries(pool)), Members: f.queries,
	})
	return f
}

func (f *fixture) sync(t *testing.T) {
	t.Helper()
	if err := f.pipeline.CatchUp(f.ctx); err != nil {
		t.Fatal(err)
	}
}

func TestMembersAndTheirPermissions(t *testing.T) {
	f := newFixture(t)
	sys := command.Service("test")
	billing, err := f.identity.CreateGroup(f.ctx, sys, account.PlatformRootID, "Billing", []group.Permission{group.BillingView, group.BillingManage})
	if err != nil {
		t.Fatal(err)
	}
	support, err := f.identity.CreateGroup(f.ctx, sys, account.PlatformRootID, "Support", []group.Permission{group.SupportManage, group.BillingView})
	if err != nil {
		t.Fatal(err)
	}
	both, err := f.identity.Invite(f.ctx, sys, identitycmd.InviteUser{AccountID: account.PlatformRootID, Username: "both", Email: "both@example.test", GroupIDs: []string{billing.GroupID, support.GroupID}})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := f.identity.Invite(f.ctx, sys, identitycmd.InviteUser{AccountID: account.PlatformRootID, Username: "boss", Email: "boss@example.test"})
	if err != nil {
		t.Fatal(err)
	}
	f.sync(t)

	accountID, status, perms, err := f.queries.Member(f.ctx, both.UserID)
	if err != nil {
		t.Fatal(err)
	}
	want := []group.Permission{group.BillingManage, group.BillingView, group.SupportManage}
	if accountID != account.PlatformRootID || status != user.StatusInvited || !reflect.DeepEqual(perms, want) {
		t.Errorf("member = %s %s %v; want the root, invited, %v", accountID, status, perms, want)
	}
	if _, _, perms, _ := f.queries.Member(f.ctx, admin.UserID); !reflect.DeepEqual(perms, group.All()) {
		t.Errorf("an Administrator has %v, want every permission", perms)
	}

	// Leaving a group takes its permissions away (a group with members cannot be deleted).
	if _, err := f.identity.AssignGroups(f.ctx, sys, both.UserID, []string{billing.GroupID}); err != nil {
		t.Fatal(err)
	}
	f.sync(t)
	if _, err := f.identity.DeleteGroup(f.ctx, sys, support.GroupID); err != nil {
		t.Fatal(err)
	}
	f.sync(t)
	if _, _, perms, _ := f.queries.Member(f.ctx, both.UserID); !reflect.DeepEqual(perms, []group.Permission{group.BillingManage, group.BillingView}) {
		t.Errorf("after the support group went: %v", perms)
	}
	if _, status, _, err := f.queries.Member(f.ctx, "8a0c5a4e-1f39-4a53-a8b1-4d1b50d2c3a1"); status != "" || err != nil {
		t.Errorf("unknown user: status %q, %v; want none", status, err)
	}

	groups, err := f.queries.Groups(f.ctx, account.PlatformRootID)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 || !groups[0].Builtin || groups[0].Name != group.AdministratorName || groups[1].Name != "Billing" {
		t.Errorf("groups = %+v, want Administrator then Billing", groups)
	}

	// A rebuild from the first event gives the same model.
	users, _ := f.queries.Users(f.ctx, account.PlatformRootID)
	if err := f.pipeline.Rebuild(f.ctx, identityview.Name); err != nil {
		t.Fatal(err)
	}
	rebuiltUsers, _ := f.queries.Users(f.ctx, account.PlatformRootID)
	rebuiltGroups, _ := f.queries.Groups(f.ctx, account.PlatformRootID)
	if !reflect.DeepEqual(users, rebuiltUsers) || !reflect.DeepEqual(groups, rebuiltGroups) {
		t.Errorf("rebuilt model differs:\n%+v\n%+v", users, rebuiltUsers)
	}
}

// TestAdministratorHoldsPermissionsOfLaterReleases: an Administrator group projected by a release
// that knew fewer permissions still gives its members, and shows, every permission there is now.
func TestAdministratorHoldsPermissionsOfLaterReleases(t *testing.T) {
	f := newFixture(t)
	admin, err := f.identity.Invite(f.ctx, command.Service("test"), identitycmd.InviteUser{AccountID: account.PlatformRootID, Username: "boss", Email: "boss@example.test"})
	if err != nil {
		t.Fatal(err)
	}
	f.sync(t)
	// The row as the earlier release stored it: every permission it knew, one fewer than now.
	older := []string{}
	for _, p := range group.All()[:len(group.All())-1] {
		older = append(older, string(p))
	}
	if _, err := f.pool.Exec(f.ctx, `UPDATE identity_groups SET permissions = $1 WHERE builtin`, older); err != nil {
		t.Fatal(err)
	}
	if _, _, perms, err := f.queries.Member(f.ctx, admin.UserID); err != nil || !reflect.DeepEqual(perms, group.All()) {
		t.Errorf("an Administrator has %v (%v), want every permission", perms, err)
	}
	groups, err := f.queries.Groups(f.ctx, account.PlatformRootID)
	if err != nil || len(groups) == 0 || !groups[0].Builtin || !reflect.DeepEqual(groups[0].Permissions, group.All()) {
		t.Errorf("groups = %+v (%v), want the Administrator group first with every permission", groups, err)
	}
	g, err := f.queries.Group(f.ctx, group.AdministratorID(account.PlatformRootID))
	if err != nil || !reflect.DeepEqual(g.Permissions, group.All()) {
		t.Errorf("the Administrator group = %+v (%v), want every permission", g, err)
	}
}
