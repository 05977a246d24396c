// Package details holds an account's billing details: the company invoices are made out to, its
// address, tax ID and billing e-mail, which the account's billing managers edit; and what only
// the accounts above it set: the tax rate its invoices charge, and the billing addresses a
// partner or the platform assigns. While several addresses are assigned the details are not the
// account's to edit: they are managed above it.
//
// The package is pure: decisions are functions from the folded state and a command to events or
// a typed error.
package details

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/domain/field"
)

// Event is a fact about an account's billing details.
type Event interface{ EventType() string }

// Changed records the details an account's billing managers gave, whole.
type Changed struct {
	AccountID   string          `json:"account_id"`
	CompanyName string          `json:"company_name"`
	Address     account.Address `json:"address"`
	TaxID       string          `json:"tax_id"`
	Email       string          `json:"email"`
}

// AddressesAssigned records the billing addresses assigned from above (none: the account's own).
type AddressesAssigned struct {
	AccountID string            `json:"account_id"`
	Addresses []account.Address `json:"addresses"`
}

// TaxRateSet records the tax rate, in basis points, its invoices charge from now on.
type TaxRateSet struct {
	AccountID string `json:"account_id"`
	TaxRateBP int64  `json:"tax_rate_bp"`
}

func (Changed) EventType() string           { return "billing-details.changed.v1" }
func (AddressesAssigned) EventType() string { return "billing-details.addresses-assigned.v1" }
func (TaxRateSet) EventType() string        { return "billing-details.tax-rate-set.v1" }

// Events returns a zero value of every event type of this package, to register with a codec.
func Events() []Event { return []Event{Changed{}, AddressesAssigned{}, TaxRateSet{}} }

// Details is an account's billing details stream, folded.
type Details struct {
	Changed
	Assigned  []account.Address
	TaxRateBP int64
}

// Apply returns the details after e.
func (d Details) Apply(e Event) Details {
	switch e := e.(type) {
	case Changed:
		d.Changed = e
	case AddressesAssigned:
		d.AccountID, d.Assigned = e.AccountID, append([]account.Address(nil), e.Addresses...)
	case TaxRateSet:
		d.AccountID, d.TaxRateBP = e.AccountID, e.TaxRateBP
	}
	return d
}

// Editable reports whether the account's billing managers may change the details: not while
// several billing addresses are assigned to it.
func (d Details) Editable() bool { return len(d.Assigned) <= 1 }

// ErrManaged refuses a change of details that are managed above the account.
var ErrManaged = fault.New(fault.State, "the billing details are managed for this account").With(fault.Problem{
	Type: "billing-details-managed", Title: "Billing details managed",
	Detail: "several billing addresses are assigned to this account, so its billing details cannot be changed here: contact technical support",
})

// Patch is a change of details: nil fields stay as they are.
type Patch struct {
	CompanyName *string
	Address     *account.Address
	TaxID       *string
	Email       *string
}

// Change decides a change of the details.
func (d Details) Change(accountID string, p Patch) ([]Event, error) {
	if !d.Editable() {
		return nil, ErrManaged
	}
	next := d.Changed
	next.AccountID = accountID
	var err error
	if p.CompanyName != nil {
		if next.CompanyName, err = field.Text("company_name", *p.CompanyName, true, 200); err != nil {
			return nil, err
		}
	}
	if p.Address != nil {
		if next.Address, err = p.Address.Normalized(); err != nil {
			return nil, err
		}
	}
	if p.TaxID != nil {
		if next.TaxID, err = field.Text("tax_id", *p.TaxID, false, 40); err != nil {
			return nil, err
		}
	}
	if p.Email != nil {
		email := strings.TrimSpace(*p.Email)
		if a, err := mail.ParseAddress(email); email != "" && (err != nil || a.Address != email) {
			return nil, field.Invalid("email", "must be an e-mail address like billing@example.com")
		}
		next.Email = email
	}
	if next == d.Changed {
		return nil, nil
	}
	return []Event{next}, nil
}

// AssignAddresses decides the billing addresses assigned from above.
func (d Details) AssignAddresses(accountID string, addresses []account.Address) ([]Event, error) {
	if len(addresses) > 20 {
		return nil, field.Invalid("addresses", "must hold at most 20 addresses")
	}
	out := make([]account.Address, len(addresses))
	for i, a := range addresses {
		normalized, err := a.Normalized()
		if err != nil {
			return nil, fault.Within(fmt.Sprintf("addresses[%d]", i), err)
		}
		out[i] = normalized
	}
	if d.AccountID != "" && slices.Equal(out, d.Assigned) {
		return nil, nil // assigned already: nothing changes
	}
	return []Event{AddressesAssigned{AccountID: accountID, Addresses: out}}, nil
}

// SetTaxRate decides the tax rate its invoices charge, in basis points (2000 is 20 %).
func (d Details) SetTaxRate(accountID string, bp int64) ([]Event, error) {
	if bp < 0 || bp > 10_000 {
		return nil, field.Invalid("tax_rate_bp", "must be from 0 to 10000 (100 %)")
	}
	if bp == d.TaxRateBP && d.AccountID != "" {
		return nil, nil
	}
	return []Event{TaxRateSet{AccountID: accountID, TaxRateBP: bp}}, nil
}
