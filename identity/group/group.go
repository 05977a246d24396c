// Package group holds the Group aggregate: the named sets of permissions an account's users are
// put into. A user's permissions are the union of those of their groups.
//
// Every account has an Administrator group holding every permission. It is never stored: its id is
// derived from the account's (AdministratorID), its state is Administrator(accountID), and it
// cannot be created, changed or deleted (ErrBuiltin). Other groups ("custom groups") are created
// by an account's administrators with any subset of the permissions, and live in a stream of
// their own, "group-<id>".
//
// The package is pure: decisions are functions from the folded state and a command to new events
// or a typed error, and the state changes only by applying events. That the account exists, that
// the caller may manage its groups, and that group names are unique within an account (if the
// product wants them to be) are the command layer's checks.
//
// Decisions check the state before the command's content, and events carry normalized values:
// names trimmed, permission sets sorted and free of duplicates.
package group

import "slices"

// Group is the state of one group, folded from its stream. The zero value is a group that does
// not exist yet (an empty stream). A deleted group keeps its last name and permissions for the
// record, but Exists stays true and Deleted is set: it grants nothing (see Has).
type Group struct {
	ID          string
	AccountID   string
	Name        string
	Permissions []Permission // sorted, no duplicates
	Exists      bool
	Deleted     bool
	Members     []string // user IDs, sorted; recorded since group.member-joined.v1
}

// Apply returns the state after e. Events of other streams and unknown types leave the state as it
// is, so a group stream may gain event types this version does not know. The state never shares a
// slice with an event.
func (g Group) Apply(e Event) Group {
	switch e := e.(type) {
	case Created:
		return Group{
			ID:          e.GroupID,
			AccountID:   e.AccountID,
			Name:        e.Name,
			Permissions: slices.Clone(e.Permissions),
			Exists:      true,
		}
	case Changed:
		g.Name = e.Name
		g.Permissions = slices.Clone(e.Permissions)
	case Deleted:
		g.Deleted = true
	case MemberJoined:
		if i, found := slices.BinarySearch(g.Members, e.UserID); !found {
			g.Members = slices.Insert(slices.Clone(g.Members), i, e.UserID)
		}
	case MemberLeft:
		if i, found := slices.BinarySearch(g.Members, e.UserID); found {
			g.Members = slices.Delete(slices.Clone(g.Members), i, i+1)
		}
	}
	return g
}

// Fold returns the state after events, applied in order to a group that does not exist.
func Fold(events ...Event) Group {
	var g Group
	for _, e := range events {
		g = g.Apply(e)
	}
	return g
}

// Has reports whether the group grants p: it exists, is not deleted, and holds p.
func (g Group) Has(p Permission) bool {
	return g.Exists && !g.Deleted && slices.Contains(g.Permissions, p)
}
