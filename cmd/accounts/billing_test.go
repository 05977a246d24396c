package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"

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

// TestBillingClose: `billing close` issues one invoice per account with priced usage, prints its
// progress as lines when not on a terminal, and a second run issues nothing.
func TestBillingClose(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	store := postgres.New(pool)
	codec := eventstore.NewCodec(domain.Events()...)
	pipeline := projections.NewPipeline(store, pool, codec, watermill.NopLogger{}, accountview.Projector{}, recorderview.Projector{}, billingview.Projector{})
	if err := pipeline.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	h := command.NewHandler(store, codec)
	now := time.Now()
	h.SetClock(func() time.Time { return now.AddDate(0, 0, -1) }) // plans and cameras set up yesterday
	svc := command.Service("test")
	authz := access.NewAuthorizer(accountview.NewQueries(pool))
	accounts := accountcmd.New(h, authz, nil)
	addr := account.Address{Line1: "1", City: "X", Country: "US"}
	if _, err := accounts.EnsurePlatformRoot(ctx, svc, "Platform", addr); err != nil {
		t.Fatal(err)
	}
	billing := billingcmd.New(h, authz, recorderview.NewQueries(pool))
	p, err := billing.CreatePlan(ctx, svc, "Cloud 7 days", "EUR", 25)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := billing.AssignPlan(ctx, svc, account.PlatformRootID, "", p.PlanID); err != nil {
		t.Fatal(err)
	}
	today := now.UTC().Format(time.DateOnly)
	for i := range 3 {
		shop, err := accounts.Create(ctx, svc, accountcmd.CreateAccount{ParentID: account.PlatformRootID, Kind: account.KindCustomer, Name: fmt.Sprint("Shop ", i), Address: addr})
		if err != nil {
			t.Fatal(err)
		}
		if err := pipeline.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		recorders := recordercmd.New(h, authz, accountview.NewQueries(pool), recorderview.NewQueries(pool), nil)
		reg, err := recorders.Register(ctx, command.Origin{}, recordercmd.Register{Code: string(shop.RegistrationCode), Serial: fmt.Sprint("NVR-", i), ClientAddress: "10.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		as := command.By(access.Principal{Kind: access.Recorder, ID: reg.RecorderID, AccountID: shop.AccountID}, "r")
		if _, err := recorders.Report(ctx, as, []recorder.Reported{{Channel: 1, HardwareID: "a"}}); err != nil {
			t.Fatal(err)
		}
		h.SetClock(time.Now)
		if _, err := billing.ReportUsage(ctx, as, usage.Report{BatchID: "b", Entries: []usage.Entry{{CameraID: recordercmd.CameraID(reg.RecorderID, "a"), Day: today, InService: true}}}); err != nil {
			t.Fatal(err)
		}
		h.SetClock(func() time.Time { return now.AddDate(0, 0, -1) })
	}
	h.SetClock(time.Now)
	if err := pipeline.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	period := today[:7]
	queries := billingview.NewQueries(pool)
	var out bytes.Buffer
	if err := closePeriod(ctx, billing, queries, period, "", 30*24*time.Hour, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "3/3 accounts") || !strings.Contains(out.String(), "3 invoices issued, 0 issued before") {
		t.Errorf("output:\n%s", out.String())
	}
	out.Reset()
	if err := closePeriod(ctx, billing, queries, period, "", 30*24*time.Hour, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "0 invoices issued, 3 issued before") {
		t.Errorf("second run output:\n%s", out.String())
	}
}
