package supportcmd_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/camcloud/accounts/access"
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

type everywhere struct{}

func (everywhere) IsWithin(context.Context, string, string) (bool, error) { return true, nil }

type noItems struct{}

func (noItems) FolderAccount(context.Context, string) (string, error) {
	return "", itemtree.ErrFolderNotFound
}
func (noItems) CameraRecorder(context.Context, string) (string, error) {
	return "", recorder.ErrCameraNotFound
}

// TestExpiryIsRecordedOnce: the service records a grant's expiry once it has passed, once, and
// never a revoked grant's; nobody but the service records expiries.
func TestExpiryIsRecordedOnce(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	h := command.NewHandler(store, eventstore.NewCodec(domain.Events()...))
	now := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
	h.SetClock(func() time.Time { return now })
	cmds := supportcmd.New(h, access.NewAuthorizer(everywhere{}), noItems{})
	const shop = "11111111-1111-4111-8111-111111111111"
	user := command.By(access.Principal{Kind: access.User, ID: "u1", AccountID: shop, Permissions: []group.Permission{group.SupportManage}}, "r")
	noon := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
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
	now = noon // 12:00:00: over
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
