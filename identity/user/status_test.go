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
			name:  "an active user is disabled",
			given: active,
			when:  disable,
			then:  history(janeDisabled),
		},
		{
			name:  "a user enabled again can be disabled again",
			given: given(disabled, janeEnabled),
			when:  disable,
			then:  history(janeDisabled),
		},
		{
			name:  "disabling a disabled user changes nothing",
			given: disabled,
			when:  disable,
		},
		{
			name:    "an invited user cannot be disabled: revoke the invitation instead",
			given:   invited,
			when:    disable,
			thenErr: user.ErrNotActive,
		},
		{
			name:    "a revoked user cannot be disabled",
			given:   revoked,
			when:    disable,
			thenErr: user.ErrNotActive,
		},
		{
			name:    "a user that does not exist cannot be disabled",
			when:    disable,
			thenErr: user.ErrNotFound,
		},
	})
}

func TestEnable(t *testing.T) {
	check(t, []rule{
		{
			name:  "a disabled user is enabled",
			given: disabled,
			when:  enable,
			then:  history(janeEnabled),
		},
		{
			name:  "enabling an active user changes nothing",
			given: active,
			when:  enable,
		},
		{
			name:    "enabling does not replace accepting the invitation",
			given:   invited,
			when:    enable,
			thenErr: user.ErrNotActive,
		},
		{
			name:    "a revoked user cannot be enabled",
			given:   revoked,
			when:    enable,
			thenErr: user.ErrNotActive,
		},
		{
			name:    "a user that does not exist cannot be enabled",
			when:    enable,
			thenErr: user.ErrNotFound,
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
			name:  "a user is moved to other groups",
			given: active,
			when:  assignGroups("operators", "billing"),
			then:  history(user.GroupsAssigned{UserID: "jane", GroupIDs: []string{"billing", "operators"}}),
		},
		{
			name:  "groups are stored sorted without duplicates",
			given: active,
			when:  assignGroups("operators", adminGroup, "operators"),
			then:  history(user.GroupsAssigned{UserID: "jane", GroupIDs: []string{adminGroup, "operators"}}),
		},
		{
			name:  "the same groups in another order change nothing",
			given: given(active, user.GroupsAssigned{UserID: "jane", GroupIDs: []string{"billing", "operators"}}),
			when:  assignGroups("operators", "billing", "billing"),
		},
		{
			name:  "an invited user's groups can be changed before they accept",
			given: invited,
			when:  assignGroups("operators"),
			then:  history(user.GroupsAssigned{UserID: "jane", GroupIDs: []string{"operators"}}),
		},
		{
			name:  "a disabled user's groups can be changed",
			given: disabled,
			when:  assignGroups("operators"),
			then:  history(user.GroupsAssigned{UserID: "jane", GroupIDs: []string{"operators"}}),
		},
		{
			name:    "a user keeps at least one group",
			given:   active,
			when:    assignGroups(),
			thenErr: refused("group_ids"),
		},
		{
			name:    "an empty group id is refused",
			given:   active,
			when:    assignGroups("operators", ""),
			thenErr: refused("group_ids"),
		},
		{
			name:    "a revoked user's groups cannot be changed",
			given:   revoked,
			when:    assignGroups("operators"),
			thenErr: user.ErrNotActive,
		},
		{
			name:    "a user that does not exist has no groups",
			when:    assignGroups("operators"),
			thenErr: user.ErrNotFound,
		},
	})
}
