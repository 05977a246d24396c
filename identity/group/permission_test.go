package group_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/camcloud/accounts/identity/group"
)

func TestAll(t *testing.T) {
	want := []group.Permission{
		"accounts.manage", "billing.manage", "billing.view", "connections.manage",
		"recorders.manage", "support.act", "support.manage", "users.manage",
	}
	all := group.All()
	if !slices.Equal(all, want) {
		t.Errorf("All() = %q, want %q", all, want)
	}
	if !slices.IsSorted(all) {
		t.Errorf("All() = %q is not sorted", all)
	}
	all[0] = "tampered"
	if group.All()[0] != "accounts.manage" {
		t.Error("changing the result of All() changed what the next caller sees")
	}
	for _, p := range want {
		if !p.Known() {
			t.Errorf("%q.Known() = false", p)
		}
	}
	if group.Permission("cameras.delete").Known() {
		t.Error(`"cameras.delete".Known() = true`)
	}
}

func TestParsePermissions(t *testing.T) {
	accepted := []struct {
		name  string
		input []string
		want  []group.Permission
	}{
		{"nothing, as an empty set", nil, []group.Permission{}},
		{"one name", []string{"billing.view"}, []group.Permission{group.BillingView}},
		{
			"names in any order, sorted",
			[]string{"users.manage", "billing.view", "accounts.manage"},
			[]group.Permission{group.AccountsManage, group.BillingView, group.UsersManage},
		},
		{
			"duplicates, once",
			[]string{"billing.view", "billing.manage", "billing.view"},
			[]group.Permission{group.BillingManage, group.BillingView},
		},
	}
	for _, tt := range accepted {
		t.Run("accepts "+tt.name, func(t *testing.T) {
			got, err := group.ParsePermissions(tt.input)
			if err != nil || got == nil || !slices.Equal(got, tt.want) {
				t.Errorf("ParsePermissions(%q) = %#v, %v; want %q", tt.input, got, err, tt.want)
			}
		})
	}

	refused := []struct {
		name  string
		input []string
	}{
		{"an unknown name", []string{"cameras.delete"}},
		{"an unknown name among known ones", []string{"billing.view", "billing.edit", "users.manage"}},
		{"an empty name", []string{""}},
		{"a name in upper case", []string{"USERS.MANAGE"}},
		{"a name with white space around", []string{" users.manage"}},
	}
	for _, tt := range refused {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			got, err := group.ParsePermissions(tt.input)
			var invalid *group.ValidationError
			if !errors.Is(err, group.ErrInvalid) || !errors.As(err, &invalid) || invalid.Field != "permissions" {
				t.Errorf("ParsePermissions(%q) = %q, %v; want a permissions validation error", tt.input, got, err)
			}
		})
	}
}
