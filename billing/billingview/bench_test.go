package billingview_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/billing/billingview"
	"github.com/camcloud/accounts/billing/usage"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/projections"
	"github.com/camcloud/accounts/recorders/recorder"
	"github.com/camcloud/accounts/recorders/recordercmd"
)

// BenchmarkUsageProjection applies usage parts as the billing read model gets them from
// ingestion: parts of a recorder's 16 cameras for 7 or 31 new days (112 or 496 rows), a page of
// them a transaction (one part when the model keeps up, more when it catches up), with the
// account on a plan from the root and one camera on its own. It reports the read model's cost
// per row, the figure that bounds ingestion (issue 11).
func BenchmarkUsageProjection(b *testing.B) {
	for _, c := range []struct{ days, page int }{{7, 1}, {31, 1}, {7, 64}} {
		b.Run(fmt.Sprintf("16 cameras x %d days, %d a page", c.days, c.page), func(b *testing.B) { benchmarkUsageProjection(b, 16, c.days, c.page) })
	}
}

func benchmarkUsageProjection(b *testing.B, cameras, days, page int) {
	ctx := context.Background()
	w := newPricedShop(b, time.Now())
	pool, pipeline, shop, recorders, billing, svc := w.pool, w.pipeline, w.shop, w.recorders, w.billing, w.svc

	const recorderCount = 32
	type rec struct {
		id      string
		cameras []string
	}
	recs := make([]rec, recorderCount)
	for r := range recs {
		reg, err := recorders.Register(ctx, command.Origin{}, recordercmd.Register{Code: "K7QF-3MZP-9XRA", Serial: fmt.Sprintf("NVR-%d", r)})
		if err != nil {
			b.Fatal(err)
		}
		recs[r].id = reg.RecorderID
		reported := make([]recorder.Reported, cameras)
		for c := range reported {
			hw := fmt.Sprintf("hw-%d", c)
			reported[c] = recorder.Reported{Channel: c + 1, Name: fmt.Sprintf("Camera %d", c+1), HardwareID: hw}
			recs[r].cameras = append(recs[r].cameras, recordercmd.CameraID(reg.RecorderID, hw))
		}
		as := command.By(access.Principal{Kind: access.Recorder, ID: reg.RecorderID, AccountID: shop}, "r")
		if _, err := recorders.Report(ctx, as, reported); err != nil {
			b.Fatal(err)
		}
	}
	if err := pipeline.CatchUp(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := billing.AssignPlan(ctx, svc, shop, recs[0].cameras[0], w.premium); err != nil {
		b.Fatal(err)
	}
	if err := pipeline.CatchUp(ctx); err != nil {
		b.Fatal(err)
	}

	// Each part is new days of one recorder: rows are inserted, as in a month's ingestion.
	first := time.Now().UTC().AddDate(0, 0, 2)
	parts, rows := 0, 0
	var apply, commit time.Duration
	for b.Loop() {
		envs := make([]projections.Envelope, page)
		for p := range envs {
			r := recs[parts%recorderCount]
			from := first.AddDate(0, 0, days*(parts/recorderCount))
			entries := make([]usage.Entry, 0, cameras*days)
			for _, cam := range r.cameras {
				for d := range days {
					entries = append(entries, usage.Entry{CameraID: cam, Day: from.AddDate(0, 0, d).Format(time.DateOnly), InService: true, RecordedSeconds: 86_000, StoredBytes: 1 << 30})
				}
			}
			envs[p] = projections.Envelope{Type: usage.Reported{}.EventType(), RecordedAt: time.Now(),
				Event: usage.Reported{BatchPart: usage.BatchPart{AccountID: shop, RecorderID: r.id, BatchID: fmt.Sprintf("b-%d", parts), Sequence: uint64(parts), Part: 1, Parts: 1}, Columns: usage.ColumnsOf(entries)}}
			parts++
			rows += len(entries)
		}
		tx, err := pool.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		// As the pipeline commits a read model's page: a crash loses pages with their
		// checkpoint, applied again from the log.
		if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if err := (billingview.Projector{}).Apply(ctx, tx, envs); err != nil {
			_ = tx.Rollback(ctx)
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
		apply, commit = apply+t1.Sub(t0), commit+time.Since(t1)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(rows), "µs/row")
	b.ReportMetric(float64(apply.Microseconds())/float64(rows), "apply-µs/row")
	b.ReportMetric(float64(commit.Microseconds())/float64(b.N), "commit-µs/page")
	var priced int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM camera_usage_days WHERE daily_price_minor = 90`).Scan(&priced); err != nil {
		b.Fatal(err)
	}
	if want := days * ((parts + recorderCount - 1) / recorderCount); priced != want {
		b.Errorf("%d rows on the camera's own plan, want %d", priced, want)
	}
}
