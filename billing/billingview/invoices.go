package billingview

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/camcloud/accounts/identity/client"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/billing/invoice"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/internal/pgerr"
	"github.com/camcloud/accounts/projections"
)

// AccountUsage is an account's usage in a period, summed per plan and price: what its invoice
// bills.
type AccountUsage struct {
	AccountID string
	Usage     []invoice.Usage
	TaxRateBP int64 // from its billing details (0 when none)
}

// PeriodUsage sums the usage of a month (YYYY-MM) per account, plan and price: camera-days in
// service. accountID, when given, keeps one account.
func (q *Queries) PeriodUsage(ctx context.Context, period, accountID string) ([]AccountUsage, error) {
	start, err := time.Parse("2006-01", period)
	if err != nil {
		return nil, fmt.Errorf("period %q: want a month like 2026-10", period)
	}
	end := start.AddDate(0, 1, -1)
	sql := `SELECT u.account_id::text, coalesce(u.plan_id::text, ''), coalesce(u.plan_name, ''), coalesce(u.daily_price_minor, 0), coalesce(u.currency, ''),
			count(*) FILTER (WHERE u.in_service), coalesce(min(d.tax_rate_bp), 0)
		FROM camera_usage_days u LEFT JOIN billing_details d ON d.account_id = u.account_id WHERE u.day BETWEEN $1 AND $2`
	args := []any{start.Format(time.DateOnly), end.Format(time.DateOnly)}
	if accountID != "" {
		sql += ` AND u.account_id = $3`
		args = append(args, accountID)
	}
	rows, err := q.pool.Query(ctx, sql+` GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 3, 4`, args...)
	if err != nil {
		return nil, fmt.Errorf("usage of %s: %w", period, pgerr.Classify(err))
	}
	defer rows.Close()
	var out []AccountUsage
	for rows.Next() {
		var account string
		var u invoice.Usage
		var tax int64
		if err := rows.Scan(&account, &u.PlanID, &u.PlanName, &u.DailyPriceMinor, &u.Currency, &u.CameraDays, &tax); err != nil {
			return nil, fmt.Errorf("usage of %s: %w", period, pgerr.Classify(err))
		}
		if len(out) == 0 || out[len(out)-1].AccountID != account {
			out = append(out, AccountUsage{AccountID: account, TaxRateBP: tax})
		}
		out[len(out)-1].Usage = append(out[len(out)-1].Usage, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("usage of %s: %w", period, pgerr.Classify(err))
	}
	return out, nil
}

// Invoice is an invoice as the read model holds it.
type Invoice struct {
	ID            string         `json:"id"`
	AccountID     string         `json:"account_id"`
	Number        string         `json:"number"`
	Period        string         `json:"period"`
	IssueDate     string         `json:"issue_date"`
	DueDate       string         `json:"due_date"`
	Currency      string         `json:"currency"`
	Lines         []invoice.Line `json:"lines"`
	SubtotalMinor int64          `json:"subtotal_minor"`
	TaxRateBP     int64          `json:"tax_rate_bp"`
	TaxMinor      int64          `json:"tax_minor"`
	TotalMinor    int64          `json:"total_minor"`
	Status        string         `json:"status"`
	VoidReason    string         `json:"void_reason,omitempty"`
	Revision      uint64         `json:"revision"`
}

const selectInvoice = `SELECT invoice_id::text, account_id::text, number, period, issue_date::text, due_date::text, currency, lines,
	subtotal_minor, tax_rate_bp, tax_minor, total_minor, status, coalesce(void_reason, ''), revision FROM invoices `

func scanInvoice(row pgx.Row) (Invoice, error) {
	var i Invoice
	var lines []byte
	var rev int64
	if err := row.Scan(&i.ID, &i.AccountID, &i.Number, &i.Period, &i.IssueDate, &i.DueDate, &i.Currency, &lines, &i.SubtotalMinor,
		&i.TaxRateBP, &i.TaxMinor, &i.TotalMinor, &i.Status, &i.VoidReason, &rev); err != nil {
		return Invoice{}, err
	}
	i.Revision = uint64(rev)
	return i, json.Unmarshal(lines, &i.Lines)
}

// Invoice returns one invoice.
func (q *Queries) Invoice(ctx context.Context, id string) (Invoice, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Invoice{}, invoice.ErrNotFound
	}
	i, err := scanInvoice(q.pool.QueryRow(ctx, selectInvoice+`WHERE invoice_id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Invoice{}, invoice.ErrNotFound
	}
	if err != nil {
		return Invoice{}, fmt.Errorf("invoice %s: %w", id, pgerr.Classify(err))
	}
	return i, nil
}

// InvoicePage is one page of an account's invoices, newest first.
type InvoicePage struct {
	Invoices []Invoice `json:"items"`
	Next     string    `json:"next_cursor,omitempty"`
}

// Invoices lists an account's invoices, newest first (by number, which grows with time), limit
// at a time after an earlier page's cursor.
func (q *Queries) Invoices(ctx context.Context, accountID, after string, limit int) (InvoicePage, error) {
	sql, args := selectInvoice+`WHERE account_id = $1`, []any{accountID, limit + 1}
	if after != "" {
		c, err := projections.DecodeCursor(after)
		if err != nil {
			return InvoicePage{}, err
		}
		sql += ` AND (number, invoice_id) < ($3, $4::uuid)`
		args = append(args, c.Name, c.ID)
	}
	rows, err := q.pool.Query(ctx, sql+` ORDER BY number DESC, invoice_id DESC LIMIT $2`, args...)
	if err != nil {
		return InvoicePage{}, fmt.Errorf("invoices of %s: %w", accountID, pgerr.Classify(err))
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Invoice, error) { return scanInvoice(row) })
	if err != nil {
		return InvoicePage{}, fmt.Errorf("invoices of %s: %w", accountID, pgerr.Classify(err))
	}
	page := InvoicePage{Invoices: list}
	if list == nil {
		page.Invoices = []Invoice{}
	}
	if len(list) > limit {
		page.Invoices = list[:limit]
		last := list[limit-1]
		page.Next = projections.Cursor{Name: last.Number, ID: last.ID}.Encode()
	}
	return page, nil
}

// DueBefore lists the issued invoices due before day (the overdue job's work).
func (q *Queries) DueBefore(ctx context.Context, day string) ([]string, error) {
	rows, err := q.pool.Query(ctx, `SELECT invoice_id::text FROM invoices WHERE status = 'issued' AND due_date < $1 ORDER BY due_date`, day)
	if err != nil {
		return nil, fmt.Errorf("invoices due: %w", pgerr.Classify(err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("invoices due: %w", pgerr.Classify(err))
	}
	return ids, nil
}

// Invoices lists an account's invoices to a billing viewer.
func (r *Reader) Invoices(ctx context.Context, p access.Principal, accountID, after string, limit int) (InvoicePage, error) {
	if err := r.mayReadInvoices(ctx, p, accountID); err != nil {
		return InvoicePage{}, err
	}
	return r.q.Invoices(ctx, accountID, after, limit)
}

// Invoice returns an invoice to a billing viewer of its account; out of scope it is not found.
func (r *Reader) Invoice(ctx context.Context, p access.Principal, id string) (Invoice, error) {
	i, err := r.q.Invoice(ctx, id)
	if err != nil {
		return Invoice{}, err
	}
	return i, access.OutOfScopeAs(r.mayReadInvoices(ctx, p, i.AccountID), invoice.ErrNotFound)
}

// mayReadInvoices authorizes reading an account's invoices: a user with billing.view on it, or
// a service client with the billing.read scope reaching it.
func (r *Reader) mayReadInvoices(ctx context.Context, p access.Principal, accountID string) error {
	if p.Kind == access.ServiceClient {
		return r.authz.RequireScope(ctx, p, client.BillingRead, accountID)
	}
	return r.authz.Require(ctx, p, group.BillingView, accountID)
}
