package group

import (
	"slices"
	"strings"
)

// MemberJoined records that a user became a member of a custom group. Membership is kept in the
// group's own stream as well as in the user's, so that deleting a group and adding a member
// conflict on one stream: of the two racing commands, one is decided again.
type MemberJoined struct {
	GroupID   string `json:"group_id"`
	AccountID string `json:"account_id"`
	UserID    string `json:"user_id"`
}

// MemberLeft records that a user stopped being a member (their groups changed, or their
// invitation was revoked).
type MemberLeft struct {
	GroupID   string `json:"group_id"`
	AccountID string `json:"account_id"`
	UserID    string `json:"user_id"`
}

// EventType implements Event.
func (MemberJoined) EventType() string { return "group.member-joined.v1" }

// EventType implements Event.
func (MemberLeft) EventType() string { return "group.member-left.v1" }

// Join decides that a user becomes a member. A member joining again yields no events; a group that
// is gone takes no members.
func (g Group) Join(userID string) ([]Event, error) {
	if err := g.changeable(); err != nil {
		return nil, err
	}
	if slices.Contains(g.Members, userID) {
		return nil, nil
	}
	return []Event{MemberJoined{GroupID: g.ID, AccountID: g.AccountID, UserID: userID}}, nil
}

// Leave decides that a user stops being a member; a non-member leaving yields no events.
func (g Group) Leave(userID string) ([]Event, error) {
	if !slices.Contains(g.Members, userID) {
		return nil, nil
	}
	return []Event{MemberLeft{GroupID: g.ID, AccountID: g.AccountID, UserID: userID}}, nil
}

// NameKey is the key under which a group's name is unique within its account: names differing
// only in case are the same name.
func NameKey(accountID, name string) string {
	return accountID + "/" + strings.ToLower(name)
}

// NormalizeName returns a group's name as it is stored, or a validation error for "name".
func NormalizeName(name string) (string, error) { return normalizeName(name) }
