// Package billingview is the billing read model: per-day camera usage (more to come: plans and
// invoices). Its camera_usage_daily view is a contract: external billing jobs read it by name.
package billingview

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/camcloud/accounts/billing/details"
	"github.com/camcloud/accounts/billing/invoice"
	"github.com/camcloud/accounts/billing/plan"
	"github.com/camcloud/accounts/billing/usage"
	"github.com/camcloud/accounts/projections"
)

//go:embed schema.sql
var schema string

//go:embed view.sql
var view string

// Name is the read model's name, also used by read-your-writes waits.
const Name = "billing"

// Projector maintains the billing read model.
type Projector struct{}

var _ projections.Projector = Projector{}

func (Projector) Name() string { return Name }
func (Projector) Version() int { return 5 }

func (Projector) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, schema+view)
	return err
}

func (Projector) Drop(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `DROP VIEW IF EXISTS camera_usage_daily; DROP TABLE IF EXISTS camera_usage_days, plans, plan_prices, plan_assignments, invoices, billing_details`)
	return err
}

func (Projector) Handles() []string {
	return projections.TypesOf(usage.Reported{}, usage.ReportedV1{}, plan.Created{}, plan.Repriced{}, plan.Renamed{}, plan.Assigned{},
		invoice.Issued{}, invoice.Paid{}, invoice.MarkedOverdue{}, invoice.Voided{},
		details.Changed{}, details.AddressesAssigned{}, details.TaxRateSet{})
}

// upsert writes a part of a batch with one statement: each (camera, day) row is inserted, or
// replaced when this report's sequence is not older than the one that set it (the last report
// wins, never adds). The camera's name and path and the recorder's serial and name come from the
// recorders read model (same database) as it is now, which is the day's for a report sent on the
// day or the next; a camera that model does not have yet keeps what it had. Only a query: no
// view or key depends on the other model's tables, so either is rebuilt alone.
const upsert = `WITH e AS MATERIALIZED (
		SELECT * FROM unnest($6::uuid[], $7::date[], $8::boolean[], $9::integer[], $10::bigint[])
			AS e(camera_id, day, in_service, recorded_seconds, stored_bytes)),
	cameras AS MATERIALIZED (SELECT DISTINCT camera_id FROM e),
	item AS MATERIALIZED (SELECT i.id AS camera_id, i.name, i.path FROM items i WHERE i.id IN (SELECT camera_id FROM cameras)),
	` + pricing + `
	INSERT INTO camera_usage_days (account_id, camera_id, day, recorder_id, sequence, batch_id, in_service,
		recorded_seconds, stored_bytes, camera_name, item_path, recorder_serial, recorder_name,
		plan_id, plan_name, daily_price_minor, currency, reported_at)
	SELECT $1, e.camera_id, e.day, $2, $3, $4, e.in_service, e.recorded_seconds, e.stored_bytes, i.name, i.path, r.serial, r.name,
		o.plan_id, o.name, o.minor, o.currency, $5
	FROM e
	JOIN account_plan ap USING (day)
	LEFT JOIN camera_plan cp USING (camera_id, day)
	LEFT JOIN offer o ON o.plan_id = coalesce(cp.plan_id, ap.plan_id) AND o.day = e.day
	LEFT JOIN item i USING (camera_id)
	LEFT JOIN (SELECT serial, name FROM recorders WHERE id = $2) r ON true
	ORDER BY e.day, e.camera_id -- the key's order: successive index inserts land on the same leaf pages
	ON CONFLICT (account_id, day, camera_id) DO UPDATE SET
		recorder_id = excluded.recorder_id, sequence = excluded.sequence, batch_id = excluded.batch_id,
		in_service = excluded.in_service, recorded_seconds = excluded.recorded_seconds, stored_bytes = excluded.stored_bytes,
		camera_name = coalesce(excluded.camera_name, camera_usage_days.camera_name),
		item_path = coalesce(excluded.item_path, camera_usage_days.item_path),
		recorder_serial = coalesce(excluded.recorder_serial, camera_usage_days.recorder_serial),
		recorder_name = coalesce(excluded.recorder_name, camera_usage_days.recorder_name),
		plan_id = excluded.plan_id, plan_name = excluded.plan_name, daily_price_minor = excluded.daily_price_minor,
		currency = excluded.currency, reported_at = excluded.reported_at
	WHERE excluded.sequence >= camera_usage_days.sequence`

// pricing finds, for each entry of e (account $1), the plan its camera was on that day and the
// plan's name, currency and price then: the camera's own plan as of the day, else the default
// plan of the nearest account at or above $1 that has one as of the day (account_tree, the
// accounts read model in the same database, queried, never referenced by a key or a view).
// Every lookup runs once per distinct day, camera, or plan and day, never once per entry: a part
// holds a recorder's few cameras over a few days, and entries are their product. Only cameras
// that ever had a plan of their own are looked up day by day. The lookups are MATERIALIZED:
// inlined, PostgreSQL ran them once per joined entry. Plan changes take effect the next day, so
// a day's plan and price are settled before any usage of that day can be reported.
const pricing = `days AS MATERIALIZED (SELECT DISTINCT day FROM e),
	account_plan AS MATERIALIZED (
		SELECT days.day, (SELECT a.plan_id FROM account_tree t
				JOIN plan_assignments a ON a.account_id = t.ancestor_id AND a.camera_id IS NULL AND a.effective_from <= days.day
			WHERE t.descendant_id = $1 ORDER BY t.depth, a.effective_from DESC, a.seq DESC LIMIT 1) AS plan_id
		FROM days),
	camera_plan AS MATERIALIZED (
		SELECT c.camera_id, days.day, (SELECT a.plan_id FROM plan_assignments a
				WHERE a.camera_id = c.camera_id AND a.effective_from <= days.day ORDER BY a.effective_from DESC, a.seq DESC LIMIT 1) AS plan_id
		FROM (SELECT camera_id FROM cameras WHERE EXISTS (SELECT 1 FROM plan_assignments x WHERE x.camera_id = cameras.camera_id)) c
		CROSS JOIN days),
	offer AS MATERIALIZED (
		SELECT p.plan_id, o.day, p.name, p.currency, (SELECT daily_price_minor FROM plan_prices pp
				WHERE pp.plan_id = o.plan_id AND pp.effective_from <= o.day ORDER BY pp.effective_from DESC LIMIT 1) AS minor
		FROM (SELECT plan_id, day FROM account_plan UNION SELECT plan_id, day FROM camera_plan) o
		JOIN plans p ON p.plan_id = o.plan_id)`

// Apply queues each event's statements in order and sends them in one round trip: each part of
// a usage batch is one set-based statement.
func (Projector) Apply(ctx context.Context, tx pgx.Tx, events []projections.Envelope) error {
	b := &pgx.Batch{}
	for _, env := range events {
		at, rev := env.RecordedAt, int64(env.Revision)
		switch e := env.Event.(type) {
		case usage.Reported:
			if err := queueUsage(b, e, at); err != nil {
				return fmt.Errorf("usage of %s: %w", env.Stream, err)
			}
		case usage.ReportedV1:
			if err := queueUsage(b, e.Upcast(), at); err != nil {
				return fmt.Errorf("usage of %s: %w", env.Stream, err)
			}
		case plan.Created:
			b.Queue(`INSERT INTO plans (plan_id, name, currency, revision, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
				e.PlanID, e.Name, e.Currency, rev, at)
			b.Queue(`INSERT INTO plan_prices (plan_id, effective_from, daily_price_minor) VALUES ($1, $2, $3)`, e.PlanID, e.EffectiveFrom, e.DailyPriceMinor)
		case plan.Repriced:
			// A new price replaces those from its day on, as the aggregate does.
			b.Queue(`DELETE FROM plan_prices WHERE plan_id = $1 AND effective_from >= $2`, e.PlanID, e.EffectiveFrom)
			b.Queue(`INSERT INTO plan_prices (plan_id, effective_from, daily_price_minor) VALUES ($1, $2, $3)`, e.PlanID, e.EffectiveFrom, e.DailyPriceMinor)
			b.Queue(`UPDATE plans SET revision = $2, updated_at = $3 WHERE plan_id = $1`, e.PlanID, rev, at)
		case plan.Renamed:
			b.Queue(`UPDATE plans SET name = $2, revision = $3, updated_at = $4 WHERE plan_id = $1`, e.PlanID, e.Name, rev, at)
		case plan.Assigned:
			b.Queue(`INSERT INTO plan_assignments (account_id, camera_id, plan_id, effective_from) VALUES ($1, $2, $3, $4)`,
				e.AccountID, nullable(e.CameraID), nullable(e.PlanID), e.EffectiveFrom)
		case invoice.Issued:
			lines, err := json.Marshal(e.Lines)
			if err != nil {
				return err
			}
			b.Queue(`INSERT INTO invoices (invoice_id, account_id, number, period, issue_date, due_date, currency, lines, subtotal_minor, tax_rate_bp,
					tax_minor, total_minor, status, revision, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'issued', $13, $14)`,
				e.InvoiceID, e.AccountID, e.Number, e.Period, e.IssueDate, e.DueDate, e.Currency, lines, e.SubtotalMinor, e.TaxRateBP,
				e.TaxMinor, e.TotalMinor, rev, at)
		case invoice.Paid:
			b.Queue(`UPDATE invoices SET status = 'paid', revision = $2, updated_at = $3 WHERE invoice_id = $1`, e.InvoiceID, rev, at)
		case invoice.MarkedOverdue:
			b.Queue(`UPDATE invoices SET status = 'overdue', revision = $2, updated_at = $3 WHERE invoice_id = $1`, e.InvoiceID, rev, at)
		case invoice.Voided:
			b.Queue(`UPDATE invoices SET status = 'void', void_reason = $2, revision = $3, updated_at = $4 WHERE invoice_id = $1`, e.InvoiceID, e.Reason, rev, at)
		case details.Changed:
			address, err := json.Marshal(e.Address)
			if err != nil {
				return err
			}
			b.Queue(`INSERT INTO billing_details (account_id, company_name, address, tax_id, email, revision, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (account_id) DO UPDATE SET company_name = $2, address = $3, tax_id = $4, email = $5, revision = $6, updated_at = $7`,
				e.AccountID, e.CompanyName, address, e.TaxID, e.Email, rev, at)
		case details.AddressesAssigned:
			assigned, err := json.Marshal(e.Addresses)
			if err != nil {
				return err
			}
			b.Queue(`INSERT INTO billing_details (account_id, assigned, revision, updated_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (account_id) DO UPDATE SET assigned = $2, revision = $3, updated_at = $4`, e.AccountID, assigned, rev, at)
		case details.TaxRateSet:
			b.Queue(`INSERT INTO billing_details (account_id, tax_rate_bp, revision, updated_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (account_id) DO UPDATE SET tax_rate_bp = $2, revision = $3, updated_at = $4`, e.AccountID, e.TaxRateBP, rev, at)
		default:
			return fmt.Errorf("billing read model: %s: event type unknown to this version", env.Type)
		}
	}
	return tx.SendBatch(ctx, b).Close()
}

// queueUsage queues the upsert of a usage part. Its columns go as arrays of typed values: pgx
// sends them in binary, which PostgreSQL reads for less than it parses the same entries as
// JSON, or as text arrays. Each camera and day is parsed once, however many entries name it.
func queueUsage(b *pgx.Batch, e usage.Reported, at time.Time) error {
	if err := e.Check(); err != nil {
		return err
	}
	cameras := make([]pgtype.UUID, len(e.Cameras))
	for i, id := range e.Cameras {
		camera, err := uuid.Parse(id)
		if err != nil {
			return fmt.Errorf("camera %q: %w", id, err)
		}
		cameras[i] = pgtype.UUID{Bytes: camera, Valid: true}
	}
	days := make([]pgtype.Date, len(e.Days))
	for i, d := range e.Days {
		day, err := time.Parse(time.DateOnly, d)
		if err != nil {
			return fmt.Errorf("day %q: %w", d, err)
		}
		days[i] = pgtype.Date{Time: day, Valid: true}
	}
	cameraOf, dayOf := make([]pgtype.UUID, e.Len()), make([]pgtype.Date, e.Len())
	for i := range e.Len() {
		cameraOf[i], dayOf[i] = cameras[e.Camera[i]], days[e.Day[i]]
	}
	b.Queue(upsert, e.AccountID, e.RecorderID, int64(e.Sequence), e.BatchID, at, cameraOf, dayOf, e.InService, e.RecordedSeconds, e.StoredBytes)
	return nil
}

func nullable(id string) any {
	if id == "" {
		return nil
	}
	return id
}
