package main

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/accounts/accountcmd"
	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/billing/billingcmd"
	"github.com/camcloud/accounts/billing/billingview"
	"github.com/camcloud/accounts/billing/usage"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/postgres"
	"github.com/camcloud/accounts/internal/pgtest"
	"github.com/camcloud/accounts/projections"
	"github.com/camcloud/accounts/recorders/recorder"
	"github.com/camcloud/accounts/recorders/recordercmd"
	"github.com/camcloud/accounts/recorders/recorderview"
)

// billingWorld is a store with the read models billing close reads, a plan on the platform, and
// shops with a recorder of one camera each.
type billingWorld struct {
	pool     *pgxpool.Pool
	pipeline *projections.Pipeline
	h        *command.Handler
	accounts *accountcmd.Commands
	billing  *billingcmd.Commands
	queries  *billingview.Queries
	authz    *access.Authorizer
}

// newBillingWorld sets the world up on the clock at setUp: plans and cameras exist from then on.
func newBillingWorld(t *testing.T, setUp time.Time) *billingWorld {
	ctx := t.Context()
	pool := pgtest.NewPool(t)
	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	store := postgres.New(pool)
	codec := eventstore.NewCodec(domain.Events()...)
	w := &billingWorld{pool: pool, h: command.NewHandler(store, codec), queries: billingview.NewQueries(pool),
		pipeline: projections.NewPipeline(store, pool, codec, watermill.NopLogger{}, accountview.Projector{}, recorderview.Projector{}, billingview.Projector{})}
	if err := w.pipeline.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	w.h.SetClock(func() time.Time { return setUp })
	svc := command.Service("test")
	w.authz = access.NewAuthorizer(accountview.NewQueries(pool))
	w.accounts = accountcmd.New(w.h, w.authz, nil)
	if _, err := w.accounts.EnsurePlatformRoot(ctx, svc, "Platform", account.Address{Line1: "1", City: "X", Country: "US"}); err != nil {
		t.Fatal(err)
	}
	w.billing = billingcmd.New(w.h, w.authz, recorderview.NewQueries(pool))
	p, err := w.billing.CreatePlan(ctx, svc, "Cloud 7 days", "EUR", 25)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.billing.AssignPlan(ctx, svc, account.PlatformRootID, "", p.PlanID); err != nil {
		t.Fatal(err)
	}
	return w
}

// shop makes a customer with a recorder of one camera (on the world's set-up clock), and
// returns the recorder's origin and the camera.
func (w *billingWorld) shop(t *testing.T, name string) (command.Origin, string) {
	ctx := t.Context()
	svc := command.Service("test")
	shop, err := w.accounts.Create(ctx, svc, accountcmd.CreateAccount{ParentID: account.PlatformRootID, Kind: account.KindCustomer, Name: name,
		Address: account.Address{Line1: "1", City: "X", Country: "US"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.pipeline.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	recorders := recordercmd.New(w.h, w.authz, accountview.NewQueries(w.pool), recorderview.NewQueries(w.pool), nil)
	reg, err := recorders.Register(ctx, command.Origin{}, recordercmd.Register{Code: string(shop.RegistrationCode), Serial: "NVR-" + strings.ReplaceAll(name, " ", "-"), ClientAddress: "10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	as := command.By(access.Principal{Kind: access.Recorder, ID: reg.RecorderID, AccountID: shop.AccountID}, "r")
	if _, err := recorders.Report(ctx, as, []recorder.Reported{{Channel: 1, HardwareID: "a"}}); err != nil {
		t.Fatal(err)
	}
	return as, recordercmd.CameraID(reg.RecorderID, "a")
}

func (w *billingWorld) events(t *testing.T) int {
	var n int
	if err := w.pool.QueryRow(t.Context(), `SELECT count(*) FROM events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBillingClose: `billing close` issues one invoice per account with priced usage, prints its
// progress as lines when not on a terminal, and a second run issues nothing. A period that has
// not ended, or a bad one, is refused with nothing written; usage of a closed period is refused.
func TestBillingClose(t *testing.T) {
	ctx := t.Context()
	now := time.Now().UTC()
	day := time.Date(now.Year(), now.Month()-1, 15, 12, 0, 0, 0, time.UTC) // in last month
	w := newBillingWorld(t, day.AddDate(0, 0, -1))
	var recorders []command.Origin
	var cameras []string
	for i := range 3 {
		as, camera := w.shop(t, fmt.Sprint("Shop ", i))
		recorders, cameras = append(recorders, as), append(cameras, camera)
	}
	w.h.SetClock(time.Now)
	for i, as := range recorders {
		if _, err := w.billing.ReportUsage(ctx, as, usage.Report{BatchID: "b", Entries: []usage.Entry{{CameraID: cameras[i], Day: day.Format(time.DateOnly), InService: true}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.pipeline.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	period := day.Format("2006-01")
	var out bytes.Buffer
	run := func(period, accountID string) error {
		out.Reset()
		return closePeriod(ctx, w.billing, w.queries, w.pipeline.CatchUp, period, accountID, 30*24*time.Hour, &out)
	}

	before := w.events(t)
	for _, c := range []struct{ period, account, want string }{
		{now.Format("2006-01"), "", "has not ended"},
		{now.AddDate(0, 2, 0).Format("2006-01"), "", "has not ended"},
		{"0000-01", "", "must be a month like 2026-10"},
		{"2026-13", "", "must be a month like 2026-10"},
		{"2026-1", "", "must be a month like 2026-10"},
		{period, "../../etc", "not an account ID"},
	} {
		err := run(c.period, c.account)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "SQLSTATE") {
			t.Errorf("close %q %q: %v, want %q", c.period, c.account, err, c.want)
		}
	}
	if after := w.events(t); after != before {
		t.Errorf("refused closes appended %d events", after-before)
	}

	if err := run(period, ""); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "3/3 accounts") || !strings.Contains(out.String(), "3 invoices issued, 0 issued before") {
		t.Errorf("output:\n%s", out.String())
	}
	if err := run(period, ""); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "0 invoices issued, 3 issued before") {
		t.Errorf("second run output:\n%s", out.String())
	}

	// A recorder's late report of a day of the invoiced period is refused, naming the entry; a
	// day of the next period is taken.
	late := usage.Report{BatchID: "late", Sequence: 2, Entries: []usage.Entry{
		{CameraID: cameras[0], Day: day.AddDate(0, 0, 1).Format(time.DateOnly), InService: true},
		{CameraID: cameras[0], Day: now.Format(time.DateOnly), InService: true},
	}}
	before = w.events(t)
	_, err := w.billing.ReportUsage(ctx, recorders[0], late)
	var bad *usage.InvalidBatchError
	if !errors.As(err, &bad) || bad.Total != 1 || bad.Entries[0].Field != "entries[0].day" || !strings.Contains(bad.Entries[0].Problem, "already invoiced") {
		t.Fatalf("late usage: %v %+v", err, bad)
	}
	if after := w.events(t); after != before {
		t.Errorf("refused usage appended %d events", after-before)
	}
	late.Entries = late.Entries[1:]
	if _, err := w.billing.ReportUsage(ctx, recorders[0], late); err != nil {
		t.Errorf("usage of the open period: %v", err)
	}
}

// TestBillingCloseBillsAllTakenUsage: usage reported while billing close runs is either refused
// (its period closed) or billed; none is taken and left out of the invoice.
func TestBillingCloseBillsAllTakenUsage(t *testing.T) {
	ctx := t.Context()
	now := time.Now().UTC()
	first := time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, time.UTC)
	w := newBillingWorld(t, first.AddDate(0, 0, -1))
	const shops, days = 3, 28
	var recorders []command.Origin
	var cameras []string
	for i := range shops {
		as, camera := w.shop(t, fmt.Sprint("Shop ", i))
		recorders, cameras = append(recorders, as), append(cameras, camera)
	}
	w.h.SetClock(time.Now)
	// One day each before the close, so that every shop has usage to invoice.
	for i, as := range recorders {
		if _, err := w.billing.ReportUsage(ctx, as, usage.Report{BatchID: "d0", Entries: []usage.Entry{{CameraID: cameras[i], Day: first.Format(time.DateOnly), InService: true}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.pipeline.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	// Each shop's recorder reports the period's days one by one, before, while and after the
	// close runs.
	taken := make([]atomic.Int64, shops)
	var wg, started sync.WaitGroup
	started.Add(shops)
	for i := range shops {
		taken[i].Store(1)
		wg.Go(func() {
			for d := 1; d < days; d++ {
				_, err := w.billing.ReportUsage(ctx, recorders[i], usage.Report{BatchID: fmt.Sprint("d", d), Sequence: uint64(d),
					Entries: []usage.Entry{{CameraID: cameras[i], Day: first.AddDate(0, 0, d).Format(time.DateOnly), InService: true}}})
				switch {
				case err == nil:
					taken[i].Add(1)
				case !errors.Is(err, usage.ErrInvalidBatch):
					t.Error(err)
				}
				if d == 3 {
					started.Done()
				}
			}
		})
	}
	started.Wait()
	var out bytes.Buffer
	if err := closePeriod(ctx, w.billing, w.queries, w.pipeline.CatchUp, first.Format("2006-01"), "", 30*24*time.Hour, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	wg.Wait()
	if err := w.pipeline.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	for i, as := range recorders {
		var billed int64
		if err := w.pool.QueryRow(ctx, `SELECT coalesce(sum((l->>'camera_days')::bigint), 0) FROM invoices i, jsonb_array_elements(i.lines) l WHERE i.account_id = $1`,
			as.Principal.AccountID).Scan(&billed); err != nil {
			t.Fatal(err)
		}
		if got := taken[i].Load(); billed != got {
			t.Errorf("shop %d: %d camera-days taken, %d billed", i, got, billed)
		}
	}
}

// TestBillingJobsNeedADatabase: without ACCOUNTS_DATABASE_URL and away from the service's private
// cluster, a billing job refuses to run rather than make and bill an empty database.
func TestBillingJobsNeedADatabase(t *testing.T) {
	dir := t.TempDir()
	cfg := config{DataDir: dir}
	for _, args := range [][]string{{"close", "--period", "2026-10"}, {"mark-overdue"}} {
		var out bytes.Buffer
		err := billing(t.Context(), cfg, slog.New(slog.DiscardHandler), args, &out)
		if err == nil || !strings.Contains(err.Error(), "ACCOUNTS_DATABASE_URL") {
			t.Errorf("billing %v: %v, want a refusal naming ACCOUNTS_DATABASE_URL", args, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the refused jobs left %d entries in the data folder", len(entries))
	}
}
