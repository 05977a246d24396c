// Package supportcmd holds the technical support access commands: an account's user with
// support.manage grants the platform's support access to the whole account or to items of its
// tree, until a moment or for good, and revokes grants; the service records expiries. Each
// command authorizes its origin's principal before it decides.
package supportcmd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/recorders/itemtree"
	"github.com/camcloud/accounts/recorders/recorder"
	"github.com/camcloud/accounts/recorders/recordercmd"
	"github.com/camcloud/accounts/support/grant"
)

var grantAggregate = command.Aggregate[grant.Grant, grant.Event]{
	Category: "supportgrant", Apply: grant.Grant.Apply, Account: func(g grant.Grant) string { return g.AccountID },
}

// ErrUnknownItem: an item of a grant is not a live folder or camera of the account.
var ErrUnknownItem = fault.New(fault.Invalid, "unknown item").With(fault.Problem{
	Type: "unknown-item", Title: "Unknown item", Field: "item_ids", Explain: true,
})

// agentPermissions are what a support agent may do inside a grant: read and run the recorder,
// camera and item tree commands. Users, groups, passwords, billing, connected accounts and
// grants need permissions an agent never holds.
var agentPermissions = []group.Permission{group.RecordersManage}

// Staff says whether an account holds the platform's own staff (the accounts read model).
type Staff interface {
	SupportStaff(ctx context.Context, accountID string) (bool, error)
}

// Items finds what an item is (the recorders read model; every answer is checked again against
// the streams the command loads).
type Items interface {
	FolderAccount(ctx context.Context, folderID string) (accountID string, err error)
	CameraRecorder(ctx context.Context, cameraID string) (recorderID string, err error)
}

// Commands handles the support access commands.
type Commands struct {
	h         *command.Handler
	grants    command.Repository[grant.Grant, grant.Event]
	trees     command.Repository[itemtree.Tree, itemtree.Event]
	recorders command.Repository[recorder.Recorder, recorder.Event]
	authz     *access.Authorizer
	items     Items
	staff     Staff
}

// New returns the support access commands.
func New(h *command.Handler, authz *access.Authorizer, items Items, staff Staff) *Commands {
	return &Commands{h: h, grants: command.NewRepository(h, grantAggregate), trees: command.NewRepository(h, recordercmd.TreeAggregate),
		recorders: command.NewRepository(h, recordercmd.RecorderAggregate), authz: authz, items: items, staff: staff}
}

// IsAgent returns nil if p is a support agent: a user of the platform root or of a support team
// account, with support.act; else access.ErrNotSupportAgent.
func (c *Commands) IsAgent(ctx context.Context, p access.Principal) error {
	if p.Kind != access.User || !p.Can(group.SupportAct) {
		return access.ErrNotSupportAgent
	}
	ok, err := c.staff.SupportStaff(ctx, p.AccountID)
	if err != nil {
		return fmt.Errorf("support staff %s: %w", p.AccountID, err)
	}
	if !ok {
		return access.ErrNotSupportAgent
	}
	return nil
}

// ActUnder turns a support agent's own principal into the principal acting under a grant: in
// the grant's account only, limited to its items, with the agent's permissions there. The grant
// is read from its stream on every request, so an end or a revocation takes effect on the next
// request, whatever the read models' lag.
func (c *Commands) ActUnder(ctx context.Context, staff access.Principal, grantID string) (access.Principal, error) {
	if err := c.IsAgent(ctx, staff); err != nil {
		return access.Principal{}, err
	}
	if id, err := uuid.Parse(grantID); err != nil || id.String() != grantID {
		return access.Principal{}, access.ErrGrantNotLive
	}
	g, err := c.grants.Load(ctx, grantID)
	if err != nil {
		return access.Principal{}, err
	}
	if !g.State.LiveAt(c.h.Now()) {
		return access.Principal{}, access.ErrGrantNotLive
	}
	return access.Principal{
		Kind: access.SupportAgent, ID: staff.ID, AccountID: g.State.AccountID, SessionID: staff.SessionID,
		Permissions: agentPermissions, Grant: access.Grant{ID: grantID, Items: g.State.Items, Stream: g.Name, Revision: g.Revision},
	}, nil
}

// Grant is a grant to make: the whole account, or items of its tree (each with everything
// below it); an end, or nil for good; a note.
type Grant struct {
	AccountID    string
	WholeAccount bool
	ItemIDs      []string
	EndsAt       *time.Time
	Note         string
}

// Granted is the answer to GrantAccess.
type Granted struct {
	command.Result
	GrantID string
}

// GrantAccess grants support access (support.manage on the account). Each item must be a live
// folder or camera of the account: their streams are read into the same unit, so an item
// deleted meanwhile fails the grant.
func (c *Commands) GrantAccess(ctx context.Context, origin command.Origin, g Grant) (Granted, error) {
	if err := c.authz.RequireChange(ctx, origin.Principal, group.SupportManage, g.AccountID); err != nil {
		return Granted{}, err
	}
	id := uuid.NewString()
	fresh := c.grants.New(id)
	done, err := c.h.Transact(ctx, origin, true, func(u *command.Unit) error {
		if err := c.checkItems(ctx, u, g.AccountID, g.ItemIDs); err != nil {
			return err
		}
		events, err := grant.Create(grant.Grant{}, id, g.AccountID, g.WholeAccount, g.ItemIDs, g.EndsAt, g.Note, origin.Principal.ID, c.h.Now())
		if err != nil {
			return err
		}
		c.grants.Stage(u, fresh, events...)
		return nil
	})
	if err != nil {
		return Granted{}, err
	}
	return Granted{Result: done.Of(fresh.Name, command.Result{}), GrantID: id}, nil
}

// checkItems makes sure every item is a live folder or camera of the account, and makes the unit
// depend on the streams that say so.
func (c *Commands) checkItems(ctx context.Context, u *command.Unit, accountID string, items []string) error {
	var tree *command.Stream[itemtree.Tree]
	for i, item := range items {
		unknown := fmt.Errorf("%w: item_ids[%d] is not a folder or camera of this account", ErrUnknownItem, i)
		if _, err := uuid.Parse(item); err != nil {
			return unknown
		}
		if _, err := c.items.FolderAccount(ctx, item); err == nil {
			if tree == nil {
				t, err := c.trees.LoadInto(ctx, u, accountID)
				if err != nil {
					return err
				}
				u.Check(t.Name)
				tree = &t
			}
			if _, ok := tree.State.Folders[item]; !ok {
				return unknown
			}
			continue
		} else if !errors.Is(err, itemtree.ErrFolderNotFound) {
			return err
		}
		recorderID, err := c.items.CameraRecorder(ctx, item)
		if errors.Is(err, recorder.ErrCameraNotFound) {
			return unknown
		}
		if err != nil {
			return err
		}
		rec, err := c.recorders.LoadInto(ctx, u, recorderID)
		if err != nil {
			return err
		}
		u.Check(rec.Name)
		if _, err := rec.State.Camera(item); err != nil || rec.State.AccountID != accountID {
			return unknown
		}
	}
	return nil
}

// Revoke revokes a grant (support.manage on its account): it ends on support's next request.
func (c *Commands) Revoke(ctx context.Context, origin command.Origin, grantID string) (command.Result, error) {
	return c.grants.Update(ctx, origin, command.Change[grant.Grant, grant.Event]{
		ID: grantID, NotFound: grant.ErrNotFound,
		Authorize: func(ctx context.Context, g grant.Grant) error {
			return access.OutOfScopeAs(c.authz.RequireChange(ctx, origin.Principal, group.SupportManage, g.AccountID), grant.ErrNotFound)
		},
		Decide: func(_ *command.Unit, g grant.Grant) ([]grant.Event, error) { return g.Revoke() },
	})
}

// Expire records that a grant reached its end (the service's job; idempotent).
func (c *Commands) Expire(ctx context.Context, origin command.Origin, grantID string) (command.Result, error) {
	now := c.h.Now()
	return c.grants.Update(ctx, origin, command.Change[grant.Grant, grant.Event]{
		ID: grantID, NotFound: grant.ErrNotFound,
		Authorize: func(context.Context, grant.Grant) error {
			if origin.Principal.Kind != access.Service {
				return access.ErrForbidden
			}
			return nil
		},
		Decide: func(_ *command.Unit, g grant.Grant) ([]grant.Event, error) { return g.Expire(now) },
	})
}
