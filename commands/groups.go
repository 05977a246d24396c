package commands

import (
	"context"
	"errors"

	"github.com/camcloud/accounts/domain/group"
	"github.com/camcloud/accounts/eventstore"
	"github.com/google/uuid"
)

// CreatedGroup is the answer to CreateGroup.
type CreatedGroup struct {
	Result
	GroupID string
}

// CreateGroup creates a custom group with a subset of the permissions.
func (id *Identity) CreateGroup(ctx context.Context, p Principal, origin Origin, accountID, name string, perms []group.Permission) (CreatedGroup, error) {
	if err := id.authz.Require(ctx, p, group.UsersManage, accountID); err != nil {
		return CreatedGroup{}, err
	}
	if err := p.holdsAll(perms); err != nil {
		return CreatedGroup{}, err
	}
	groupID := uuid.NewString()
	res, err := update(ctx, id.Handler, origin, accountID, GroupStream(groupID), group.Group{}, applyGroup, nil,
		func(g group.Group) ([]eventstore.Event, error) {
			events, err := group.Create(g, groupID, accountID, name, perms)
			return asEvents(events), err
		})
	return CreatedGroup{Result: res, GroupID: groupID}, err
}

// ChangeGroup renames a group and sets its permissions; the change applies from the next request
// of every member.
func (id *Identity) ChangeGroup(ctx context.Context, p Principal, origin Origin, groupID, name string, perms []group.Permission, ifRevision *uint64) (Result, error) {
	return id.changeGroup(ctx, p, origin, groupID, ifRevision, func(g group.Group) ([]group.Event, error) {
		if err := p.holdsAll(perms); err != nil {
			return nil, err
		}
		return g.Change(name, perms)
	})
}

// DeleteGroup deletes a custom group; its members lose its permissions.
func (id *Identity) DeleteGroup(ctx context.Context, p Principal, origin Origin, groupID string) (Result, error) {
	return id.changeGroup(ctx, p, origin, groupID, nil, func(g group.Group) ([]group.Event, error) {
		return g.Delete()
	})
}

func (id *Identity) changeGroup(ctx context.Context, p Principal, origin Origin, groupID string, ifRevision *uint64, decide func(group.Group) ([]group.Event, error)) (Result, error) {
	if _, err := uuid.Parse(groupID); err != nil {
		return Result{}, group.ErrNotFound
	}
	return update(ctx, id.Handler, origin, "", GroupStream(groupID), group.Group{}, applyGroup, ifRevision,
		func(g group.Group) ([]eventstore.Event, error) {
			if !g.Exists {
				return nil, group.ErrNotFound
			}
			if err := id.authz.Require(ctx, p, group.UsersManage, g.AccountID); err != nil {
				if errors.Is(err, ErrOutOfScope) {
					return nil, group.ErrNotFound
				}
				return nil, err
			}
			events, err := decide(g)
			return asEvents(events), err
		})
}
