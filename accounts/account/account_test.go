package account_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/domain/domaintest"
)

// rule is one business rule of the account aggregate (domaintest.Rule).
type rule = domaintest.Rule[account.Account, account.Event]

// refused is the error a rule expects when the command is invalid in field.
func refused(field string) error { return domaintest.Refused(field) }

func check(t *testing.T, rules []rule) {
	t.Helper()
	domaintest.Check(t, account.Account.Apply, rules)
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
			Name: "a partner creates a customer account",
			When: createChild(partner, newCustomer()),
			Then: history(customerCreated),
		},
		{
			Name: "a partner creates a sub-partner",
			When: createChild(partner, newCustomer(func(c *account.Create) { c.Kind = account.KindPartner })),
			Then: history(account.Created{
				AccountID: "acme", ParentID: "northwind", Kind: account.KindPartner, Name: "Acme Storage",
				Address: warehouse, RegistrationCode: "EFGH-JKMN-PQRS",
			}),
		},
		{
			Name: "the name and address are stored trimmed, the country in upper case",
			When: createChild(partner, newCustomer(func(c *account.Create) {
				c.Name = "  Acme Storage\n"
				c.Address = account.Address{Line1: " Hafenstrasse 12 ", Line2: "Halle 3 ", City: "\tHamburg", PostalCode: " 20457", Country: "de "}
			})),
			Then: history(customerCreated),
		},
		{
			Name:    "creating an account twice is refused",
			Given:   history(customerCreated),
			When:    createChild(partner, newCustomer()),
			ThenErr: account.ErrAlreadyExists,
		},
		{
			Name:    "an unknown parent is refused",
			When:    createChild(account.Account{}, newCustomer()),
			ThenErr: account.ErrUnknownParent,
		},
		{
			Name:    "a parent other than the one the command names is refused",
			When:    createChild(platform, newCustomer()),
			ThenErr: account.ErrUnknownParent,
		},
		{
			Name:    "a child without a parent is refused: only the root has none",
			When:    createChild(account.Account{}, newCustomer(func(c *account.Create) { c.ParentID = "" })),
			ThenErr: account.ErrUnknownParent,
		},
		{
			Name: "the platform root holds a support team",
			When: createChild(platform, newCustomer(func(c *account.Create) { c.ParentID, c.Kind = "platform", account.KindSupportTeam })),
			Then: history(account.Created{
				AccountID: "acme", ParentID: "platform", Kind: account.KindSupportTeam, Name: "Acme Storage",
				Address: warehouse, RegistrationCode: "EFGH-JKMN-PQRS",
			}),
		},
		{
			Name:    "a support team belongs directly below the root, not below a partner",
			When:    createChild(partner, newCustomer(func(c *account.Create) { c.Kind = account.KindSupportTeam })),
			ThenErr: account.ErrSupportTeamPlace,
		},
		{
			Name:    "a customer cannot hold accounts",
			When:    createChild(customer, newCustomer(func(c *account.Create) { c.AccountID, c.ParentID = "acme-east", "acme" })),
			ThenErr: account.ErrParentNotPartner,
		},
		{
			Name:    "the state is checked before the content: an existing account wins over a bad name",
			Given:   history(customerCreated),
			When:    createChild(partner, newCustomer(func(c *account.Create) { c.Name = "" })),
			ThenErr: account.ErrAlreadyExists,
		},
		{
			Name:    "an account needs an id",
			When:    createChild(partner, newCustomer(func(c *account.Create) { c.AccountID = "" })),
			ThenErr: refused("account_id"),
		},
		{
			Name:    "an account needs a kind",
			When:    createChild(partner, newCustomer(func(c *account.Create) { c.Kind = "" })),
			ThenErr: refused("kind"),
		},
		{
			Name:    "an unknown kind is refused",
			When:    createChild(partner, newCustomer(func(c *account.Create) { c.Kind = "reseller" })),
			ThenErr: refused("kind"),
		},
		{
			Name:    "an account needs a name",
			When:    createChild(partner, newCustomer(func(c *account.Create) { c.Name = " " })),
			ThenErr: refused("name"),
		},
		{
			Name:    "an account needs a city",
			When:    createChild(partner, newCustomer(func(c *account.Create) { c.Address.City = "" })),
			ThenErr: refused("address.city"),
		},
		{
			Name:    "an account needs a registration code",
			When:    createChild(partner, newCustomer(func(c *account.Create) { c.RegistrationCode = "" })),
			ThenErr: refused("registration_code"),
		},
		{
			Name:    "a registration code must be in canonical form",
			When:    createChild(partner, newCustomer(func(c *account.Create) { c.RegistrationCode = "efghjkmnpqrs" })),
			ThenErr: refused("registration_code"),
		},
		{
			Name:    "a malformed registration code is refused",
			When:    createChild(partner, newCustomer(func(c *account.Create) { c.RegistrationCode = "EFGH-JKMN-PQR0" })),
			ThenErr: refused("registration_code"),
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
			Name: "the platform root is a partner without a parent",
			When: createRoot(root),
			Then: history(platformCreated),
		},
		{
			Name: "the root is a partner when no kind is given",
			When: createRoot(with(func(c *account.Create) { c.Kind = "" })),
			Then: history(platformCreated),
		},
		{
			Name:    "the root cannot be a customer",
			When:    createRoot(with(func(c *account.Create) { c.Kind = account.KindCustomer })),
			ThenErr: refused("kind"),
		},
		{
			Name:    "the root has no parent",
			When:    createRoot(with(func(c *account.Create) { c.ParentID = "northwind" })),
			ThenErr: refused("parent_id"),
		},
		{
			Name:    "creating the root twice is refused",
			Given:   history(platformCreated),
			When:    createRoot(root),
			ThenErr: account.ErrAlreadyExists,
		},
		{
			Name:    "the root's content is validated like any account's",
			When:    createRoot(with(func(c *account.Create) { c.Address.Country = "USA" })),
			ThenErr: refused("address.country"),
		},
		{
			Name:    "two letters that name no country are refused",
			When:    createRoot(with(func(c *account.Create) { c.Address.Country = "ZZ" })),
			ThenErr: refused("address.country"),
		},
		{
			Name:    "a region that is no country is refused",
			When:    createRoot(with(func(c *account.Create) { c.Address.Country = "EU" })),
			ThenErr: refused("address.country"),
		},
	})
}

func TestRename(t *testing.T) {
	renamed := func(name string) []account.Event {
		return history(account.Renamed{AccountID: "acme", Name: name})
	}
	check(t, []rule{
		{
			Name:  "an account is renamed",
			Given: history(customerCreated),
			When:  rename("Acme Storage West"),
			Then:  renamed("Acme Storage West"),
		},
		{
			Name:  "the new name is stored trimmed",
			Given: history(customerCreated),
			When:  rename("  Acme Storage West \t"),
			Then:  renamed("Acme Storage West"),
		},
		{
			Name:  "renaming to the current name changes nothing",
			Given: history(customerCreated),
			When:  rename("Acme Storage"),
		},
		{
			Name:  "renaming to the current name with white space around changes nothing",
			Given: history(customerCreated),
			When:  rename(" Acme Storage "),
		},
		{
			Name:  "renaming back to an earlier name is a change",
			Given: history(customerCreated, account.Renamed{AccountID: "acme", Name: "Acme West"}),
			When:  rename("Acme Storage"),
			Then:  renamed("Acme Storage"),
		},
		{
			Name:  "a name of 200 characters is accepted, however many bytes they take",
			Given: history(customerCreated),
			When:  rename(strings.Repeat("é", 200)),
			Then:  renamed(strings.Repeat("é", 200)),
		},
		{
			Name:  "names may use any script and punctuation",
			Given: history(customerCreated),
			When:  rename("Müller & Söhne — 東京 (Ōsaka) 🎥"),
			Then:  renamed("Müller & Söhne — 東京 (Ōsaka) 🎥"),
		},
		{
			Name:    "an account that does not exist cannot be renamed",
			When:    rename("Acme"),
			ThenErr: account.ErrNotFound,
		},
		{
			Name:    "an empty name is refused",
			Given:   history(customerCreated),
			When:    rename(""),
			ThenErr: refused("name"),
		},
		{
			Name:    "a name of only white space is refused",
			Given:   history(customerCreated),
			When:    rename(" \t\n "),
			ThenErr: refused("name"),
		},
		{
			Name:    "a name of 201 characters is refused",
			Given:   history(customerCreated),
			When:    rename(strings.Repeat("é", 201)),
			ThenErr: refused("name"),
		},
		{
			Name:    "a name with a line break inside is refused",
			Given:   history(customerCreated),
			When:    rename("Acme\nStorage"),
			ThenErr: refused("name"),
		},
		{
			Name:    "a name with a tab inside is refused",
			Given:   history(customerCreated),
			When:    rename("Acme\tStorage"),
			ThenErr: refused("name"),
		},
		{
			Name:    "a name with a NUL is refused",
			Given:   history(customerCreated),
			When:    rename("Acme\x00"),
			ThenErr: refused("name"),
		},
		{
			Name:    "a name with DEL is refused",
			Given:   history(customerCreated),
			When:    rename("Acme\x7f"),
			ThenErr: refused("name"),
		},
		{
			Name:    "a name with a C1 control character is refused",
			Given:   history(customerCreated),
			When:    rename("Acme\u0085Storage"),
			ThenErr: refused("name"),
		},
		{
			Name:    "a name with a line separator is refused",
			Given:   history(customerCreated),
			When:    rename("Acme\u2028Storage"),
			ThenErr: refused("name"),
		},
		{
			Name:    "a name that is not valid UTF-8 is refused",
			Given:   history(customerCreated),
			When:    rename("Acme \xff"),
			ThenErr: refused("name"),
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
			Name:  "an account moves",
			Given: history(customerCreated),
			When:  changeAddress(moved),
			Then:  history(account.AddressChanged{AccountID: "acme", Address: moved}),
		},
		{
			Name:  "the new address replaces the old one as a whole",
			Given: history(customerCreated),
			When:  changeAddress(edited(func(a *account.Address) { a.Line2 = "" })),
			Then: history(account.AddressChanged{AccountID: "acme", Address: account.Address{
				Line1: "Hafenstrasse 12", City: "Hamburg", PostalCode: "20457", Country: "DE",
			}}),
		},
		{
			Name:  "the new address is stored trimmed, the country in upper case",
			Given: history(customerCreated),
			When: changeAddress(account.Address{
				Line1: " Speicherstadt 7", City: "Hamburg ", PostalCode: " 20457 ", Region: "  ", Country: "de",
			}),
			Then: history(account.AddressChanged{AccountID: "acme", Address: moved}),
		},
		{
			Name:  "the same address changes nothing",
			Given: history(customerCreated),
			When:  changeAddress(warehouse),
		},
		{
			Name:  "the same address in another spelling of the country changes nothing",
			Given: history(customerCreated),
			When:  changeAddress(edited(func(a *account.Address) { a.Country = " de" })),
		},
		{
			Name:  "a postal code of 20 characters is accepted",
			Given: history(customerCreated),
			When:  changeAddress(edited(func(a *account.Address) { a.PostalCode = strings.Repeat("9", 20) })),
			Then: history(account.AddressChanged{AccountID: "acme", Address: edited(func(a *account.Address) {
				a.PostalCode = strings.Repeat("9", 20)
			})}),
		},
		{
			Name:    "an account that does not exist cannot move",
			When:    changeAddress(moved),
			ThenErr: account.ErrNotFound,
		},
		{
			Name:    "an address needs a first line",
			Given:   history(customerCreated),
			When:    changeAddress(edited(func(a *account.Address) { a.Line1 = " " })),
			ThenErr: refused("address.line1"),
		},
		{
			Name:    "an address needs a city",
			Given:   history(customerCreated),
			When:    changeAddress(edited(func(a *account.Address) { a.City = "" })),
			ThenErr: refused("address.city"),
		},
		{
			Name:    "an address needs a country",
			Given:   history(customerCreated),
			When:    changeAddress(edited(func(a *account.Address) { a.Country = "" })),
			ThenErr: refused("address.country"),
		},
		{
			Name:    "a country must be a two-letter code, not three",
			Given:   history(customerCreated),
			When:    changeAddress(edited(func(a *account.Address) { a.Country = "DEU" })),
			ThenErr: refused("address.country"),
		},
		{
			Name:    "a country must be a two-letter code, not a name",
			Given:   history(customerCreated),
			When:    changeAddress(edited(func(a *account.Address) { a.Country = "Germany" })),
			ThenErr: refused("address.country"),
		},
		{
			Name:    "a country code has only letters",
			Given:   history(customerCreated),
			When:    changeAddress(edited(func(a *account.Address) { a.Country = "D1" })),
			ThenErr: refused("address.country"),
		},
		{
			Name:    "a country code has only ASCII letters",
			Given:   history(customerCreated),
			When:    changeAddress(edited(func(a *account.Address) { a.Country = "DÉ" })),
			ThenErr: refused("address.country"),
		},
		{
			Name:    "a postal code of 21 characters is refused",
			Given:   history(customerCreated),
			When:    changeAddress(edited(func(a *account.Address) { a.PostalCode = strings.Repeat("9", 21) })),
			ThenErr: refused("address.postal_code"),
		},
		{
			Name:    "a first line of 201 characters is refused",
			Given:   history(customerCreated),
			When:    changeAddress(edited(func(a *account.Address) { a.Line1 = strings.Repeat("x", 201) })),
			ThenErr: refused("address.line1"),
		},
		{
			Name:    "a second line of 201 characters is refused",
			Given:   history(customerCreated),
			When:    changeAddress(edited(func(a *account.Address) { a.Line2 = strings.Repeat("x", 201) })),
			ThenErr: refused("address.line2"),
		},
		{
			Name:    "a city of 201 characters is refused",
			Given:   history(customerCreated),
			When:    changeAddress(edited(func(a *account.Address) { a.City = strings.Repeat("x", 201) })),
			ThenErr: refused("address.city"),
		},
		{
			Name:    "a region of 201 characters is refused",
			Given:   history(customerCreated),
			When:    changeAddress(edited(func(a *account.Address) { a.Region = strings.Repeat("x", 201) })),
			ThenErr: refused("address.region"),
		},
		{
			Name:    "a line break inside a line is refused",
			Given:   history(customerCreated),
			When:    changeAddress(edited(func(a *account.Address) { a.Line1 = "Hafenstrasse\r\n12" })),
			ThenErr: refused("address.line1"),
		},
		{
			Name:    "a control character in the region is refused",
			Given:   history(customerCreated),
			When:    changeAddress(edited(func(a *account.Address) { a.Region = "Ham\x1bburg" })),
			ThenErr: refused("address.region"),
		},
		{
			Name:    "the first field in error is reported",
			Given:   history(customerCreated),
			When:    changeAddress(account.Address{}),
			ThenErr: refused("address.line1"),
		},
	})
}

func TestRotateRegistrationCode(t *testing.T) {
	check(t, []rule{
		{
			Name:  "an account moves to a new registration code",
			Given: history(customerCreated),
			When:  rotate("WXYZ-2345-6789"),
			Then: history(account.RegistrationCodeRotated{
				AccountID: "acme", Previous: "EFGH-JKMN-PQRS", Code: "WXYZ-2345-6789",
			}),
		},
		{
			Name: "the previous code is the current one, not the first",
			Given: history(customerCreated, account.RegistrationCodeRotated{
				AccountID: "acme", Previous: "EFGH-JKMN-PQRS", Code: "WXYZ-2345-6789",
			}),
			When: rotate("EFGH-JKMN-PQRS"),
			Then: history(account.RegistrationCodeRotated{
				AccountID: "acme", Previous: "WXYZ-2345-6789", Code: "EFGH-JKMN-PQRS",
			}),
		},
		{
			Name:    "rotating to the current code is refused",
			Given:   history(customerCreated),
			When:    rotate("EFGH-JKMN-PQRS"),
			ThenErr: refused("registration_code"),
		},
		{
			Name:    "the new code must be in canonical form",
			Given:   history(customerCreated),
			When:    rotate("wxyz2345-6789"),
			ThenErr: refused("registration_code"),
		},
		{
			Name:    "the new code must not be empty",
			Given:   history(customerCreated),
			When:    rotate(""),
			ThenErr: refused("registration_code"),
		},
		{
			Name:    "an account that does not exist has no code to rotate",
			When:    rotate("WXYZ-2345-6789"),
			ThenErr: account.ErrNotFound,
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
