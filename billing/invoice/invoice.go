// Package invoice holds invoices: one per account and period (a calendar month), issued from the
// period's per-day camera usage (lines per plan and price: camera-days x daily price), with a
// number from one sequence without gaps, and a life of its own afterwards (paid, overdue, void).
// Money is integer minor units of one currency per invoice.
//
// The package is pure: decisions are functions from the folded state and a command to events or
// a typed error.
package invoice

import (
	"fmt"
	"time"

	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/domain/field"
)

// Event is a fact about an invoice or the invoice numbers.
type Event interface{ EventType() string }

// Line is what one plan at one price cost in the period.
type Line struct {
	PlanID          string `json:"plan_id"`
	PlanName        string `json:"plan_name"`
	CameraDays      int64  `json:"camera_days"`
	DailyPriceMinor int64  `json:"daily_price_minor"`
	AmountMinor     int64  `json:"amount_minor"`
}

// Issued starts an invoice's stream.
type Issued struct {
	InvoiceID     string `json:"invoice_id"`
	AccountID     string `json:"account_id"`
	Number        string `json:"number"` // "2026-000042"
	Period        string `json:"period"` // "2026-10"
	IssueDate     string `json:"issue_date"`
	DueDate       string `json:"due_date"`
	Currency      string `json:"currency"`
	Lines         []Line `json:"lines"`
	SubtotalMinor int64  `json:"subtotal_minor"`
	TaxRateBP     int64  `json:"tax_rate_bp"` // basis points: 2000 is 20 %
	TaxMinor      int64  `json:"tax_minor"`
	TotalMinor    int64  `json:"total_minor"`
}

// Closed starts an invoice's stream before it is issued: from then on the account's usage of the
// period is settled (a recorder's late report of one of its days is refused), so that the invoice,
// issued once the usage read model holds everything taken before, bills all the usage there is.
type Closed struct {
	InvoiceID string `json:"invoice_id"`
	AccountID string `json:"account_id"`
	Period    string `json:"period"`
}

// Paid, MarkedOverdue and Voided change an issued invoice's status.
type Paid struct {
	InvoiceID string `json:"invoice_id"`
	AccountID string `json:"account_id"`
}
type MarkedOverdue struct {
	InvoiceID string `json:"invoice_id"`
	AccountID string `json:"account_id"`
}
type Voided struct {
	InvoiceID string `json:"invoice_id"`
	AccountID string `json:"account_id"`
	Reason    string `json:"reason"`
}

// NumberTaken takes the next invoice number: the sequence's stream holds these, one after
// another, each appended with its invoice, so that a number is never taken twice nor skipped.
type NumberTaken struct {
	Sequence  int64  `json:"sequence"`
	InvoiceID string `json:"invoice_id"`
	AccountID string `json:"account_id"`
}

func (Closed) EventType() string        { return "invoice.period-closed.v1" }
func (Issued) EventType() string        { return "invoice.issued.v1" }
func (Paid) EventType() string          { return "invoice.paid.v1" }
func (MarkedOverdue) EventType() string { return "invoice.marked-overdue.v1" }
func (Voided) EventType() string        { return "invoice.voided.v1" }
func (NumberTaken) EventType() string   { return "invoice.number-taken.v1" }

// Events returns a zero value of every event type of this package, to register with a codec.
func Events() []Event {
	return []Event{Closed{}, Issued{}, Paid{}, MarkedOverdue{}, Voided{}, NumberTaken{}}
}

// Status is an invoice's life cycle.
type Status string

const (
	StatusIssued  Status = "issued"
	StatusPaid    Status = "paid"
	StatusOverdue Status = "overdue"
	StatusVoid    Status = "void"
)

// Invoice is an invoice's stream, folded.
type Invoice struct {
	Issued
	Status Status
	Exists bool // issued
	Closed bool // its period closed, issued or not
}

// Apply returns the invoice after e.
func (i Invoice) Apply(e Event) Invoice {
	switch e := e.(type) {
	case Closed:
		i.InvoiceID, i.AccountID, i.Period, i.Closed = e.InvoiceID, e.AccountID, e.Period, true
	case Issued:
		return Invoice{Issued: e, Status: StatusIssued, Exists: true, Closed: true}
	case Paid:
		i.Status = StatusPaid
	case MarkedOverdue:
		i.Status = StatusOverdue
	case Voided:
		i.Status = StatusVoid
	}
	return i
}

// Sequence is the invoice numbers' stream, folded: the last number taken.
type Sequence struct {
	Last      int64
	AccountID string // of the last invoice numbered
}

// Apply returns the sequence after e.
func (s Sequence) Apply(e Event) Sequence {
	if e, ok := e.(NumberTaken); ok {
		s.Last, s.AccountID = e.Sequence, e.AccountID
	}
	return s
}

var (
	ErrNotFound = fault.New(fault.NotFound, "invoice not found")
	// ErrMixedCurrencies: an account's usage in a period is priced in more than one currency.
	ErrMixedCurrencies = fault.New(fault.State, "the period's usage is priced in more than one currency").With(fault.Problem{
		Type: "mixed-currencies", Title: "Mixed currencies", Explain: true,
	})
	// ErrNoUsage: nothing to invoice.
	ErrNoUsage = fault.New(fault.State, "no priced usage in the period")
	// ErrStatus: the change does not fit the invoice's status (paying a void invoice).
	ErrStatus = fault.New(fault.State, "not possible in the invoice's status").With(fault.Problem{Type: "invoice-status", Title: "Invoice status", Explain: true})
)

// ErrPeriodOpen: a period is invoiced once it has ended, never while its usage may still grow.
var ErrPeriodOpen = fault.New(fault.State, "the period has not ended").With(fault.Problem{Type: "period-open", Title: "Period not ended", Explain: true})

// ClosablePeriod checks a period to invoice on today: a month like 2026-10 that has ended.
func ClosablePeriod(period string, today time.Time) error {
	start, err := time.Parse("2006-01", period)
	if err != nil || start.Year() < 2000 {
		return field.Invalid("period", "must be a month like 2026-10, from 2000-01 on")
	}
	if end := start.AddDate(0, 1, 0); today.UTC().Before(end) {
		return fmt.Errorf("%w: %s ends on %s", ErrPeriodOpen, period, end.AddDate(0, 0, -1).Format(time.DateOnly))
	}
	return nil
}

// Close closes an account's period before its invoice is issued: usage of its days is no
// longer taken. A period closed already changes nothing.
func Close(existing Invoice, id, accountID, period string, today time.Time) ([]Event, error) {
	if existing.Closed {
		return nil, nil
	}
	if err := ClosablePeriod(period, today); err != nil {
		return nil, err
	}
	return []Event{Closed{InvoiceID: id, AccountID: accountID, Period: period}}, nil
}

// Usage is one plan's camera-days at one price in the period, as the usage read model sums them.
type Usage struct {
	PlanID          string
	PlanName        string
	DailyPriceMinor int64
	Currency        string
	CameraDays      int64
}

// Issue decides the invoice of an account for a period from its usage. An invoice issued
// already changes nothing (running the job twice issues nothing twice). number is the next of
// the sequence; issueDate and terms give the due date; taxRateBP is the account's rate.
func Issue(existing Invoice, id, accountID, period string, usage []Usage, seq Sequence, issueDate time.Time, terms time.Duration, taxRateBP int64) ([]Event, error) {
	if existing.Exists {
		return nil, nil
	}
	if _, err := time.Parse("2006-01", period); err != nil {
		return nil, field.Invalid("period", "must be a month like 2026-10")
	}
	if taxRateBP < 0 || taxRateBP > 10_000 {
		return nil, field.Invalid("tax_rate", "must be from 0 to 100 %")
	}
	var lines []Line
	currency := ""
	var subtotal int64
	for _, u := range usage {
		if u.CameraDays == 0 || u.PlanID == "" {
			continue
		}
		if currency != "" && u.Currency != currency {
			return nil, fmt.Errorf("%w: %s and %s", ErrMixedCurrencies, currency, u.Currency)
		}
		currency = u.Currency
		amount := u.CameraDays * u.DailyPriceMinor
		lines = append(lines, Line{PlanID: u.PlanID, PlanName: u.PlanName, CameraDays: u.CameraDays, DailyPriceMinor: u.DailyPriceMinor, AmountMinor: amount})
		subtotal += amount
	}
	if len(lines) == 0 {
		return nil, ErrNoUsage
	}
	// Tax rounds half up to a whole minor unit.
	tax := (subtotal*taxRateBP + 5_000) / 10_000
	number := seq.Last + 1
	year := issueDate.UTC().Year()
	return []Event{
		NumberTaken{Sequence: number, InvoiceID: id, AccountID: accountID},
		Issued{InvoiceID: id, AccountID: accountID, Number: fmt.Sprintf("%d-%06d", year, number), Period: period,
			IssueDate: issueDate.UTC().Format(time.DateOnly), DueDate: issueDate.UTC().Add(terms).Format(time.DateOnly),
			Currency: currency, Lines: lines, SubtotalMinor: subtotal, TaxRateBP: taxRateBP, TaxMinor: tax, TotalMinor: subtotal + tax},
	}, nil
}

// Pay records the payment of an issued or overdue invoice.
func (i Invoice) Pay() ([]Event, error) {
	switch {
	case !i.Exists:
		return nil, ErrNotFound
	case i.Status == StatusPaid:
		return nil, nil
	case i.Status == StatusVoid:
		return nil, fmt.Errorf("%w: a void invoice is not paid", ErrStatus)
	}
	return []Event{Paid{InvoiceID: i.InvoiceID, AccountID: i.AccountID}}, nil
}

// MarkOverdue marks an issued invoice past its due date on today as overdue.
func (i Invoice) MarkOverdue(today string) ([]Event, error) {
	if !i.Exists || i.Status != StatusIssued || today <= i.DueDate {
		return nil, nil
	}
	return []Event{MarkedOverdue{InvoiceID: i.InvoiceID, AccountID: i.AccountID}}, nil
}

// Void voids an invoice that is not paid, with a reason.
func (i Invoice) Void(reason string) ([]Event, error) {
	if !i.Exists {
		return nil, ErrNotFound
	}
	reason, err := field.Text("reason", reason, true, 500)
	if err != nil {
		return nil, err
	}
	switch i.Status {
	case StatusVoid:
		return nil, nil
	case StatusPaid:
		return nil, fmt.Errorf("%w: a paid invoice is not voided", ErrStatus)
	}
	return []Event{Voided{InvoiceID: i.InvoiceID, AccountID: i.AccountID, Reason: reason}}, nil
}
