package commands

import (
	"context"
	"errors"
	"fmt"

	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/identity/group"
	"github.com/google/uuid"
)

// ErrGroupNameTaken: another group of the account has this name (in any case).
var ErrGroupNameTaken = fault.New(fault.Taken, "the account has a group of this name").With(fault.Problem{
	Title: "Group name taken", Field: "name", Explain: true,
})

// CreatedGroup is the answer to CreateGroup.
type CreatedGroup struct {
	Result
	GroupID string
}

// CreateGroup creates a custom group with a subset of the permissions. Its name is unique within
// the account, whatever its case.
func (id *Identity) CreateGroup(ctx context.Context, p Principal, origin Origin, accountID, name string, perms []group.Permission) (CreatedGroup, error) {
	if err := id.authz.Require(ctx, p, group.UsersManage, accountID); err != nil {
		return CreatedGroup{}, err
	}
	if err := p.holdsAll(perms); err != nil {
		return CreatedGroup{}, err
	}
	groupID := uuid.NewString()
	stream := GroupStream(groupID)
	done, err := id.transact(ctx, origin, true, func(u *unit) error {
		events, err := group.Create(group.Group{}, groupID, accountID, name, perms)
		if err != nil {
			return err
		}
		created := events[0].(group.Created)
		if err := id.stageGroupName(ctx, u, accountID, groupID, "", created.Name); err != nil {
			return err
		}
		u.write(accountID, stream, asEvents(events)...)
		return nil
	})
	if err != nil {
		return CreatedGroup{}, err
	}
	return CreatedGroup{Result: done.of(stream, Result{}), GroupID: groupID}, nil
}

// ChangeGroup renames a group and/or sets its permissions (nil: unchanged); the change applies
// from the next request of every member.
func (id *Identity) ChangeGroup(ctx context.Context, p Principal, origin Origin, groupID string, name *string, perms *[]group.Permission, ifRevision *uint64) (Result, error) {
	return id.changeGroup(ctx, p, origin, groupID, ifRevision, func(u *unit, g group.Group) ([]group.Event, error) {
		// Changing a group acts on its members: nobody narrows (or renames) a group granting
		// more than they hold, as nobody acts on a user holding more.
		if err := p.holdsAll(g.Permissions); err != nil {
			return nil, err
		}
		newName, newPerms := g.Name, g.Permissions
		if name != nil {
			newName = *name
		}
		if perms != nil {
			if err := p.holdsAll(*perms); err != nil {
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
func (id *Identity) DeleteGroup(ctx context.Context, p Principal, origin Origin, groupID string) (Result, error) {
	return id.changeGroup(ctx, p, origin, groupID, nil, func(u *unit, g group.Group) ([]group.Event, error) {
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
func (id *Identity) stageGroupName(ctx context.Context, u *unit, accountID, groupID, old, name string) error {
	oldKey, newKey := group.NameKey(accountID, old), group.NameKey(accountID, name)
	if old != "" && oldKey != newKey {
		if err := id.stageRelease(ctx, u, reserveGroupName, oldKey, groupID, accountID); err != nil {
			return err
		}
	}
	if name == "" {
		return nil
	}
	err := id.Handler.stageReservation(ctx, u, reserveGroupName, newKey, groupID, accountID)
	if isTaken(err) {
		return ErrGroupNameTaken
	}
	return err
}

func (id *Identity) changeGroup(ctx context.Context, p Principal, origin Origin, groupID string, ifRevision *uint64, decide func(*unit, group.Group) ([]group.Event, error)) (Result, error) {
	if _, err := uuid.Parse(groupID); err != nil {
		return Result{}, group.ErrNotFound
	}
	name := GroupStream(groupID)
	var unchanged Result
	done, err := id.transact(ctx, origin, ifRevision == nil, func(u *unit) error {
		s, err := loadInto(ctx, u, name, group.Group{}, applyGroup)
		if err != nil {
			return err
		}
		g := s.state
		if !g.Exists {
			return group.ErrNotFound
		}
		if err := id.authz.Require(ctx, p, group.UsersManage, g.AccountID); err != nil {
			if errors.Is(err, ErrOutOfScope) {
				return group.ErrNotFound
			}
			return err
		}
		if ifRevision != nil && s.revision != *ifRevision {
			return fmt.Errorf("%s is at revision %d, not %d: %w", name, s.revision, *ifRevision, ErrRevisionMismatch)
		}
		unchanged = Result{Stream: name, Revision: s.revision, Position: s.position}
		events, err := decide(u, g)
		if err != nil {
			return err
		}
		u.write(g.AccountID, name, asEvents(events)...)
		return nil
	})
	if err != nil {
		return Result{}, revisionMismatch(err, ifRevision)
	}
	return done.of(name, unchanged), nil
}
