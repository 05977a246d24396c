package group_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/camcloud/accounts/domain/domaintest"
	"github.com/camcloud/accounts/identity/group"
)

// rule is one business rule of a group: given the events already in the group's stream, when a
// command is decided on the folded state, then it yields these events or fails with this error.
type rule struct {
	name    string
	given   []group.Event
	state   *group.Group // instead of folding given, e.g. the implicit Administrator group
	when    func(group.Group) ([]group.Event, error)
	then    []group.Event
	thenErr error // matched with errors.Is; a *group.ValidationError matches on its Field
}

// refused is the error a rule expects when the command is invalid in field.
func refused(field string) error { return domaintest.Refused(field) }

func check(t *testing.T, rules []rule) {
	t.Helper()
	for _, r := range rules {
		state := group.Fold(r.given...)
		if r.state != nil {
			state = *r.state
		}
		domaintest.Decide(t, r.name, state, r.when, r.then, r.thenErr)
	}
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
			name: "an administrator creates a group with some permissions",
			when: create("operators", "acme", "Operators", group.RecordersManage, group.BillingView),
			then: history(operatorsCreated),
		},
		{
			name: "the name is stored trimmed and the permissions sorted without duplicates",
			when: create("operators", "acme", "  Operators\t", group.RecordersManage, group.BillingView, group.RecordersManage),
			then: history(operatorsCreated),
		},
		{
			name: "a group may hold no permissions; they encode as an empty list",
			when: create("viewers", "acme", "Viewers"),
			then: history(group.Created{GroupID: "viewers", AccountID: "acme", Name: "Viewers", Permissions: perms()}),
		},
		{
			name: "a group may hold every permission under another name",
			when: create("admins", "acme", "Admins", group.All()...),
			then: history(group.Created{GroupID: "admins", AccountID: "acme", Name: "Admins", Permissions: group.All()}),
		},
		{
			name: "a name of 100 characters is accepted, however many bytes they take",
			when: create("g", "acme", strings.Repeat("ř", 100)),
			then: history(group.Created{GroupID: "g", AccountID: "acme", Name: strings.Repeat("ř", 100), Permissions: perms()}),
		},
		{
			name: "a name merely containing Administrator is fine",
			when: create("g", "acme", "Administrators of Site B"),
			then: history(group.Created{GroupID: "g", AccountID: "acme", Name: "Administrators of Site B", Permissions: perms()}),
		},
		{
			name:    "creating a group twice is refused",
			given:   history(operatorsCreated),
			when:    create("operators", "acme", "Operators"),
			thenErr: group.ErrAlreadyExists,
		},
		{
			name:    "a deleted group's id is not reused",
			given:   history(operatorsCreated, operatorsDeleted),
			when:    create("operators", "acme", "Operators"),
			thenErr: group.ErrAlreadyExists,
		},
		{
			name:    "the state is checked before the content: an existing group wins over a bad name",
			given:   history(operatorsCreated),
			when:    create("operators", "acme", ""),
			thenErr: group.ErrAlreadyExists,
		},
		{
			name:    "the Administrator group's id cannot be created",
			when:    create(group.AdministratorID("acme"), "acme", "Operators"),
			thenErr: group.ErrBuiltin,
		},
		{
			name:    "the name Administrator is reserved",
			when:    create("g", "acme", "Administrator"),
			thenErr: refused("name"),
		},
		{
			name:    "the name Administrator is reserved in any case and with white space around",
			when:    create("g", "acme", " aDMINISTRATOR "),
			thenErr: refused("name"),
		},
		{
			name:    "a group needs an id",
			when:    create("", "acme", "Operators"),
			thenErr: refused("group_id"),
		},
		{
			name:    "a group needs an account",
			when:    create("operators", "", "Operators"),
			thenErr: refused("account_id"),
		},
		{
			name:    "a group needs a name",
			when:    create("operators", "acme", " \t"),
			thenErr: refused("name"),
		},
		{
			name:    "a name of 101 characters is refused",
			when:    create("operators", "acme", strings.Repeat("x", 101)),
			thenErr: refused("name"),
		},
		{
			name:    "a name with a line break is refused",
			when:    create("operators", "acme", "Oper\nators"),
			thenErr: refused("name"),
		},
		{
			name:    "a name with a control character is refused",
			when:    create("operators", "acme", "Oper\x1bators"),
			thenErr: refused("name"),
		},
		{
			name:    "a name that is not UTF-8 is refused",
			when:    create("operators", "acme", "Oper\xffators"),
			thenErr: refused("name"),
		},
		{
			name:    "an unknown permission is refused",
			when:    create("operators", "acme", "Operators", group.BillingView, "cameras.delete"),
			thenErr: refused("permissions"),
		},
		{
			name:    "a permission in another case is unknown",
			when:    create("operators", "acme", "Operators", "Billing.View"),
			thenErr: refused("permissions"),
		},
	})
}

func TestChange(t *testing.T) {
	check(t, []rule{
		{
			name:  "a group is renamed and given other permissions",
			given: history(operatorsCreated),
			when:  change("Night shift", group.UsersManage, group.BillingView),
			then: history(group.Changed{
				GroupID: "operators", AccountID: "acme", Name: "Night shift",
				Permissions: perms(group.BillingView, group.UsersManage),
			}),
		},
		{
			name:  "only the permissions change; the event carries the full set and name",
			given: history(operatorsCreated),
			when:  change("Operators", group.RecordersManage),
			then: history(group.Changed{
				GroupID: "operators", AccountID: "acme", Name: "Operators", Permissions: perms(group.RecordersManage),
			}),
		},
		{
			name:  "every permission can be taken away",
			given: history(operatorsCreated),
			when:  change("Operators"),
			then:  history(group.Changed{GroupID: "operators", AccountID: "acme", Name: "Operators", Permissions: perms()}),
		},
		{
			name:  "the same name and set in another order and with duplicates change nothing",
			given: history(operatorsCreated),
			when:  change(" Operators ", group.RecordersManage, group.BillingView, group.BillingView),
		},
		{
			name:    "a group that does not exist cannot be changed",
			when:    change("Operators"),
			thenErr: group.ErrNotFound,
		},
		{
			name:    "a deleted group cannot be changed",
			given:   history(operatorsCreated, operatorsDeleted),
			when:    change("Operators"),
			thenErr: group.ErrNotFound,
		},
		{
			name:    "the Administrator group cannot be changed",
			state:   &administrator,
			when:    change("Administrator", group.All()...),
			thenErr: group.ErrBuiltin,
		},
		{
			name:    "the Administrator group cannot lose a permission",
			state:   &administrator,
			when:    change("Administrator", group.BillingView),
			thenErr: group.ErrBuiltin,
		},
		{
			name:    "a group cannot be renamed to Administrator",
			given:   history(operatorsCreated),
			when:    change("administrator", group.BillingView),
			thenErr: refused("name"),
		},
		{
			name:    "an unknown permission is refused",
			given:   history(operatorsCreated),
			when:    change("Operators", "everything"),
			thenErr: refused("permissions"),
		},
	})
}

func TestDelete(t *testing.T) {
	check(t, []rule{
		{
			name:  "a group is deleted",
			given: history(operatorsCreated),
			when:  deleteGroup,
			then:  history(operatorsDeleted),
		},
		{
			name:  "a changed group is deleted",
			given: history(operatorsCreated, group.Changed{GroupID: "operators", AccountID: "acme", Name: "Night shift"}),
			when:  deleteGroup,
			then:  history(operatorsDeleted),
		},
		{
			name:    "deleting a deleted group is refused as not found",
			given:   history(operatorsCreated, operatorsDeleted),
			when:    deleteGroup,
			thenErr: group.ErrNotFound,
		},
		{
			name:    "a group that does not exist cannot be deleted",
			when:    deleteGroup,
			thenErr: group.ErrNotFound,
		},
		{
			name:    "the Administrator group cannot be deleted",
			state:   &administrator,
			when:    deleteGroup,
			thenErr: group.ErrBuiltin,
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
