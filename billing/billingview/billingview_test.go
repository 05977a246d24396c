package billingview_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/ThreeDotsLabs/watermill"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/billing/billingcmd"
	"github.com/camcloud/accounts/billing/billingview"
	"github.com/camcloud/accounts/billing/usage"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
	"github.com/camcloud/accounts/internal/pgtest"
	"github.com/camcloud/accounts/projections"
	"github.com/camcloud/accounts/recorders/recorder"
	"github.com/camcloud/accounts/recorders/recordercmd"
	"github.com/camcloud/accounts/recorders/recorderview"
)

const shop = "11111111-1111-4111-8111-111111111111"

type oneCode struct{}

func (oneCode) AccountOfCode(context.Context, account.RegistrationCode) (string, account.Status, bool, error) {
	return shop, account.StatusActive, true, nil
}

type everywhere struct{}

func (everywhere) IsWithin(context.Context, string, string) (bool, error) { return true, nil }

// TestLastReportWinsAndRebuilds: the read model keeps, per camera and day, the report with the
// highest sequence whatever the order they came in, with the camera's path; a rebuild from the
// first event gives the same rows.
func TestLastReportWinsAndRebuilds(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	codec := eventstore.NewCodec(domain.Events()...)
	pool := pgtest.NewPool(t)
	pipeline := projections.NewPipeline(store, pool, codec, watermill.NopLogger{}, recorderview.Projector{}, billingview.Projector{})
	if err := pipeline.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	h := command.NewHandler(store, codec)
	recorders := recordercmd.New(h, access.NewAuthorizer(everywhere{}), oneCode{}, recorderview.NewQueries(pool), nil)
	billing := billingcmd.New(h)

	reg, err := recorders.Register(ctx, command.Origin{}, recordercmd.Register{Code: "K7QF-3MZP-9XRA", Serial: "NVR-1"})
	if err != nil {
		t.Fatal(err)
	}
	as := command.By(access.Principal{Kind: access.Recorder, ID: reg.RecorderID, AccountID: shop}, "r")
	if _, err := recorders.Report(ctx, as, []recorder.Reported{{Channel: 1, Name: "Lobby", HardwareID: "a"}}); err != nil {
		t.Fatal(err)
	}
	if err := pipeline.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	camera := recordercmd.CameraID(reg.RecorderID, "a")
	day := h.Now().UTC().Format("2006-01-02")
	for _, r := range []struct {
		batch    string
		sequence uint64
		seconds  int64
	}{{"b-1", 1, 100}, {"b-3", 3, 300}, {"b-2", 2, 200}, {"b-3", 3, 999}} {
		if _, err := billing.ReportUsage(ctx, as, usage.Report{BatchID: r.batch, Sequence: r.sequence,
			Entries: []usage.Entry{{CameraID: camera, Day: day, InService: true, RecordedSeconds: r.seconds}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := pipeline.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	read := func() [][]any {
		rows, err := pool.Query(ctx, `SELECT camera_id::text, day::text, recorded_seconds, item_path, recorder_serial FROM camera_usage_daily ORDER BY camera_id, day`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out [][]any
		for rows.Next() {
			v, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
		return out
	}
	before := read()
	if want := fmt.Sprint([][]any{{camera, day, int32(300), "Lobby", "NVR-1"}}); fmt.Sprint(before) != want {
		t.Fatalf("rows %v, want %v", before, want)
	}
	if err := pipeline.Rebuild(ctx, billingview.Name); err != nil {
		t.Fatal(err)
	}
	if after := read(); !reflect.DeepEqual(before, after) {
		t.Errorf("rebuilt rows %v, want %v", after, before)
	}
}
