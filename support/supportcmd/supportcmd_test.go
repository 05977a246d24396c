package supportcmd_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/access/accesstest"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/recorders/itemtree"
	"github.com/camcloud/accounts/recorders/recorder"
	"github.com/camcloud/accounts/support/grant"
	"github.com/camcloud/accounts/support/supportcmd"
)

type noItems struct{}

func (noItems) FolderAccount(context.Context, string) (string, error) {
	return "", itemtree.ErrFolderNotFound
}
func (noItems) CameraRecorder(context.Context, string) (string, error) {
	return "", recorder.ErrCameraNotFound
}

const shop = "11111111-1111-4111-8111-111111111111"

// noon is when the grants of the tests end; their clock starts at 11:00.
var noon = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// fixture is the support commands on a memory store, with a clock the test moves (*now), and a
// user of the shop with support.manage.
type fixture struct {
	ctx   context.Context
	store *memory.Store
	cmds  *supportcmd.Commands
	user  command.Origin
	now   *time.Time
}

func newFixture() fixture {
	f := fixture{ctx: context.Background(), store: memory.New(), now: new(time.Time)}
	*f.now = time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
	h := command.NewHandler(f.store, eventstore.NewCodec(domain.Events()...))
	h.SetClock(func() time.Time { return *f.now })
	f.cmds = supportcmd.New(h, access.NewAuthorizer(accesstest.Everywhere{}), noItems{}, staff{})
	f.user = command.By(access.Principal{Kind: access.User, ID: "u1", AccountID: shop, Permissions: []group.Permission{group.SupportManage}}, "r")
	return f
}

// TestExpiryIsRecordedOnce: the service records a grant's expiry once it has passed, once, and
// never a revoked grant's; nobody but the service records expiries.
func TestExpiryIsRecordedOnce(t *testing.T) {
	f := newFixture()
	ctx, store, cmds, user, now := f.ctx, f.store, f.cmds, f.user, f.now
	g, err := cmds.GrantAccess(ctx, user, supportcmd.Grant{AccountID: shop, WholeAccount: true, EndsAt: &noon})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cmds.GrantAccess(ctx, user, supportcmd.Grant{AccountID: shop, ItemIDs: []string{"7f9c0b5e-2d1a-4c3b-9e8f-0a1b2c3d4e5f"}}); !errors.Is(err, supportcmd.ErrUnknownItem) {
		t.Errorf("an unknown item: %v", err)
	}
	job := command.Service("support-expiry")
	if _, err := cmds.Expire(ctx, user, g.GrantID); !errors.Is(err, access.ErrForbidden) {
		t.Errorf("a user recording an expiry: %v", err)
	}
	before, _ := cmds.Expire(ctx, job, g.GrantID)
	*now = noon // 12:00:00: over
	at, _ := cmds.Expire(ctx, job, g.GrantID)
	again, _ := cmds.Expire(ctx, job, g.GrantID)
	if before.Revision != 0 || at.Revision != 1 || again.Revision != 1 {
		t.Errorf("revisions before, at and after the end: %d, %d, %d; want 0, 1, 1", before.Revision, at.Revision, again.Revision)
	}
	events, _ := store.ReadStream(ctx, "supportgrant-"+g.GrantID, 0, eventstore.Forwards, 10)
	if len(events) != 2 || events[1].Type != (grant.Expired{}).EventType() || events[1].Metadata.Actor != "service:support-expiry" {
		t.Errorf("events %+v", events)
	}
}

// staff holds the platform's staff: the account "platform".
type staff struct{}

func (staff) SupportStaff(_ context.Context, accountID string) (bool, error) {
	return accountID == "platform", nil
}

// TestActingUnderAGrant: an agent acts under a grant until its end to the second and until it is
// revoked, in the grant's account and items; only staff with support.act act under grants.
func TestActingUnderAGrant(t *testing.T) {
	f := newFixture()
	ctx, cmds, user, now := f.ctx, f.cmds, f.user, f.now
	untilNoon, err := cmds.GrantAccess(ctx, user, supportcmd.Grant{AccountID: shop, WholeAccount: true, EndsAt: &noon})
	if err != nil {
		t.Fatal(err)
	}
	forGood, err := cmds.GrantAccess(ctx, user, supportcmd.Grant{AccountID: shop, WholeAccount: true})
	if err != nil {
		t.Fatal(err)
	}
	agent := access.Principal{Kind: access.User, ID: "a1", AccountID: "platform", SessionID: "s1", Permissions: []group.Permission{group.SupportAct}}

	*now = noon.Add(-time.Second) // 11:59:59
	p, err := cmds.ActUnder(ctx, agent, untilNoon.GrantID)
	if err != nil {
		t.Fatalf("at 11:59:59: %v", err)
	}
	want := access.Principal{Kind: access.SupportAgent, ID: "a1", AccountID: shop, SessionID: "s1",
		Permissions: []group.Permission{group.RecordersManage}, Grant: access.Grant{ID: untilNoon.GrantID, Stream: "supportgrant-" + untilNoon.GrantID}}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("principal at 11:59:59 = %+v, want %+v", p, want)
	}
	*now = noon // 12:00:00, before any job recorded the expiry
	if _, err := cmds.ActUnder(ctx, agent, untilNoon.GrantID); !errors.Is(err, access.ErrGrantNotLive) {
		t.Errorf("at 12:00:00: %v, want ErrGrantNotLive", err)
	}

	if _, err := cmds.ActUnder(ctx, agent, forGood.GrantID); err != nil {
		t.Errorf("a permanent grant: %v", err)
	}
	if _, err := cmds.Revoke(ctx, user, forGood.GrantID); err != nil {
		t.Fatal(err)
	}
	if _, err := cmds.ActUnder(ctx, agent, forGood.GrantID); !errors.Is(err, access.ErrGrantNotLive) {
		t.Errorf("after a revocation: %v, want ErrGrantNotLive", err)
	}

	refused := []struct {
		name  string
		staff access.Principal
		grant string
		want  error
	}{
		{"a user without support.act", access.Principal{Kind: access.User, ID: "a2", AccountID: "platform", Permissions: []group.Permission{group.SupportManage, group.RecordersManage, group.UsersManage}}, untilNoon.GrantID, access.ErrNotSupportAgent},
		{"support.act outside the staff accounts", access.Principal{Kind: access.User, ID: "a3", AccountID: shop, Permissions: group.All()}, untilNoon.GrantID, access.ErrNotSupportAgent},
		{"a recorder", access.Principal{Kind: access.Recorder, ID: "r1", AccountID: "platform", Permissions: group.All()}, untilNoon.GrantID, access.ErrNotSupportAgent},
		{"an unknown grant", agent, "7f9c0b5e-2d1a-4c3b-9e8f-0a1b2c3d4e5f", access.ErrGrantNotLive},
		{"a grant ID in another spelling", agent, strings.ToUpper(forGood.GrantID), access.ErrGrantNotLive},
		{"not an ID", agent, "../x", access.ErrGrantNotLive},
	}
	for _, tt := range refused {
		if _, err := cmds.ActUnder(ctx, tt.staff, tt.grant); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}
