// Package billingview is the billing read model: per-day camera usage (more to come: plans and
// invoices). Its camera_usage_daily view is a contract: external billing jobs read it by name.
package billingview

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

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
func (Projector) Version() int { return 1 }

func (Projector) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, schema+view)
	return err
}

func (Projector) Drop(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `DROP VIEW IF EXISTS camera_usage_daily; DROP TABLE IF EXISTS camera_usage_days`)
	return err
}

func (Projector) Handles() []string { return projections.TypesOf(usage.Reported{}) }

// upsert writes a part of a batch with one statement: each (camera, day) row is inserted, or
// replaced when this report's sequence is not older than the one that set it (the last report
// wins, never adds). The camera's name and path and the recorder's serial and name come from the
// recorders read model (same database) as it is now, which is the day's for a report sent on the
// day or the next; a camera that model does not have yet keeps what it had. Only a query: no
// view or key depends on the other model's tables, so either is rebuilt alone.
const upsert = `INSERT INTO camera_usage_days (account_id, camera_id, day, recorder_id, sequence, batch_id, in_service,
		recorded_seconds, stored_bytes, camera_name, item_path, recorder_serial, recorder_name, reported_at)
	SELECT $1, e.camera_id, e.day, $2, $3, $4, e.in_service, e.recorded_seconds, e.stored_bytes, i.name, i.path, r.serial, r.name, $5
	FROM jsonb_to_recordset($6::jsonb) AS e(camera_id uuid, day date, in_service boolean, recorded_seconds integer, stored_bytes bigint)
	LEFT JOIN items i ON i.id = e.camera_id
	LEFT JOIN recorders r ON r.id = $2
	ON CONFLICT (camera_id, day) DO UPDATE SET
		recorder_id = excluded.recorder_id, sequence = excluded.sequence, batch_id = excluded.batch_id,
		in_service = excluded.in_service, recorded_seconds = excluded.recorded_seconds, stored_bytes = excluded.stored_bytes,
		camera_name = coalesce(excluded.camera_name, camera_usage_days.camera_name),
		item_path = coalesce(excluded.item_path, camera_usage_days.item_path),
		recorder_serial = coalesce(excluded.recorder_serial, camera_usage_days.recorder_serial),
		recorder_name = coalesce(excluded.recorder_name, camera_usage_days.recorder_name), reported_at = excluded.reported_at
	WHERE excluded.sequence >= camera_usage_days.sequence`

// Apply writes each part of each batch with one statement, queued in one round trip.
func (Projector) Apply(ctx context.Context, tx pgx.Tx, events []projections.Envelope) error {
	b := &pgx.Batch{}
	for _, env := range events {
		e, ok := env.Event.(usage.Reported)
		if !ok {
			return fmt.Errorf("billing read model: %s: event type unknown to this version", env.Type)
		}
		entries, err := json.Marshal(e.Entries)
		if err != nil {
			return err
		}
		b.Queue(upsert, e.AccountID, e.RecorderID, int64(e.Sequence), e.BatchID, env.RecordedAt, entries)
	}
	return tx.SendBatch(ctx, b).Close()
}
