package group_test

import (
	"reflect"
	"regexp"
	"testing"

	"github.com/camcloud/accounts/identity/group"
)

var uuidV5Shape = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestAdministratorID(t *testing.T) {
	// Pinned: users' memberships hold these ids, so they must never change. Computed
	// independently with Python's uuid.uuid5(UUID("e9533d48-761f-44d3-8d65-74f24a3b5176"), id).
	pinned := map[string]string{
		"acme":                                 "2c93b8a0-35ea-5f84-adaf-e41884d76fdc",
		"northwind":                            "a59706d8-7341-5e04-94c0-b6b0aacbb021",
		"7b0f3c52-8d5e-4f2a-9c61-2d4e8a1b3c5d": "80d8a748-43ca-5caa-89d2-9d5134951797",
	}
	for accountID, want := range pinned {
		got := group.AdministratorID(accountID)
		if got != want {
			t.Errorf("AdministratorID(%q) = %q, want %q", accountID, got, want)
		}
		if !uuidV5Shape.MatchString(got) {
			t.Errorf("AdministratorID(%q) = %q, not a version 5 UUID", accountID, got)
		}
		if again := group.AdministratorID(accountID); again != got {
			t.Errorf("AdministratorID(%q) gave %q, then %q", accountID, got, again)
		}
	}
	if group.AdministratorID("acme") == group.AdministratorID("Acme") {
		t.Error("two accounts share an Administrator group id")
	}
}

func TestAdministrator(t *testing.T) {
	got := group.Administrator("acme")
	want := group.Group{
		ID: "2c93b8a0-35ea-5f84-adaf-e41884d76fdc", AccountID: "acme", Name: "Administrator",
		Permissions: group.All(), Exists: true,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Administrator() =\n\t%#v\nwant\n\t%#v", got, want)
	}
	if !got.Builtin() {
		t.Error("Administrator().Builtin() = false")
	}
	if other := group.Fold(group.Created{GroupID: "operators", AccountID: "acme", Name: "Operators"}); other.Builtin() {
		t.Error("a custom group is built in")
	}
	if (group.Group{}).Builtin() {
		t.Error("the zero group is built in")
	}
	// Another account's Administrator id is just an id in this account: not built in here.
	foreign := group.Group{ID: group.AdministratorID("northwind"), AccountID: "acme", Exists: true}
	if foreign.Builtin() {
		t.Error("another account's Administrator group is built in here")
	}
}
