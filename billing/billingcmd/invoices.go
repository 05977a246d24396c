package billingcmd

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/billing/invoice"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/identity/group"
)

var (
	invoiceAggregate = command.Aggregate[invoice.Invoice, invoice.Event]{
		Category: "invoice", Apply: invoice.Invoice.Apply, Account: func(i invoice.Invoice) string { return i.AccountID },
	}
	// sequenceAggregate is the one sequence of invoice numbers ("invoicenumbers-all"): every
	// issuance appends to it at the revision it read, so numbers follow one another without gaps.
	sequenceAggregate = command.Aggregate[invoice.Sequence, invoice.Event]{
		Category: "invoicenumbers", Apply: invoice.Sequence.Apply, Account: func(s invoice.Sequence) string { return s.AccountID },
	}
)

// sequenceID names the one sequence of invoice numbers.
const sequenceID = "all"

// InvoiceID is the ID of an account's invoice for a period: the same whichever run issues it, so
// two runs meet on one stream.
func InvoiceID(accountID, period string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:camcloud:invoice:"+accountID+"/"+period)).String()
}

// ClosePeriod closes an account's period, the first step of invoicing it: from then on the
// account's usage of the period is settled (usage reports of its days are refused). Once the
// usage read model has caught up with the store, it holds all the usage the invoice is to bill.
// A period closed already adds nothing. Only the service's billing job closes periods.
func (c *Commands) ClosePeriod(ctx context.Context, origin command.Origin, accountID, period string) (command.Result, error) {
	if origin.Principal.Kind != access.Service {
		return command.Result{}, access.ErrForbidden
	}
	id := InvoiceID(accountID, period)
	var unchanged command.Result
	done, err := c.h.Transact(ctx, origin, true, func(u *command.Unit) error {
		inv, err := c.invoices.LoadInto(ctx, u, id)
		if err != nil {
			return err
		}
		unchanged = inv.Result()
		events, err := invoice.Close(inv.State, id, accountID, period, c.h.Now())
		if err != nil {
			return err
		}
		c.invoices.Stage(u, inv, events...)
		return nil
	})
	if err != nil {
		return command.Result{}, fmt.Errorf("close %s of %s: %w", period, accountID, err)
	}
	return done.Of(c.invoices.Stream(id), unchanged), nil
}

// IssuedInvoice is the answer to IssueInvoice.
type IssuedInvoice struct {
	command.Result
	InvoiceID string
	Number    string
	// New is false when the invoice had been issued before (by this run or another).
	New bool
}

// IssueInvoice issues an account's invoice for a period from its usage, once: the invoice's
// stream and the number sequence are appended together, so a number is never skipped or taken
// twice, and a second issuance (a second run, or two at once) finds the invoice there and adds
// nothing. usage must be all the account's usage of the period: read once the period is closed
// (ClosePeriod) and the usage read model caught up; a period not closed yet is closed with the
// invoice. Only the service's billing job issues invoices.
func (c *Commands) IssueInvoice(ctx context.Context, origin command.Origin, accountID, period string, usage []invoice.Usage, terms time.Duration, taxRateBP int64) (IssuedInvoice, error) {
	if origin.Principal.Kind != access.Service {
		return IssuedInvoice{}, access.ErrForbidden
	}
	out := IssuedInvoice{InvoiceID: InvoiceID(accountID, period)}
	var unchanged command.Result
	done, err := c.h.Transact(ctx, origin, true, func(u *command.Unit) error {
		inv, err := c.invoices.LoadInto(ctx, u, out.InvoiceID)
		if err != nil {
			return err
		}
		unchanged, out.Number = inv.Result(), inv.State.Number
		if inv.State.Exists {
			return nil
		}
		closed, err := invoice.Close(inv.State, out.InvoiceID, accountID, period, c.h.Now())
		if err != nil {
			return err
		}
		seq, err := c.sequence.LoadInto(ctx, u, sequenceID)
		if err != nil {
			return err
		}
		events, err := invoice.Issue(inv.State, out.InvoiceID, accountID, period, usage, seq.State, c.h.Now(), terms, taxRateBP)
		if err != nil {
			return err
		}
		c.sequence.Stage(u, seq, events[0])
		issued := c.invoices.Stage(u, inv, append(closed, events[1:]...)...)
		out.Number = issued.Number
		return nil
	})
	if err != nil {
		return IssuedInvoice{}, err
	}
	out.Result = done.Of(c.invoices.Stream(out.InvoiceID), unchanged)
	out.New = len(done) > 0
	return out, nil
}

// MarkOverdue marks an issued invoice whose due date has passed as overdue (the service's daily
// job, or the billing mark-overdue command).
func (c *Commands) MarkOverdue(ctx context.Context, origin command.Origin, invoiceID string) (command.Result, error) {
	today := c.h.Now().UTC().Format(time.DateOnly)
	return c.invoices.Update(ctx, origin, command.Change[invoice.Invoice, invoice.Event]{
		ID: invoiceID, NotFound: invoice.ErrNotFound,
		Authorize: func(ctx context.Context, i invoice.Invoice) error { return c.managesInvoice(ctx, origin.Principal, i) },
		Decide:    func(_ *command.Unit, i invoice.Invoice) ([]invoice.Event, error) { return i.MarkOverdue(today) },
	})
}

// Pay records an invoice's payment (billing.manage from an account above the invoice's).
func (c *Commands) Pay(ctx context.Context, origin command.Origin, invoiceID string) (command.Result, error) {
	return c.invoices.Update(ctx, origin, command.Change[invoice.Invoice, invoice.Event]{
		ID: invoiceID, NotFound: invoice.ErrNotFound,
		Authorize: func(ctx context.Context, i invoice.Invoice) error { return c.managesInvoice(ctx, origin.Principal, i) },
		Decide:    func(_ *command.Unit, i invoice.Invoice) ([]invoice.Event, error) { return i.Pay() },
	})
}

// Void voids an invoice with a reason (billing.manage from an account above the invoice's).
func (c *Commands) Void(ctx context.Context, origin command.Origin, invoiceID, reason string) (command.Result, error) {
	return c.invoices.Update(ctx, origin, command.Change[invoice.Invoice, invoice.Event]{
		ID: invoiceID, NotFound: invoice.ErrNotFound,
		Authorize: func(ctx context.Context, i invoice.Invoice) error { return c.managesInvoice(ctx, origin.Principal, i) },
		Decide:    func(_ *command.Unit, i invoice.Invoice) ([]invoice.Event, error) { return i.Void(reason) },
	})
}

// managesInvoice authorizes a change of an invoice's status: what its issuer decides, so
// billing.manage from an account above the invoice's (a customer does not mark its own invoice
// paid or void it); out of scope it is not found.
func (c *Commands) managesInvoice(ctx context.Context, p access.Principal, i invoice.Invoice) error {
	// Require, not RequireChange: a closed account's invoices are still settled (paid, voided).
	err := c.authz.Require(ctx, p, group.BillingManage, i.AccountID)
	if err == nil {
		err = notOwn(p, i.AccountID, ErrOwnInvoice)
	}
	return access.OutOfScopeAs(err, invoice.ErrNotFound)
}

// ErrOwnInvoice refuses a change of an invoice's status from the invoiced account itself.
var ErrOwnInvoice = fmt.Errorf("%w: only an account above this one marks its invoices paid or voids them", access.ErrForbidden)
