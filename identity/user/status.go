package user

import "slices"

// Disable decides that an active user can no longer sign in; the command layer ends their
// sessions. Disabling a disabled user yields no events. A user who never became active (invited or
// revoked) is ErrNotActive: revoke an invitation instead.
func (u User) Disable() ([]Event, error) {
	switch {
	case !u.Exists:
		return nil, ErrNotFound
	case u.Status == StatusDisabled:
		return nil, nil
	case u.Status != StatusActive:
		return nil, ErrNotActive
	}
	return []Event{Disabled{UserID: u.ID}}, nil
}

// Enable decides that a disabled user can sign in again. Enabling an active user yields no events;
// a user who never became active (invited or revoked) is ErrNotActive: enabling does not replace
// accepting the invitation.
func (u User) Enable() ([]Event, error) {
	switch {
	case !u.Exists:
		return nil, ErrNotFound
	case u.Status == StatusActive:
		return nil, nil
	case u.Status != StatusDisabled:
		return nil, ErrNotActive
	}
	return []Event{Enabled{UserID: u.ID}}, nil
}

// AssignGroups decides the user's new set of groups, which replaces the current one: at least one
// id, stored sorted without duplicates. The same set yields no events. Any user but a revoked one
// (ErrNotActive) can be moved, so an invited user starts with the right permissions. That the
// groups exist in the user's account is the command layer's check.
func (u User) AssignGroups(groupIDs []string) ([]Event, error) {
	if err := u.notRevoked(); err != nil {
		return nil, err
	}
	groups, err := normalizeGroupIDs(groupIDs)
	if err != nil {
		return nil, err
	}
	if slices.Equal(groups, u.GroupIDs) {
		return nil, nil
	}
	return []Event{GroupsAssigned{UserID: u.ID, GroupIDs: groups}}, nil
}

func (u User) active() error {
	switch {
	case !u.Exists:
		return ErrNotFound
	case u.Status != StatusActive:
		return ErrNotActive
	}
	return nil
}

func (u User) notRevoked() error {
	switch {
	case !u.Exists:
		return ErrNotFound
	case u.Status == StatusRevoked:
		return ErrNotActive
	}
	return nil
}
