package billingview_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/access/accesstest"
	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/accounts/accountcmd"
	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/billing/billingcmd"
	"github.com/camcloud/accounts/billing/billingview"
	"github.com/camcloud/accounts/billing/plan"
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

// TestLastReportWinsAndRebuilds: the read model keeps, per camera and day, the report with the
// highest sequence whatever the order they came in (the later of two with the same sequence),
// with the camera's path; a rebuild from the first event gives the same rows.
func TestLastReportWinsAndRebuilds(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	codec := eventstore.NewCodec(domain.Events()...)
	pool := pgtest.NewPool(t)
	pipeline := projections.NewPipeline(store, pool, codec, watermill.NopLogger{}, accountview.Projector{}, recorderview.Projector{}, billingview.Projector{})
	if err := pipeline.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	h := command.NewHandler(store, codec)
	recorders := recordercmd.New(h, access.NewAuthorizer(accesstest.Everywhere{}), codeOf{shop}, recorderview.NewQueries(pool), nil)
	billing := billingcmd.New(h, access.NewAuthorizer(accesstest.Everywhere{}), recorderview.NewQueries(pool))

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
	dayBefore := h.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02")
	for _, r := range []struct {
		batch    string
		sequence uint64
		seconds  int64
	}{{"b-1", 1, 100}, {"b-3", 3, 300}, {"b-2", 2, 200}, {"b-3", 3, 999}, {"b-4", 3, 400}, {"b-0", 0, 1}} {
		if _, err := billing.ReportUsage(ctx, as, usage.Report{BatchID: r.batch, Sequence: r.sequence,
			Entries: []usage.Entry{{CameraID: camera, Day: day, InService: true, RecordedSeconds: r.seconds}}}); err != nil {
			t.Fatal(err)
		}
	}
	// A batch stored before entries went in columns, as that version wrote it, is read too.
	legacy := fmt.Sprintf(`{"account_id":%q,"recorder_id":%q,"batch_id":"b-5","sequence":5,"part":1,"parts":1,`+
		`"entries":[{"camera_id":%q,"day":%q,"in_service":true,"recorded_seconds":500,"stored_bytes":0}]}`, shop, reg.RecorderID, camera, dayBefore)
	if _, err := store.Append(ctx, "usagebatch-"+reg.RecorderID+".b-5", eventstore.NoStream, eventstore.EventData{ID: uuid.New(),
		Type: "usage.reported.v1", Data: []byte(legacy), Metadata: eventstore.Metadata{AccountID: shop}}); err != nil {
		t.Fatal(err)
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
	// Applied in one page, as one statement: the highest sequence, the later of two equal ones.
	if want := fmt.Sprint([][]any{{camera, dayBefore, int32(500), "Lobby", "NVR-1"}, {camera, day, int32(400), "Lobby", "NVR-1"}}); fmt.Sprint(before) != want {
		t.Fatalf("rows %v, want %v", before, want)
	}
	if err := pipeline.Rebuild(ctx, billingview.Name); err != nil {
		t.Fatal(err)
	}
	if after := read(); !reflect.DeepEqual(before, after) {
		t.Errorf("rebuilt rows %v, want %v", after, before)
	}
}

type codeOf struct{ id string }

func (c codeOf) AccountOfCode(context.Context, account.RegistrationCode) (string, account.Status, bool, error) {
	return c.id, account.StatusActive, true, nil
}

// TestUsageIsPriced: a day's usage carries the plan the camera was on that day and its price
// then: the camera's own plan, else its account's default, else the nearest default above it;
// changes take effect the next day.
func TestUsageIsPriced(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	w := newPricedShop(t, now.AddDate(0, 0, -2)) // plans made two days ago, the root's default from yesterday on
	pool, pipeline, h, svc, shop, recorders, billing, basic, premium := w.pool, w.pipeline, w.h, w.svc, w.shop, w.recorders, w.billing, w.basic, w.premium
	// A price change, from yesterday on.
	price := int64(30)
	if _, err := billing.UpdatePlan(ctx, svc, basic, nil, &price, nil); err != nil {
		t.Fatal(err)
	}
	reg, err := recorders.Register(ctx, command.Origin{}, recordercmd.Register{Code: "K7QF-3MZP-9XRA", Serial: "NVR-1"})
	if err != nil {
		t.Fatal(err)
	}
	as := command.By(access.Principal{Kind: access.Recorder, ID: reg.RecorderID, AccountID: shop}, "r")
	if _, err := recorders.Report(ctx, as, []recorder.Reported{{Channel: 1, HardwareID: "a"}, {Channel: 2, HardwareID: "b"}}); err != nil {
		t.Fatal(err)
	}
	if err := pipeline.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	camA, camB := recordercmd.CameraID(reg.RecorderID, "a"), recordercmd.CameraID(reg.RecorderID, "b")
	if _, err := billing.AssignPlan(ctx, svc, shop, camB, premium); err != nil {
		t.Fatal(err)
	}
	if _, err := billing.AssignPlan(ctx, svc, shop, camB, "7f9c0b5e-2d1a-4c3b-9e8f-0a1b2c3d4e5f"); !errors.Is(err, plan.ErrUnknownPlan) {
		t.Errorf("an unknown plan: %v", err)
	}

	// Yesterday: the shop's own default, and camera B back on it, both from today on.
	h.SetClock(func() time.Time { return now.AddDate(0, 0, -1) })
	standard, err := billing.CreatePlan(ctx, svc, "Cloud 14 days", "EUR", 50)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := billing.AssignPlan(ctx, svc, shop, "", standard.PlanID); err != nil {
		t.Fatal(err)
	}
	if _, err := billing.AssignPlan(ctx, svc, shop, camB, ""); err != nil {
		t.Fatal(err)
	}

	h.SetClock(time.Now)
	today := now.UTC().Format(time.DateOnly)
	yesterday := now.UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	twoDaysAgo := now.UTC().AddDate(0, 0, -2).Format(time.DateOnly)
	var entries []usage.Entry
	for _, cam := range []string{camA, camB} {
		for _, day := range []string{twoDaysAgo, yesterday, today} {
			entries = append(entries, usage.Entry{CameraID: cam, Day: day, InService: true, RecordedSeconds: 60})
		}
	}
	if _, err := billing.ReportUsage(ctx, as, usage.Report{BatchID: "b", Sequence: 1, Entries: entries}); err != nil {
		// The cameras were first seen two days ago (the clock then), so both days are theirs.
		t.Fatal(err)
	}
	if err := pipeline.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `SELECT camera_id::text, day::text, coalesce(plan_name, '-'), coalesce(daily_price_minor, -1), coalesce(currency, '-')
		FROM camera_usage_daily ORDER BY camera_id, day`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for rows.Next() {
		var cam, day, name, currency string
		var minor int64
		if err := rows.Scan(&cam, &day, &name, &minor, &currency); err != nil {
			t.Fatal(err)
		}
		who := "A"
		if cam == camB {
			who = "B"
		}
		got[who+" "+day] = fmt.Sprintf("%s %d %s", name, minor, currency)
	}
	want := map[string]string{
		"A " + twoDaysAgo: "- -1 -", // no plan yet: assignments take effect the next day
		"B " + twoDaysAgo: "- -1 -",
		"A " + yesterday:  "Cloud 7 days 30 EUR",  // the root's default, at its new price
		"B " + yesterday:  "Cloud 30 days 90 EUR", // its own plan
		"A " + today:      "Cloud 14 days 50 EUR", // the shop's own default, nearer than the root's
		"B " + today:      "Cloud 14 days 50 EUR", // back on its account's plan
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("priced usage\n got %v\nwant %v", got, want)
	}
}

// pricedShop is a platform root and one customer account below it on a fresh database, with the
// accounts, recorders and billing read models, the commands that act on them, and two plans:
// "Cloud 7 days" at 25 (the root's default from the next day on) and "Cloud 30 days" at 90.
type pricedShop struct {
	pool           *pgxpool.Pool
	pipeline       *projections.Pipeline
	h              *command.Handler
	svc            command.Origin
	shop           string
	recorders      *recordercmd.Commands
	billing        *billingcmd.Commands
	basic, premium string // plan IDs
}

// newPricedShop makes a pricedShop with its command handler's clock at at.
func newPricedShop(tb testing.TB, at time.Time) pricedShop {
	tb.Helper()
	ctx := context.Background()
	store := memory.New()
	codec := eventstore.NewCodec(domain.Events()...)
	w := pricedShop{pool: pgtest.NewPool(tb), svc: command.Service("test"), h: command.NewHandler(store, codec)}
	w.pipeline = projections.NewPipeline(store, w.pool, codec, watermill.NopLogger{}, accountview.Projector{}, recorderview.Projector{}, billingview.Projector{})
	if err := w.pipeline.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	w.h.SetClock(func() time.Time { return at })
	accounts := accountcmd.New(w.h, access.NewAuthorizer(accesstest.Everywhere{}), nil)
	addr := account.Address{Line1: "1", City: "X", Country: "US"}
	if _, err := accounts.EnsurePlatformRoot(ctx, w.svc, "Platform", addr); err != nil {
		tb.Fatal(err)
	}
	shop, err := accounts.Create(ctx, w.svc, accountcmd.CreateAccount{ParentID: account.PlatformRootID, Kind: account.KindCustomer, Name: "Shop", Address: addr})
	if err != nil {
		tb.Fatal(err)
	}
	if err := w.pipeline.CatchUp(ctx); err != nil {
		tb.Fatal(err)
	}
	w.shop = shop.AccountID
	w.recorders = recordercmd.New(w.h, access.NewAuthorizer(accesstest.Everywhere{}), codeOf{w.shop}, recorderview.NewQueries(w.pool), nil)
	w.billing = billingcmd.New(w.h, access.NewAuthorizer(accesstest.Everywhere{}), recorderview.NewQueries(w.pool))
	for _, p := range []struct {
		id    *string
		name  string
		price int64
	}{{&w.basic, "Cloud 7 days", 25}, {&w.premium, "Cloud 30 days", 90}} {
		created, err := w.billing.CreatePlan(ctx, w.svc, p.name, "EUR", p.price)
		if err != nil {
			tb.Fatal(err)
		}
		*p.id = created.PlanID
	}
	if _, err := w.billing.AssignPlan(ctx, w.svc, account.PlatformRootID, "", w.basic); err != nil {
		tb.Fatal(err)
	}
	return w
}

// TestBillingReaderRoleReadsTheViewOnly: with the camcloud_billing_reader role made (README), the
// usage view is granted to it, also once rebuilt, and nothing else of the read model is.
func TestBillingReaderRoleReadsTheViewOnly(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	// A role is the cluster's, not the test database's: made once, never dropped (it holds no
	// login and, but for this grant, no rights).
	if _, err := pool.Exec(ctx, `DO $$ BEGIN CREATE ROLE camcloud_billing_reader NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`); err != nil {
		t.Fatal(err)
	}
	store := memory.New()
	pipeline := projections.NewPipeline(store, pool, eventstore.NewCodec(domain.Events()...), watermill.NopLogger{}, billingview.Projector{})
	if err := pipeline.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		for table, want := range map[string]bool{"camera_usage_daily": true, "camera_usage_days": false, "invoices": false, "billing_details": false} {
			var granted bool
			if err := pool.QueryRow(ctx, `SELECT has_table_privilege('camcloud_billing_reader', $1, 'SELECT')`, table).Scan(&granted); err != nil {
				t.Fatal(err)
			}
			if granted != want {
				t.Errorf("%s: camcloud_billing_reader reads %s: %v, want %v", when, table, granted, want)
			}
		}
	}
	check("set up")
	if err := pipeline.Rebuild(ctx, billingview.Name); err != nil {
		t.Fatal(err)
	}
	check("rebuilt")
}
