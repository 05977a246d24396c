package billingview

import (
	"context"
	"fmt"
	"time"

	"github.com/camcloud/accounts/identity/client"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/domain/field"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/internal/pgerr"
)

// UsageRow is a row of camera_usage_daily: one camera's service on one day.
type UsageRow struct {
	AccountID       string    `json:"account_id"`
	CameraID        string    `json:"camera_id"`
	Day             string    `json:"day"`
	RecorderID      string    `json:"recorder_id"`
	RecorderSerial  string    `json:"recorder_serial"`
	RecorderName    string    `json:"recorder_name"`
	CameraName      string    `json:"camera_name"`
	ItemPath        string    `json:"item_path"`
	InService       bool      `json:"in_service"`
	RecordedSeconds int64     `json:"recorded_seconds"`
	StoredBytes     int64     `json:"stored_bytes"`
	PlanID          string    `json:"plan_id"`
	PlanName        string    `json:"plan_name"`
	DailyPriceMinor *int64    `json:"daily_price_minor"`
	Currency        string    `json:"currency"`
	ReportedAt      time.Time `json:"reported_at"`
}

// maxPeriod bounds one usage listing.
const maxPeriod = 366

// Period reads a listing's from and to (YYYY-MM-DD, both included); it answers field errors.
func Period(from, to string) (string, string, error) {
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return "", "", field.Invalid("from", "must be a date like 2026-10-01")
	}
	t, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return "", "", field.Invalid("to", "must be a date like 2026-10-31")
	}
	if t.Before(f) {
		return "", "", field.Invalid("to", "must not be before from")
	}
	if t.Sub(f) >= maxPeriod*24*time.Hour {
		return "", "", field.Invalid("to", fmt.Sprintf("a period spans at most %d days", maxPeriod))
	}
	return f.Format(time.DateOnly), t.Format(time.DateOnly), nil
}

// EachUsage calls fn with every usage row of an account in a period, by day, then path, then
// camera, as the rows come from the database: a listing of any size is never held whole.
func (q *Queries) EachUsage(ctx context.Context, accountID, from, to string, fn func(UsageRow) error) error {
	rows, err := q.pool.Query(ctx, `SELECT account_id::text, camera_id::text, day::text, recorder_id::text, coalesce(recorder_serial, ''),
			coalesce(recorder_name, ''), coalesce(camera_name, ''), coalesce(item_path, ''), in_service, recorded_seconds, stored_bytes,
			coalesce(plan_id::text, ''), coalesce(plan_name, ''), daily_price_minor, coalesce(currency, ''), reported_at
		FROM camera_usage_daily WHERE account_id = $1 AND day BETWEEN $2 AND $3
		ORDER BY day, item_path, camera_id`, accountID, from, to)
	if err != nil {
		return fmt.Errorf("usage of %s: %w", accountID, pgerr.Classify(err))
	}
	defer rows.Close()
	for rows.Next() {
		var r UsageRow
		if err := rows.Scan(&r.AccountID, &r.CameraID, &r.Day, &r.RecorderID, &r.RecorderSerial, &r.RecorderName, &r.CameraName, &r.ItemPath,
			&r.InService, &r.RecordedSeconds, &r.StoredBytes, &r.PlanID, &r.PlanName, &r.DailyPriceMinor, &r.Currency, &r.ReportedAt); err != nil {
			return fmt.Errorf("usage of %s: %w", accountID, pgerr.Classify(err))
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("usage of %s: %w", accountID, pgerr.Classify(err))
	}
	return nil
}

// AuthorizeUsage checks that p may read an account's usage: a user with billing.view on it, or a
// service client with the usage.read scope reaching it.
func (r *Reader) AuthorizeUsage(ctx context.Context, p access.Principal, accountID string) error {
	if p.Kind == access.ServiceClient {
		return r.authz.RequireScope(ctx, p, client.UsageRead, accountID)
	}
	return r.authz.Require(ctx, p, group.BillingView, accountID)
}

// EachUsage streams an account's usage in a period to fn, once p is authorized.
func (r *Reader) EachUsage(ctx context.Context, p access.Principal, accountID, from, to string, fn func(UsageRow) error) error {
	if err := r.AuthorizeUsage(ctx, p, accountID); err != nil {
		return err
	}
	return r.q.EachUsage(ctx, accountID, from, to, fn)
}

// MonthBounds returns the first and last day of a month (YYYY-MM).
func MonthBounds(period string) (from, to string) {
	start, err := time.Parse("2006-01", period)
	if err != nil {
		return period + "-01", period + "-31"
	}
	return start.Format(time.DateOnly), start.AddDate(0, 1, -1).Format(time.DateOnly)
}
