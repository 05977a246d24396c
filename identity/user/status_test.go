package user_test

import (
	"testing"

	"github.com/camcloud/accounts/identity/user"
)

func disable(u user.User) ([]user.Event, error) { return u.Disable() }
func enable(u user.User) ([]user.Event, error)  { return u.Enable() }

func assignGroups(ids ...string) func(user.User) ([]user.Event, error) {
	return func(u user.User) ([]user.Event, error) { return u.AssignGroups(ids) }
}

func TestDisable(t *testing.T) {
	check(t, []rule{
		{
			Name:  "an active user is disabled",
			Given: active,
			When:  disable,
			Then:  history(janeDisabled),
		},
		{
			Name:  "a user enabled again can be disabled again",
			Given: given(disabled, janeEnabled),
			When:  disable,
			Then:  history(janeDisabled),
		},
		{
			Name:  "disabling a disabled user changes nothing",
			Given: disabled,
			When:  disable,
		},
		{
			Name:    "an invited user cannot be disabled: revoke the invitation instead",
			Given:   invited,
			When:    disable,
			ThenErr: user.ErrNotActive,
		},
		{
			Name:    "a revoked user cannot be disabled",
			Given:   revoked,
			When:    disable,
			ThenErr: user.ErrNotActive,
		},
		{
			Name:    "a user that does not exist cannot be disabled",
			When:    disable,
			ThenErr: user.ErrNotFound,
		},
	})
}

func TestEnable(t *testing.T) {
	check(t, []rule{
		{
			Name:  "a disabled user is enabled",
			Given: disabled,
			When:  enable,
			Then:  history(janeEnabled),
		},
		{
			Name:  "enabling an active user changes nothing",
			Given: active,
			When:  enable,
		},
		{
			Name:    "enabling does not replace accepting the invitation",
			Given:   invited,
			When:    enable,
			ThenErr: user.ErrNotActive,
		},
		{
			Name:    "a revoked user cannot be enabled",
			Given:   revoked,
			When:    enable,
			ThenErr: user.ErrNotActive,
		},
		{
			Name:    "a user that does not exist cannot be enabled",
			When:    enable,
			ThenErr: user.ErrNotFound,
		},
	})
}

func TestCanSignIn(t *testing.T) {
	tests := []struct {
		name   string
		events []user.Event
		want   bool
	}{
		{"a user that does not exist cannot sign in", nil, false},
		{"an invited user cannot sign in", invited, false},
		{"an active user can sign in", active, true},
		{"a disabled user cannot sign in", disabled, false},
		{"a user enabled again can sign in", given(disabled, janeEnabled), true},
		{"a revoked user cannot sign in", revoked, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := user.Fold(tt.events...).CanSignIn(); got != tt.want {
				t.Errorf("CanSignIn() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAssignGroups(t *testing.T) {
	check(t, []rule{
		{
			Name:  "a user is moved to other groups",
			Given: active,
			When:  assignGroups("operators", "billing"),
			Then:  history(user.GroupsAssigned{UserID: "jane", GroupIDs: []string{"billing", "operators"}}),
		},
		{
			Name:  "groups are stored sorted without duplicates",
			Given: active,
			When:  assignGroups("operators", adminGroup, "operators"),
			Then:  history(user.GroupsAssigned{UserID: "jane", GroupIDs: []string{adminGroup, "operators"}}),
		},
		{
			Name:  "the same groups in another order change nothing",
			Given: given(active, user.GroupsAssigned{UserID: "jane", GroupIDs: []string{"billing", "operators"}}),
			When:  assignGroups("operators", "billing", "billing"),
		},
		{
			Name:  "an invited user's groups can be changed before they accept",
			Given: invited,
			When:  assignGroups("operators"),
			Then:  history(user.GroupsAssigned{UserID: "jane", GroupIDs: []string{"operators"}}),
		},
		{
			Name:  "a disabled user's groups can be changed",
			Given: disabled,
			When:  assignGroups("operators"),
			Then:  history(user.GroupsAssigned{UserID: "jane", GroupIDs: []string{"operators"}}),
		},
		{
			Name:    "a user keeps at least one group",
			Given:   active,
			When:    assignGroups(),
			ThenErr: refused("group_ids"),
		},
		{
			Name:    "an empty group id is refused",
			Given:   active,
			When:    assignGroups("operators", ""),
			ThenErr: refused("group_ids"),
		},
		{
			Name:    "a revoked user's groups cannot be changed",
			Given:   revoked,
			When:    assignGroups("operators"),
			ThenErr: user.ErrNotActive,
		},
		{
			Name:    "a user that does not exist has no groups",
			When:    assignGroups("operators"),
			ThenErr: user.ErrNotFound,
		},
	})
}
