package billingview

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/internal/pgerr"
)

// Details are an account's billing details as the read model holds them.
type Details struct {
	AccountID   string            `json:"account_id"`
	CompanyName string            `json:"company_name"`
	Address     *account.Address  `json:"address"`
	TaxID       string            `json:"tax_id"`
	Email       string            `json:"email"`
	TaxRateBP   int64             `json:"tax_rate_bp"`
	Assigned    []account.Address `json:"assigned_addresses"`
	// Editable is false while several billing addresses are assigned: the client greys the
	// fields, and a change is refused (managed above the account).
	Editable bool `json:"editable"`
	// Revision counts the changes made to the details: 0 before the first (so that an ETag
	// read before any change is never matched by the details after one).
	Revision uint64 `json:"revision"`
}

// Details returns an account's billing details (empty ones when none were given).
func (q *Queries) Details(ctx context.Context, accountID string) (Details, error) {
	d := Details{AccountID: accountID, Assigned: []account.Address{}, Editable: true}
	var address, assigned []byte
	var rev int64
	err := q.pool.QueryRow(ctx, `SELECT company_name, address, tax_id, email, assigned, tax_rate_bp, revision FROM billing_details WHERE account_id = $1`,
		accountID).Scan(&d.CompanyName, &address, &d.TaxID, &d.Email, &assigned, &d.TaxRateBP, &rev)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, nil
	}
	if err != nil {
		return Details{}, fmt.Errorf("billing details of %s: %w", accountID, pgerr.Classify(err))
	}
	d.Revision = uint64(rev) + 1 // the stream's revision is 0 after the first change
	if address != nil && string(address) != "null" {
		d.Address = &account.Address{}
		if err := json.Unmarshal(address, d.Address); err != nil {
			return Details{}, err
		}
		if *d.Address == (account.Address{}) {
			d.Address = nil // details changed without ever being given an address
		}
	}
	if err := json.Unmarshal(assigned, &d.Assigned); err != nil {
		return Details{}, err
	}
	d.Editable = len(d.Assigned) <= 1
	return d, nil
}

// Details returns an account's billing details to a billing viewer.
func (r *Reader) Details(ctx context.Context, p access.Principal, accountID string) (Details, error) {
	if err := r.authz.Require(ctx, p, group.BillingView, accountID); err != nil {
		return Details{}, err
	}
	return r.q.Details(ctx, accountID)
}

// DetailsOf returns an account's billing details to code that authorized its caller already (an
// invoice's document, for the invoice's reader).
func (r *Reader) DetailsOf(ctx context.Context, accountID string) (Details, error) {
	return r.q.Details(ctx, accountID)
}
