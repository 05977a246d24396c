package identitycmd

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/user"
)

// authorizeOnUser checks that p may act on u: as u themself (nil perm), or holding perm on u's
// account and every permission u holds, so that nobody acts on (disables, demotes, resets) a
// user with more power than their own.
func (id *Commands) authorizeOnUser(ctx context.Context, p access.Principal, u user.User, perm *group.Permission) error {
	if perm == nil {
		if !(p.Kind == access.User && p.ID == u.ID) && p.Kind != access.Service {
			return access.ErrOutOfScope
		}
		return nil
	}
	if err := access.OutOfScopeAs(id.authz.RequireChange(ctx, p, *perm, u.AccountID), user.ErrNotFound); err != nil {
		return err
	}
	held, err := id.permissionsOf(ctx, u)
	if err != nil {
		return err
	}
	if err := p.HoldsAll(held); err != nil {
		return fmt.Errorf("%w: the user holds permissions you lack", access.ErrForbidden)
	}
	return nil
}

// permissionsOf returns what u's groups grant now.
func (id *Commands) permissionsOf(ctx context.Context, u user.User) ([]group.Permission, error) {
	var out []group.Permission
	for _, g := range u.GroupIDs {
		if g == group.AdministratorID(u.AccountID) {
			return group.All(), nil
		}
		s, err := id.groups.Load(ctx, g)
		if err != nil {
			return nil, err
		}
		if s.State.Exists && !s.State.Deleted {
			out = append(out, s.State.Permissions...)
		}
	}
	return out, nil
}

// ErrLastAdministrator: the change would leave an account without an active member of its
// Administrator group.
var ErrLastAdministrator = fault.New(fault.State, "the account would have no active administrator left").With(fault.Problem{
	Type: "last-administrator", Title: "Last administrator",
	Detail: "the account must keep an active member of its Administrator group; make another user an administrator first",
})

// keepAnAdministrator refuses a change that takes away target's place as an active administrator
// when nobody else holds one. It relies on another administrator only after reading that user's
// stream, and makes the append depend on it: two administrators demoting each other at once
// cannot both succeed, because the second one's append finds the first one's stream changed and
// is decided again.
func (id *Commands) keepAnAdministrator(ctx context.Context, u *command.Unit, target user.User) error {
	admin := group.AdministratorID(target.AccountID)
	if target.Status != user.StatusActive || !slices.Contains(target.GroupIDs, admin) {
		return nil
	}
	candidates, err := id.members.Administrators(ctx, target.AccountID)
	if err != nil {
		return err
	}
	for _, c := range candidates {
		if c == target.ID {
			continue
		}
		s, err := id.users.LoadInto(ctx, u, c)
		if err != nil {
			return err
		}
		if s.State.Status == user.StatusActive && slices.Contains(s.State.GroupIDs, admin) {
			u.Check(UserStream(c))
			return nil
		}
	}
	return ErrLastAdministrator
}

// stageMemberships records in the custom groups' streams that userID leaves the groups of from
// that are not in to, and joins those of to that are not in from. A group that is not the
// account's, or is gone, is ErrUnknownGroup.
func (id *Commands) stageMemberships(ctx context.Context, u *command.Unit, accountID, userID string, from, to []string) error {
	admin := group.AdministratorID(accountID)
	for _, g := range to {
		if g == admin || slices.Contains(from, g) {
			continue
		}
		s, err := id.loadGroupInto(ctx, u, accountID, g)
		if err != nil {
			return err
		}
		joined, err := s.State.Join(userID)
		if err != nil {
			return fmt.Errorf("%w: %q", ErrUnknownGroup, g)
		}
		id.groups.Stage(u, s, joined...)
	}
	for _, g := range from {
		if g == admin || slices.Contains(to, g) {
			continue
		}
		if _, err := uuid.Parse(g); err != nil {
			continue
		}
		s, err := id.groups.LoadInto(ctx, u, g)
		if err != nil {
			return err
		}
		left, err := s.State.Leave(userID)
		if err != nil {
			return err
		}
		id.groups.Stage(u, s, left...)
	}
	return nil
}

// loadGroupInto loads one of an account's live custom groups into u.
func (id *Commands) loadGroupInto(ctx context.Context, u *command.Unit, accountID, groupID string) (command.Stream[group.Group], error) {
	if _, err := uuid.Parse(groupID); err != nil {
		return command.Stream[group.Group]{}, fmt.Errorf("%w: %q", ErrUnknownGroup, groupID)
	}
	s, err := id.groups.LoadInto(ctx, u, groupID)
	if err != nil {
		return s, err
	}
	if !s.State.Exists || s.State.Deleted || s.State.AccountID != accountID {
		return s, fmt.Errorf("%w: %q", ErrUnknownGroup, groupID)
	}
	return s, nil
}

// checkGroups refuses groups that are not the account's (its Administrator group or one of its
// live custom groups).
func (id *Commands) checkGroups(ctx context.Context, accountID string, groupIDs []string) error {
	for _, g := range groupIDs {
		if g == group.AdministratorID(accountID) {
			continue
		}
		if _, err := uuid.Parse(g); err != nil {
			return fmt.Errorf("%w: %q", ErrUnknownGroup, g)
		}
		s, err := id.groups.Load(ctx, g)
		if err != nil {
			return err
		}
		if !s.State.Exists || s.State.Deleted || s.State.AccountID != accountID {
			return fmt.Errorf("%w: %q", ErrUnknownGroup, g)
		}
	}
	return nil
}

// grantable checks that groups are the account's and that p holds every permission they give:
// an administrator of users cannot hand out (to others or to themself) more than they have.
func (id *Commands) grantable(ctx context.Context, p access.Principal, accountID string, groupIDs []string) error {
	if err := id.checkGroups(ctx, accountID, groupIDs); err != nil {
		return err
	}
	for _, g := range groupIDs {
		perms := group.All()
		if g != group.AdministratorID(accountID) {
			s, err := id.groups.Load(ctx, g)
			if err != nil {
				return err
			}
			perms = s.State.Permissions
		}
		if err := p.HoldsAll(perms); err != nil {
			return err
		}
	}
	return nil
}

// DisableUser stops a user from signing in and ends all their sessions at once. The account's
// last active administrator is not disabled, not even by themself.
func (id *Commands) DisableUser(ctx context.Context, origin command.Origin, userID string) (command.Result, error) {
	res, err := id.changeUserWith(ctx, origin, userID, ptr(group.UsersManage), func(u *command.Unit, target user.User) ([]user.Event, error) {
		events, err := target.Disable()
		if err != nil || len(events) == 0 {
			return events, err
		}
		return events, id.keepAnAdministrator(ctx, u, target)
	})
	if err != nil {
		return command.Result{}, err
	}
	return res, id.sessions.EndAll(ctx, userID, "")
}

// EnableUser lets a disabled user sign in again.
func (id *Commands) EnableUser(ctx context.Context, origin command.Origin, userID string) (command.Result, error) {
	return id.changeUser(ctx, origin, userID, ptr(group.UsersManage), func(u user.User) ([]user.Event, error) {
		return u.Enable()
	})
}

// AssignGroups sets a user's groups: only groups whose permissions the actor holds, never taking
// the account's last active administrator out of the Administrator group.
func (id *Commands) AssignGroups(ctx context.Context, origin command.Origin, userID string, groupIDs []string) (command.Result, error) {
	return id.changeUserWith(ctx, origin, userID, ptr(group.UsersManage), func(u *command.Unit, target user.User) ([]user.Event, error) {
		if err := id.grantable(ctx, origin.Principal, target.AccountID, groupIDs); err != nil {
			return nil, err
		}
		events, err := target.AssignGroups(groupIDs)
		if err != nil || len(events) == 0 {
			return events, err
		}
		assigned := events[0].(user.GroupsAssigned).GroupIDs
		if !slices.Contains(assigned, group.AdministratorID(target.AccountID)) {
			if err := id.keepAnAdministrator(ctx, u, target); err != nil {
				return nil, err
			}
		}
		return events, id.stageMemberships(ctx, u, target.AccountID, target.ID, target.GroupIDs, assigned)
	})
}
