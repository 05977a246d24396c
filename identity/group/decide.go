package group

import "slices"

// Create decides the creation of a custom group in accountID. existing is the state of the new
// group's own stream, which must be empty; the command layer chooses groupID (a new UUID). The
// name is trimmed and must not be the built-in "Administrator" (in any case); the permissions must
// be known, and are stored sorted without duplicates. An empty set is allowed: such a group grants
// nothing until it is changed.
func Create(existing Group, groupID, accountID, name string, perms []Permission) ([]Event, error) {
	if existing.Exists {
		return nil, ErrAlreadyExists
	}
	if groupID != "" && groupID == AdministratorID(accountID) {
		return nil, ErrBuiltin
	}
	switch {
	case groupID == "":
		return nil, invalid("group_id", "must not be empty")
	case accountID == "":
		return nil, invalid("account_id", "must not be empty")
	}
	name, err := normalizeName(name)
	if err != nil {
		return nil, err
	}
	perms, err = normalizePermissions(perms)
	if err != nil {
		return nil, err
	}
	return []Event{Created{GroupID: groupID, AccountID: accountID, Name: name, Permissions: perms}}, nil
}

// Change decides the group's new name and permission set, both in full (a client sends the whole
// form). The same name once trimmed and the same set once sorted yield no events. The change takes
// effect for every member on their next request.
func (g Group) Change(name string, perms []Permission) ([]Event, error) {
	if err := g.changeable(); err != nil {
		return nil, err
	}
	name, err := normalizeName(name)
	if err != nil {
		return nil, err
	}
	perms, err = normalizePermissions(perms)
	if err != nil {
		return nil, err
	}
	if name == g.Name && slices.Equal(perms, g.Permissions) {
		return nil, nil
	}
	return []Event{Changed{GroupID: g.ID, AccountID: g.AccountID, Name: name, Permissions: perms}}, nil
}

// Delete decides the end of the group. Deleting it again is ErrNotFound, as for any group that is
// gone. A group with members is not deleted (ErrHasMembers): move them to other groups first.
func (g Group) Delete() ([]Event, error) {
	if err := g.changeable(); err != nil {
		return nil, err
	}
	if len(g.Members) > 0 {
		return nil, ErrHasMembers
	}
	return []Event{Deleted{GroupID: g.ID, AccountID: g.AccountID}}, nil
}

func (g Group) changeable() error {
	switch {
	case !g.Exists || g.Deleted:
		return ErrNotFound
	case g.Builtin():
		return ErrBuiltin
	}
	return nil
}
