package identitycmd

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/identity/group"
)

// ErrGroupNameTaken: another group of the account has this name (in any case).
var ErrGroupNameTaken = fault.New(fault.Taken, "the account has a group of this name").With(fault.Problem{
	Title: "Group name taken", Field: "name", Explain: true,
})

// CreatedGroup is the answer to CreateGroup.
type CreatedGroup struct {
	command.Result
	GroupID string
}

// CreateGroup creates a custom group with a subset of the permissions. Its name is unique within
// the account, whatever its case.
func (id *Commands) CreateGroup(ctx context.Context, origin command.Origin, accountID, name string, perms []group.Permission) (CreatedGroup, error) {
	p := origin.Principal
	if err := id.authz.RequireChange(ctx, p, group.UsersManage, accountID); err != nil {
		return CreatedGroup{}, err
	}
	if err := p.HoldsAll(perms); err != nil {
		return CreatedGroup{}, err
	}
	groupID := uuid.NewString()
	fresh := id.groups.New(groupID)
	done, err := id.h.Transact(ctx, origin, true, func(u *command.Unit) error {
		events, err := group.Create(group.Group{}, groupID, accountID, name, perms)
		if err != nil {
			return err
		}
		created := events[0].(group.Created)
		if err := id.stageGroupName(ctx, u, accountID, groupID, "", created.Name); err != nil {
			return err
		}
		id.groups.Stage(u, fresh, events...)
		return nil
	})
	if err != nil {
		return CreatedGroup{}, err
	}
	return CreatedGroup{Result: done.Of(fresh.Name, command.Result{}), GroupID: groupID}, nil
}

// ChangeGroup renames a group and/or sets its permissions (nil: unchanged); the change applies
// from the next request of every member.
func (id *Commands) ChangeGroup(ctx context.Context, origin command.Origin, groupID string, name *string, perms *[]group.Permission, ifRevision *uint64) (command.Result, error) {
	p := origin.Principal
	return id.changeGroup(ctx, origin, groupID, ifRevision, func(u *command.Unit, g group.Group) ([]group.Event, error) {
		// Changing a group acts on its members: nobody narrows (or renames) a group granting
		// more than they hold, as nobody acts on a user holding more.
		if err := p.HoldsAll(g.Permissions); err != nil {
			return nil, err
		}
		newName, newPerms := g.Name, g.Permissions
		if name != nil {
			newName = *name
		}
		if perms != nil {
			if err := p.HoldsAll(*perms); err != nil {
				return nil, err
			}
			newPerms = *perms
		}
		events, err := g.Change(newName, newPerms)
		if err != nil || len(events) == 0 {
			return events, err
		}
		changed := events[0].(group.Changed)
		return events, id.stageGroupName(ctx, u, g.AccountID, g.ID, g.Name, changed.Name)
	})
}

// DeleteGroup deletes a custom group that has no members; its name becomes free.
func (id *Commands) DeleteGroup(ctx context.Context, origin command.Origin, groupID string) (command.Result, error) {
	return id.changeGroup(ctx, origin, groupID, nil, func(u *command.Unit, g group.Group) ([]group.Event, error) {
		events, err := g.Delete()
		if err != nil {
			return nil, err
		}
		// Members from before membership was recorded in the group's stream show in the read
		// model only.
		if members, err := id.members.GroupMembers(ctx, g.ID); err != nil || len(members) > 0 {
			return nil, errors.Join(err, group.ErrHasMembers)
		}
		return events, id.stageGroupName(ctx, u, g.AccountID, g.ID, g.Name, "")
	})
}

// stageGroupName moves a group's name reservation from old to name ("" for none) within u.
func (id *Commands) stageGroupName(ctx context.Context, u *command.Unit, accountID, groupID, old, name string) error {
	oldKey, newKey := group.NameKey(accountID, old), group.NameKey(accountID, name)
	if old != "" && oldKey != newKey {
		if err := id.stageRelease(ctx, u, reserveGroupName, oldKey, groupID, accountID); err != nil {
			return err
		}
	}
	if name == "" {
		return nil
	}
	err := id.reserve(ctx, u, reserveGroupName, newKey, groupID, accountID)
	if isTaken(err) {
		return ErrGroupNameTaken
	}
	return err
}

func (id *Commands) changeGroup(ctx context.Context, origin command.Origin, groupID string, ifRevision *uint64, decide func(*command.Unit, group.Group) ([]group.Event, error)) (command.Result, error) {
	return id.groups.Update(ctx, origin, command.Change[group.Group, group.Event]{
		ID: groupID, IfRevision: ifRevision, NotFound: group.ErrNotFound,
		Authorize: func(ctx context.Context, g group.Group) error {
			return access.OutOfScopeAs(id.authz.RequireChange(ctx, origin.Principal, group.UsersManage, g.AccountID), group.ErrNotFound)
		},
		Decide: decide,
	})
}
