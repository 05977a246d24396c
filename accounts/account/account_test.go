package account_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/domain/domaintest"
)

// rule is one business rule of the account: given the events already in the account's stream,
// when a command is decided on the folded state, then it yields these events or fails with this
// error.
type rule struct {
	name    string
	given   []account.Event
	when    func(account.Account) ([]account.Event, error)
	then    []account.Event
	thenErr error // matched with errors.Is; a *account.ValidationError matches on its Field
}

// refused is the error a rule expects when the command is invalid in field.
func refused(field string) error { return domaintest.Refused(field) }

func check(t *testing.T, rules []rule) {
	t.Helper()
	for _, r := range rules {
		domaintest.Decide(t, r.name, account.Fold(r.given...), r.when, r.then, r.thenErr)
	}
}

var (
	headOffice = account.Address{Line1: "1 Platform Way", City: "Glendale", PostalCode: "91201", Region: "CA", Country: "US"}
	warehouse  = account.Address{Line1: "Hafenstrasse 12", Line2: "Halle 3", City: "Hamburg", PostalCode: "20457", Country: "DE"}

	platformCreated = account.Created{
		AccountID: "platform", Kind: account.KindPartner, Name: "Camcloud",
		Address: headOffice, RegistrationCode: "2345-6789-ABCD",
	}
	partnerCreated = account.Created{
		AccountID: "northwind", ParentID: "platform", Kind: account.KindPartner, Name: "Northwind Security",
		Address: headOffice, RegistrationCode: "K7QF-3MZP-9XRA",
	}
	customerCreated = account.Created{
		AccountID: "acme", ParentID: "northwind", Kind: account.KindCustomer, Name: "Acme Storage",
		Address: warehouse, RegistrationCode: "EFGH-JKMN-PQRS",
	}

	platform = account.Fold(platformCreated)
	partner  = account.Fold(partnerCreated)
	customer = account.Fold(customerCreated)
)

func history(events ...account.Event) []account.Event { return events }

// newCustomer is a valid command to create Acme below Northwind; edits make it otherwise.
func newCustomer(edits ...func(*account.Create)) account.Create {
	cmd := account.Create{
		AccountID: "acme", ParentID: "northwind", Kind: account.KindCustomer, Name: "Acme Storage",
		Address: warehouse, RegistrationCode: "EFGH-JKMN-PQRS",
	}
	for _, edit := range edits {
		edit(&cmd)
	}
	return cmd
}

func createChild(parent account.Account, cmd account.Create) func(account.Account) ([]account.Event, error) {
	return func(existing account.Account) ([]account.Event, error) {
		return account.CreateChild(parent, existing, cmd)
	}
}

func createRoot(cmd account.Create) func(account.Account) ([]account.Event, error) {
	return func(existing account.Account) ([]account.Event, error) {
		return account.CreateRoot(existing, cmd)
	}
}

func rename(name string) func(account.Account) ([]account.Event, error) {
	return func(a account.Account) ([]account.Event, error) { return a.Rename(name) }
}

func changeAddress(addr account.Address) func(account.Account) ([]account.Event, error) {
	return func(a account.Account) ([]account.Event, error) { return a.ChangeAddress(addr) }
}

func rotate(code account.RegistrationCode) func(account.Account) ([]account.Event, error) {
	return func(a account.Account) ([]account.Event, error) { return a.RotateRegistrationCode(code) }
}

func TestCreateChild(t *testing.T) {
	check(t, []rule{
		{
			name: "a partner creates a customer account",
			when: createChild(partner, newCustomer()),
			then: history(customerCreated),
		},
		{
			name: "a partner creates a sub-partner",
			when: createChild(partner, newCustomer(func(c *account.Create) { c.Kind = account.KindPartner })),
			then: history(account.Created{
				AccountID: "acme", ParentID: "northwind", Kind: account.KindPartner, Name: "Acme Storage",
				Address: warehouse, RegistrationCode: "EFGH-JKMN-PQRS",
			}),
		},
		{
			name: "the name and address are stored trimmed, the country in upper case",
			when: createChild(partner, newCustomer(func(c *account.Create) {
				c.Name = "  Acme Storage\n"
				c.Address = account.Address{Line1: " Hafenstrasse 12 ", Line2: "Halle 3 ", City: "\tHamburg", PostalCode: " 20457", Country: "de "}
			})),
			then: history(customerCreated),
		},
		{
			name:    "creating an account twice is refused",
			given:   history(customerCreated),
			when:    createChild(partner, newCustomer()),
			thenErr: account.ErrAlreadyExists,
		},
		{
			name:    "an unknown parent is refused",
			when:    createChild(account.Account{}, newCustomer()),
			thenErr: account.ErrUnknownParent,
		},
		{
			name:    "a parent other than the one the command names is refused",
			when:    createChild(platform, newCustomer()),
			thenErr: account.ErrUnknownParent,
		},
		{
			name:    "a child without a parent is refused: only the root has none",
			when:    createChild(account.Account{}, newCustomer(func(c *account.Create) { c.ParentID = "" })),
			thenErr: account.ErrUnknownParent,
		},
		{
			name: "the platform root holds a support team",
			when: createChild(platform, newCustomer(func(c *account.Create) { c.ParentID, c.Kind = "platform", account.KindSupportTeam })),
			then: history(account.Created{
				AccountID: "acme", ParentID: "platform", Kind: account.KindSupportTeam, Name: "Acme Storage",
				Address: warehouse, RegistrationCode: "EFGH-JKMN-PQRS",
			}),
		},
		{
			name:    "a support team belongs directly below the root, not below a partner",
			when:    createChild(partner, newCustomer(func(c *account.Create) { c.Kind = account.KindSupportTeam })),
			thenErr: account.ErrSupportTeamPlace,
		},
		{
			name:    "a customer cannot hold accounts",
			when:    createChild(customer, newCustomer(func(c *account.Create) { c.AccountID, c.ParentID = "acme-east", "acme" })),
			thenErr: account.ErrParentNotPartner,
		},
		{
			name:    "the state is checked before the content: an existing account wins over a bad name",
			given:   history(customerCreated),
			when:    createChild(partner, newCustomer(func(c *account.Create) { c.Name = "" })),
			thenErr: account.ErrAlreadyExists,
		},
		{
			name:    "an account needs an id",
			when:    createChild(partner, newCustomer(func(c *account.Create) { c.AccountID = "" })),
			thenErr: refused("account_id"),
		},
		{
			name:    "an account needs a kind",
			when:    createChild(partner, newCustomer(func(c *account.Create) { c.Kind = "" })),
			thenErr: refused("kind"),
		},
		{
			name:    "an unknown kind is refused",
			when:    createChild(partner, newCustomer(func(c *account.Create) { c.Kind = "reseller" })),
			thenErr: refused("kind"),
		},
		{
			name:    "an account needs a name",
			when:    createChild(partner, newCustomer(func(c *account.Create) { c.Name = " " })),
			thenErr: refused("name"),
		},
		{
			name:    "an account needs a city",
			when:    createChild(partner, newCustomer(func(c *account.Create) { c.Address.City = "" })),
			thenErr: refused("address.city"),
		},
		{
			name:    "an account needs a registration code",
			when:    createChild(partner, newCustomer(func(c *account.Create) { c.RegistrationCode = "" })),
			thenErr: refused("registration_code"),
		},
		{
			name:    "a registration code must be in canonical form",
			when:    createChild(partner, newCustomer(func(c *account.Create) { c.RegistrationCode = "efghjkmnpqrs" })),
			thenErr: refused("registration_code"),
		},
		{
			name:    "a malformed registration code is refused",
			when:    createChild(partner, newCustomer(func(c *account.Create) { c.RegistrationCode = "EFGH-JKMN-PQR0" })),
			thenErr: refused("registration_code"),
		},
	})
}

func TestCreateRoot(t *testing.T) {
	root := account.Create{
		AccountID: "platform", Kind: account.KindPartner, Name: "Camcloud",
		Address: headOffice, RegistrationCode: "2345-6789-ABCD",
	}
	with := func(edit func(*account.Create)) account.Create {
		cmd := root
		edit(&cmd)
		return cmd
	}
	check(t, []rule{
		{
			name: "the platform root is a partner without a parent",
			when: createRoot(root),
			then: history(platformCreated),
		},
		{
			name: "the root is a partner when no kind is given",
			when: createRoot(with(func(c *account.Create) { c.Kind = "" })),
			then: history(platformCreated),
		},
		{
			name:    "the root cannot be a customer",
			when:    createRoot(with(func(c *account.Create) { c.Kind = account.KindCustomer })),
			thenErr: refused("kind"),
		},
		{
			name:    "the root has no parent",
			when:    createRoot(with(func(c *account.Create) { c.ParentID = "northwind" })),
			thenErr: refused("parent_id"),
		},
		{
			name:    "creating the root twice is refused",
			given:   history(platformCreated),
			when:    createRoot(root),
			thenErr: account.ErrAlreadyExists,
		},
		{
			name:    "the root's content is validated like any account's",
			when:    createRoot(with(func(c *account.Create) { c.Address.Country = "USA" })),
			thenErr: refused("address.country"),
		},
	})
}

func TestRename(t *testing.T) {
	renamed := func(name string) []account.Event {
		return history(account.Renamed{AccountID: "acme", Name: name})
	}
	check(t, []rule{
		{
			name:  "an account is renamed",
			given: history(customerCreated),
			when:  rename("Acme Storage West"),
			then:  renamed("Acme Storage West"),
		},
		{
			name:  "the new name is stored trimmed",
			given: history(customerCreated),
			when:  rename("  Acme Storage West \t"),
			then:  renamed("Acme Storage West"),
		},
		{
			name:  "renaming to the current name changes nothing",
			given: history(customerCreated),
			when:  rename("Acme Storage"),
		},
		{
			name:  "renaming to the current name with white space around changes nothing",
			given: history(customerCreated),
			when:  rename(" Acme Storage "),
		},
		{
			name:  "renaming back to an earlier name is a change",
			given: history(customerCreated, account.Renamed{AccountID: "acme", Name: "Acme West"}),
			when:  rename("Acme Storage"),
			then:  renamed("Acme Storage"),
		},
		{
			name:  "a name of 200 characters is accepted, however many bytes they take",
			given: history(customerCreated),
			when:  rename(strings.Repeat("é", 200)),
			then:  renamed(strings.Repeat("é", 200)),
		},
		{
			name:  "names may use any script and punctuation",
			given: history(customerCreated),
			when:  rename("Müller & Söhne — 東京 (Ōsaka) 🎥"),
			then:  renamed("Müller & Söhne — 東京 (Ōsaka) 🎥"),
		},
		{
			name:    "an account that does not exist cannot be renamed",
			when:    rename("Acme"),
			thenErr: account.ErrNotFound,
		},
		{
			name:    "an empty name is refused",
			given:   history(customerCreated),
			when:    rename(""),
			thenErr: refused("name"),
		},
		{
			name:    "a name of only white space is refused",
			given:   history(customerCreated),
			when:    rename(" \t\n "),
			thenErr: refused("name"),
		},
		{
			name:    "a name of 201 characters is refused",
			given:   history(customerCreated),
			when:    rename(strings.Repeat("é", 201)),
			thenErr: refused("name"),
		},
		{
			name:    "a name with a line break inside is refused",
			given:   history(customerCreated),
			when:    rename("Acme\nStorage"),
			thenErr: refused("name"),
		},
		{
			name:    "a name with a tab inside is refused",
			given:   history(customerCreated),
			when:    rename("Acme\tStorage"),
			thenErr: refused("name"),
		},
		{
			name:    "a name with a NUL is refused",
			given:   history(customerCreated),
			when:    rename("Acme\x00"),
			thenErr: refused("name"),
		},
		{
			name:    "a name with DEL is refused",
			given:   history(customerCreated),
			when:    rename("Acme\x7f"),
			thenErr: refused("name"),
		},
		{
			name:    "a name with a C1 control character is refused",
			given:   history(customerCreated),
			when:    rename("Acme\u0085Storage"),
			thenErr: refused("name"),
		},
		{
			name:    "a name with a line separator is refused",
			given:   history(customerCreated),
			when:    rename("Acme\u2028Storage"),
			thenErr: refused("name"),
		},
		{
			name:    "a name that is not valid UTF-8 is refused",
			given:   history(customerCreated),
			when:    rename("Acme \xff"),
			thenErr: refused("name"),
		},
	})
}

func TestChangeAddress(t *testing.T) {
	moved := account.Address{Line1: "Speicherstadt 7", City: "Hamburg", PostalCode: "20457", Country: "DE"}
	edited := func(edit func(*account.Address)) account.Address {
		addr := warehouse
		edit(&addr)
		return addr
	}
	check(t, []rule{
		{
			name:  "an account moves",
			given: history(customerCreated),
			when:  changeAddress(moved),
			then:  history(account.AddressChanged{AccountID: "acme", Address: moved}),
		},
		{
			name:  "the new address replaces the old one as a whole",
			given: history(customerCreated),
			when:  changeAddress(edited(func(a *account.Address) { a.Line2 = "" })),
			then: history(account.AddressChanged{AccountID: "acme", Address: account.Address{
				Line1: "Hafenstrasse 12", City: "Hamburg", PostalCode: "20457", Country: "DE",
			}}),
		},
		{
			name:  "the new address is stored trimmed, the country in upper case",
			given: history(customerCreated),
			when: changeAddress(account.Address{
				Line1: " Speicherstadt 7", City: "Hamburg ", PostalCode: " 20457 ", Region: "  ", Country: "de",
			}),
			then: history(account.AddressChanged{AccountID: "acme", Address: moved}),
		},
		{
			name:  "the same address changes nothing",
			given: history(customerCreated),
			when:  changeAddress(warehouse),
		},
		{
			name:  "the same address in another spelling of the country changes nothing",
			given: history(customerCreated),
			when:  changeAddress(edited(func(a *account.Address) { a.Country = " de" })),
		},
		{
			name:  "a postal code of 20 characters is accepted",
			given: history(customerCreated),
			when:  changeAddress(edited(func(a *account.Address) { a.PostalCode = strings.Repeat("9", 20) })),
			then: history(account.AddressChanged{AccountID: "acme", Address: edited(func(a *account.Address) {
				a.PostalCode = strings.Repeat("9", 20)
			})}),
		},
		{
			name:    "an account that does not exist cannot move",
			when:    changeAddress(moved),
			thenErr: account.ErrNotFound,
		},
		{
			name:    "an address needs a first line",
			given:   history(customerCreated),
			when:    changeAddress(edited(func(a *account.Address) { a.Line1 = " " })),
			thenErr: refused("address.line1"),
		},
		{
			name:    "an address needs a city",
			given:   history(customerCreated),
			when:    changeAddress(edited(func(a *account.Address) { a.City = "" })),
			thenErr: refused("address.city"),
		},
		{
			name:    "an address needs a country",
			given:   history(customerCreated),
			when:    changeAddress(edited(func(a *account.Address) { a.Country = "" })),
			thenErr: refused("address.country"),
		},
		{
			name:    "a country must be a two-letter code, not three",
			given:   history(customerCreated),
			when:    changeAddress(edited(func(a *account.Address) { a.Country = "DEU" })),
			thenErr: refused("address.country"),
		},
		{
			name:    "a country must be a two-letter code, not a name",
			given:   history(customerCreated),
			when:    changeAddress(edited(func(a *account.Address) { a.Country = "Germany" })),
			thenErr: refused("address.country"),
		},
		{
			name:    "a country code has only letters",
			given:   history(customerCreated),
			when:    changeAddress(edited(func(a *account.Address) { a.Country = "D1" })),
			thenErr: refused("address.country"),
		},
		{
			name:    "a country code has only ASCII letters",
			given:   history(customerCreated),
			when:    changeAddress(edited(func(a *account.Address) { a.Country = "DÉ" })),
			thenErr: refused("address.country"),
		},
		{
			name:    "a postal code of 21 characters is refused",
			given:   history(customerCreated),
			when:    changeAddress(edited(func(a *account.Address) { a.PostalCode = strings.Repeat("9", 21) })),
			thenErr: refused("address.postal_code"),
		},
		{
			name:    "a first line of 201 characters is refused",
			given:   history(customerCreated),
			when:    changeAddress(edited(func(a *account.Address) { a.Line1 = strings.Repeat("x", 201) })),
			thenErr: refused("address.line1"),
		},
		{
			name:    "a second line of 201 characters is refused",
			given:   history(customerCreated),
			when:    changeAddress(edited(func(a *account.Address) { a.Line2 = strings.Repeat("x", 201) })),
			thenErr: refused("address.line2"),
		},
		{
			name:    "a city of 201 characters is refused",
			given:   history(customerCreated),
			when:    changeAddress(edited(func(a *account.Address) { a.City = strings.Repeat("x", 201) })),
			thenErr: refused("address.city"),
		},
		{
			name:    "a region of 201 characters is refused",
			given:   history(customerCreated),
			when:    changeAddress(edited(func(a *account.Address) { a.Region = strings.Repeat("x", 201) })),
			thenErr: refused("address.region"),
		},
		{
			name:    "a line break inside a line is refused",
			given:   history(customerCreated),
			when:    changeAddress(edited(func(a *account.Address) { a.Line1 = "Hafenstrasse\r\n12" })),
			thenErr: refused("address.line1"),
		},
		{
			name:    "a control character in the region is refused",
			given:   history(customerCreated),
			when:    changeAddress(edited(func(a *account.Address) { a.Region = "Ham\x1bburg" })),
			thenErr: refused("address.region"),
		},
		{
			name:    "the first field in error is reported",
			given:   history(customerCreated),
			when:    changeAddress(account.Address{}),
			thenErr: refused("address.line1"),
		},
	})
}

func TestRotateRegistrationCode(t *testing.T) {
	check(t, []rule{
		{
			name:  "an account moves to a new registration code",
			given: history(customerCreated),
			when:  rotate("WXYZ-2345-6789"),
			then: history(account.RegistrationCodeRotated{
				AccountID: "acme", Previous: "EFGH-JKMN-PQRS", Code: "WXYZ-2345-6789",
			}),
		},
		{
			name: "the previous code is the current one, not the first",
			given: history(customerCreated, account.RegistrationCodeRotated{
				AccountID: "acme", Previous: "EFGH-JKMN-PQRS", Code: "WXYZ-2345-6789",
			}),
			when: rotate("EFGH-JKMN-PQRS"),
			then: history(account.RegistrationCodeRotated{
				AccountID: "acme", Previous: "WXYZ-2345-6789", Code: "EFGH-JKMN-PQRS",
			}),
		},
		{
			name:    "rotating to the current code is refused",
			given:   history(customerCreated),
			when:    rotate("EFGH-JKMN-PQRS"),
			thenErr: refused("registration_code"),
		},
		{
			name:    "the new code must be in canonical form",
			given:   history(customerCreated),
			when:    rotate("wxyz2345-6789"),
			thenErr: refused("registration_code"),
		},
		{
			name:    "the new code must not be empty",
			given:   history(customerCreated),
			when:    rotate(""),
			thenErr: refused("registration_code"),
		},
		{
			name:    "an account that does not exist has no code to rotate",
			when:    rotate("WXYZ-2345-6789"),
			thenErr: account.ErrNotFound,
		},
	})
}

// unknownEvent stands for an event type a later version adds to the account stream.
type unknownEvent struct{}

func (unknownEvent) EventType() string { return "account.merged.v1" }

func TestFold(t *testing.T) {
	tests := []struct {
		name   string
		events []account.Event
		want   account.Account
	}{
		{
			name: "an empty stream is an account that does not exist",
			want: account.Account{},
		},
		{
			name:   "a created account",
			events: history(customerCreated),
			want: account.Account{
				ID: "acme", ParentID: "northwind", Kind: account.KindCustomer, Name: "Acme Storage",
				Address: warehouse, RegistrationCode: "EFGH-JKMN-PQRS", Status: account.StatusActive, Exists: true,
			},
		},
		{
			name:   "the platform root has no parent",
			events: history(platformCreated),
			want: account.Account{
				ID: "platform", Kind: account.KindPartner, Name: "Camcloud",
				Address: headOffice, RegistrationCode: "2345-6789-ABCD", Status: account.StatusActive, Exists: true,
			},
		},
		{
			name: "a full history: the latest of every change counts",
			events: history(
				customerCreated,
				account.Renamed{AccountID: "acme", Name: "Acme West"},
				account.AddressChanged{AccountID: "acme", Address: headOffice},
				account.RegistrationCodeRotated{AccountID: "acme", Previous: "EFGH-JKMN-PQRS", Code: "WXYZ-2345-6789"},
				account.Renamed{AccountID: "acme", Name: "Acme Storage West"},
				account.RegistrationCodeRotated{AccountID: "acme", Previous: "WXYZ-2345-6789", Code: "K7QF-3MZP-9XRA"},
			),
			want: account.Account{
				ID: "acme", ParentID: "northwind", Kind: account.KindCustomer, Name: "Acme Storage West",
				Address: headOffice, RegistrationCode: "K7QF-3MZP-9XRA", Status: account.StatusActive, Exists: true,
			},
		},
		{
			name: "reservations and unknown event types leave the state as it is",
			events: history(
				customerCreated,
				account.RegistrationCodeReserved{Code: "WXYZ-2345-6789", AccountID: "acme"},
				unknownEvent{},
			),
			want: customer,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := account.Fold(tt.events...); got != tt.want {
				t.Errorf("Fold() =\n\t%#v\nwant\n\t%#v", got, tt.want)
			}
		})
	}
}

func TestApplyLeavesTheOriginalUnchanged(t *testing.T) {
	before := customer
	after := before.Apply(account.Renamed{AccountID: "acme", Name: "Acme West"})
	if before.Name != "Acme Storage" || after.Name != "Acme West" {
		t.Errorf("before.Name = %q, after.Name = %q; want %q, %q", before.Name, after.Name, "Acme Storage", "Acme West")
	}
}

func TestValidationError(t *testing.T) {
	_, err := customer.Rename("")
	if got, want := err.Error(), "name: must not be empty"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, account.ErrInvalid) {
		t.Errorf("errors.Is(%v, ErrInvalid) = false", err)
	}
	if errors.Is(err, account.ErrNotFound) {
		t.Errorf("errors.Is(%v, ErrNotFound) = true", err)
	}
	var byPointer *account.ValidationError
	if !errors.As(err, &byPointer) || byPointer.Field != "name" {
		t.Errorf("errors.As(*ValidationError) gave %#v", byPointer)
	}
	var byValue account.ValidationError
	if !errors.As(err, &byValue) || byValue.Field != "name" {
		t.Errorf("errors.As(ValidationError) gave %#v", byValue)
	}
}
