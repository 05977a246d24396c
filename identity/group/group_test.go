package group_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/camcloud/accounts/domain/domaintest"
	"github.com/camcloud/accounts/identity/group"
)

// rule is one business rule of the group aggregate (domaintest.Rule).
type rule = domaintest.Rule[group.Group, group.Event]

// refused is the error a rule expects when the command is invalid in field.
func refused(field string) error { return domaintest.Refused(field) }

func check(t *testing.T, rules []rule) {
	t.Helper()
	domaintest.Check(t, group.Group.Apply, rules)
}

func history(events ...group.Event) []group.Event { return events }

func perms(p ...group.Permission) []group.Permission {
	if p == nil {
		return []group.Permission{}
	}
	return p
}

var (
	operatorsCreated = group.Created{
		GroupID: "operators", AccountID: "acme", Name: "Operators",
		Permissions: perms(group.BillingView, group.RecordersManage),
	}
	operatorsDeleted = group.Deleted{GroupID: "operators", AccountID: "acme"}

	administrator = group.Administrator("acme")
)

func create(groupID, accountID, name string, p ...group.Permission) func(group.Group) ([]group.Event, error) {
	return func(existing group.Group) ([]group.Event, error) {
		return group.Create(existing, groupID, accountID, name, p)
	}
}

func change(name string, p ...group.Permission) func(group.Group) ([]group.Event, error) {
	return func(g group.Group) ([]group.Event, error) { return g.Change(name, p) }
}

func deleteGroup(g group.Group) ([]group.Event, error) { return g.Delete() }

func TestCreate(t *testing.T) {
	check(t, []rule{
		{
			Name: "an administrator creates a group with some permissions",
			When: create("operators", "acme", "Operators", group.RecordersManage, group.BillingView),
			Then: history(operatorsCreated),
		},
		{
			Name: "the name is stored trimmed and the permissions sorted without duplicates",
			When: create("operators", "acme", "  Operators\t", group.RecordersManage, group.BillingView, group.RecordersManage),
			Then: history(operatorsCreated),
		},
		{
			Name: "a group may hold no permissions; they encode as an empty list",
			When: create("viewers", "acme", "Viewers"),
			Then: history(group.Created{GroupID: "viewers", AccountID: "acme", Name: "Viewers", Permissions: perms()}),
		},
		{
			Name: "a group may hold every permission under another name",
			When: create("admins", "acme", "Admins", group.All()...),
			Then: history(group.Created{GroupID: "admins", AccountID: "acme", Name: "Admins", Permissions: group.All()}),
		},
		{
			Name: "a name of 100 characters is accepted, however many bytes they take",
			When: create("g", "acme", strings.Repeat("ř", 100)),
			Then: history(group.Created{GroupID: "g", AccountID: "acme", Name: strings.Repeat("ř", 100), Permissions: perms()}),
		},
		{
			Name: "a name merely containing Administrator is fine",
			When: create("g", "acme", "Administrators of Site B"),
			Then: history(group.Created{GroupID: "g", AccountID: "acme", Name: "Administrators of Site B", Permissions: perms()}),
		},
		{
			Name:    "creating a group twice is refused",
			Given:   history(operatorsCreated),
			When:    create("operators", "acme", "Operators"),
			ThenErr: group.ErrAlreadyExists,
		},
		{
			Name:    "a deleted group's id is not reused",
			Given:   history(operatorsCreated, operatorsDeleted),
			When:    create("operators", "acme", "Operators"),
			ThenErr: group.ErrAlreadyExists,
		},
		{
			Name:    "the state is checked before the content: an existing group wins over a bad name",
			Given:   history(operatorsCreated),
			When:    create("operators", "acme", ""),
			ThenErr: group.ErrAlreadyExists,
		},
		{
			Name:    "the Administrator group's id cannot be created",
			When:    create(group.AdministratorID("acme"), "acme", "Operators"),
			ThenErr: group.ErrBuiltin,
		},
		{
			Name:    "the name Administrator is reserved",
			When:    create("g", "acme", "Administrator"),
			ThenErr: refused("name"),
		},
		{
			Name:    "the name Administrator is reserved in any case and with white space around",
			When:    create("g", "acme", " aDMINISTRATOR "),
			ThenErr: refused("name"),
		},
		{
			Name:    "a group needs an id",
			When:    create("", "acme", "Operators"),
			ThenErr: refused("group_id"),
		},
		{
			Name:    "a group needs an account",
			When:    create("operators", "", "Operators"),
			ThenErr: refused("account_id"),
		},
		{
			Name:    "a group needs a name",
			When:    create("operators", "acme", " \t"),
			ThenErr: refused("name"),
		},
		{
			Name:    "a name of 101 characters is refused",
			When:    create("operators", "acme", strings.Repeat("x", 101)),
			ThenErr: refused("name"),
		},
		{
			Name:    "a name with a line break is refused",
			When:    create("operators", "acme", "Oper\nators"),
			ThenErr: refused("name"),
		},
		{
			Name:    "a name with a control character is refused",
			When:    create("operators", "acme", "Oper\x1bators"),
			ThenErr: refused("name"),
		},
		{
			Name:    "a name that is not UTF-8 is refused",
			When:    create("operators", "acme", "Oper\xffators"),
			ThenErr: refused("name"),
		},
		{
			Name:    "an unknown permission is refused",
			When:    create("operators", "acme", "Operators", group.BillingView, "cameras.delete"),
			ThenErr: refused("permissions"),
		},
		{
			Name:    "a permission in another case is unknown",
			When:    create("operators", "acme", "Operators", "Billing.View"),
			ThenErr: refused("permissions"),
		},
	})
}

func TestChange(t *testing.T) {
	check(t, []rule{
		{
			Name:  "a group is renamed and given other permissions",
			Given: history(operatorsCreated),
			When:  change("Night shift", group.UsersManage, group.BillingView),
			Then: history(group.Changed{
				GroupID: "operators", AccountID: "acme", Name: "Night shift",
				Permissions: perms(group.BillingView, group.UsersManage),
			}),
		},
		{
			Name:  "only the permissions change; the event carries the full set and name",
			Given: history(operatorsCreated),
			When:  change("Operators", group.RecordersManage),
			Then: history(group.Changed{
				GroupID: "operators", AccountID: "acme", Name: "Operators", Permissions: perms(group.RecordersManage),
			}),
		},
		{
			Name:  "every permission can be taken away",
			Given: history(operatorsCreated),
			When:  change("Operators"),
			Then:  history(group.Changed{GroupID: "operators", AccountID: "acme", Name: "Operators", Permissions: perms()}),
		},
		{
			Name:  "the same name and set in another order and with duplicates change nothing",
			Given: history(operatorsCreated),
			When:  change(" Operators ", group.RecordersManage, group.BillingView, group.BillingView),
		},
		{
			Name:    "a group that does not exist cannot be changed",
			When:    change("Operators"),
			ThenErr: group.ErrNotFound,
		},
		{
			Name:    "a deleted group cannot be changed",
			Given:   history(operatorsCreated, operatorsDeleted),
			When:    change("Operators"),
			ThenErr: group.ErrNotFound,
		},
		{
			Name:    "the Administrator group cannot be changed",
			State:   &administrator,
			When:    change("Administrator", group.All()...),
			ThenErr: group.ErrBuiltin,
		},
		{
			Name:    "the Administrator group cannot lose a permission",
			State:   &administrator,
			When:    change("Administrator", group.BillingView),
			ThenErr: group.ErrBuiltin,
		},
		{
			Name:    "a group cannot be renamed to Administrator",
			Given:   history(operatorsCreated),
			When:    change("administrator", group.BillingView),
			ThenErr: refused("name"),
		},
		{
			Name:    "an unknown permission is refused",
			Given:   history(operatorsCreated),
			When:    change("Operators", "everything"),
			ThenErr: refused("permissions"),
		},
	})
}

func TestDelete(t *testing.T) {
	check(t, []rule{
		{
			Name:  "a group is deleted",
			Given: history(operatorsCreated),
			When:  deleteGroup,
			Then:  history(operatorsDeleted),
		},
		{
			Name:  "a changed group is deleted",
			Given: history(operatorsCreated, group.Changed{GroupID: "operators", AccountID: "acme", Name: "Night shift"}),
			When:  deleteGroup,
			Then:  history(operatorsDeleted),
		},
		{
			Name:    "deleting a deleted group is refused as not found",
			Given:   history(operatorsCreated, operatorsDeleted),
			When:    deleteGroup,
			ThenErr: group.ErrNotFound,
		},
		{
			Name:    "a group that does not exist cannot be deleted",
			When:    deleteGroup,
			ThenErr: group.ErrNotFound,
		},
		{
			Name:    "the Administrator group cannot be deleted",
			State:   &administrator,
			When:    deleteGroup,
			ThenErr: group.ErrBuiltin,
		},
	})
}

func TestHas(t *testing.T) {
	operators := group.Fold(operatorsCreated)
	deleted := group.Fold(operatorsCreated, operatorsDeleted)
	tests := []struct {
		name  string
		group group.Group
		perm  group.Permission
		want  bool
	}{
		{"a group grants what it holds", operators, group.RecordersManage, true},
		{"a group does not grant what it lacks", operators, group.UsersManage, false},
		{"a deleted group grants nothing", deleted, group.RecordersManage, false},
		{"a group that does not exist grants nothing", group.Group{}, group.BillingView, false},
		{"the Administrator group grants users.manage", administrator, group.UsersManage, true},
		{"the Administrator group grants connections.manage", administrator, group.ConnectionsManage, true},
		{"no group grants an unknown permission", administrator, "cameras.delete", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.group.Has(tt.perm); got != tt.want {
				t.Errorf("Has(%q) = %v, want %v", tt.perm, got, tt.want)
			}
		})
	}
}

type unknownEvent struct{}

func (unknownEvent) EventType() string { return "group.archived.v1" }

func TestFold(t *testing.T) {
	tests := []struct {
		name   string
		events []group.Event
		want   group.Group
	}{
		{
			name: "an empty stream is a group that does not exist",
			want: group.Group{},
		},
		{
			name:   "a created group",
			events: history(operatorsCreated),
			want: group.Group{
				ID: "operators", AccountID: "acme", Name: "Operators",
				Permissions: perms(group.BillingView, group.RecordersManage), Exists: true,
			},
		},
		{
			name: "a full history: the latest change counts, a deletion keeps it for the record",
			events: history(
				operatorsCreated,
				group.Changed{GroupID: "operators", AccountID: "acme", Name: "Night shift", Permissions: perms(group.UsersManage)},
				unknownEvent{},
				group.Changed{GroupID: "operators", AccountID: "acme", Name: "Night shift", Permissions: perms(group.SupportManage, group.UsersManage)},
				operatorsDeleted,
			),
			want: group.Group{
				ID: "operators", AccountID: "acme", Name: "Night shift",
				Permissions: perms(group.SupportManage, group.UsersManage), Exists: true, Deleted: true,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := group.Fold(tt.events...); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Fold() =\n\t%#v\nwant\n\t%#v", got, tt.want)
			}
		})
	}
}

func TestStateSharesNoSliceWithEvents(t *testing.T) {
	created := group.Created{GroupID: "g", AccountID: "acme", Name: "G", Permissions: perms(group.BillingView)}
	g := group.Fold(created)
	created.Permissions[0] = group.UsersManage
	if !g.Has(group.BillingView) || g.Has(group.UsersManage) {
		t.Errorf("changing the event changed the state: %v", g.Permissions)
	}
}

func TestValidationError(t *testing.T) {
	_, err := group.Create(group.Group{}, "g", "acme", "", nil)
	if got, want := err.Error(), "name: must not be empty"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, group.ErrInvalid) || errors.Is(err, group.ErrNotFound) {
		t.Errorf("error %v matches the wrong sentinels", err)
	}
	var byPointer *group.ValidationError
	if !errors.As(err, &byPointer) || byPointer.Field != "name" {
		t.Errorf("errors.As(*ValidationError) gave %#v", byPointer)
	}
	var byValue group.ValidationError
	if !errors.As(err, &byValue) || byValue.Field != "name" {
		t.Errorf("errors.As(ValidationError) gave %#v", byValue)
	}
}
