package plan_test

import (
	"testing"

	"github.com/camcloud/accounts/billing/plan"
	"github.com/camcloud/accounts/domain/domaintest"
)

func given(events ...plan.Event) plan.Plan {
	var p plan.Plan
	for _, e := range events {
		p = p.Apply(e)
	}
	return p
}

var created = plan.Created{PlanID: "p1", AccountID: "root", Name: "Cloud 7 days", Currency: "EUR", DailyPriceMinor: 25, EffectiveFrom: "2026-10-01"}

func TestCreate(t *testing.T) {
	create := func(name, currency string, minor int64) func(plan.Plan) ([]plan.Event, error) {
		return func(p plan.Plan) ([]plan.Event, error) {
			return plan.Create(p, "p1", "root", name, currency, minor, "2026-10-01")
		}
	}
	domaintest.Decide(t, "a plan with a name, a currency and a daily price", plan.Plan{}, create(" Cloud 7 days ", "EUR", 25), []plan.Event{created}, nil)
	domaintest.Decide(t, "a free plan", plan.Plan{}, create("Trial", "USD", 0),
		[]plan.Event{plan.Created{PlanID: "p1", AccountID: "root", Name: "Trial", Currency: "USD", EffectiveFrom: "2026-10-01"}}, nil)
	domaintest.Decide(t, "no name", plan.Plan{}, create("", "EUR", 25), nil, domaintest.Refused("name"))
	domaintest.Decide(t, "a currency in lower case", plan.Plan{}, create("X", "eur", 25), nil, domaintest.Refused("currency"))
	for _, code := range []string{"ABC", "XXX", "XTS"} {
		domaintest.Decide(t, "no currency: "+code, plan.Plan{}, create("X", code, 25), nil, domaintest.Refused("currency"))
	}
	domaintest.Decide(t, "a negative price", plan.Plan{}, create("X", "EUR", -1), nil, domaintest.Refused("daily_price_minor"))
}

func TestPricesOverTime(t *testing.T) {
	p := given(created, plan.Repriced{PlanID: "p1", DailyPriceMinor: 30, EffectiveFrom: "2026-10-15"})
	for day, want := range map[string]int64{"2026-10-01": 25, "2026-10-14": 25, "2026-10-15": 30, "2026-12-01": 30} {
		if got, ok := p.PriceOn(day); !ok || got != want {
			t.Errorf("price on %s = %d (%v), want %d", day, got, ok, want)
		}
	}
	if _, ok := p.PriceOn("2026-09-30"); ok {
		t.Error("a price before the plan existed")
	}
	// A later change for the same day replaces the earlier one.
	p = p.Apply(plan.Repriced{PlanID: "p1", DailyPriceMinor: 28, EffectiveFrom: "2026-10-15"})
	if got, _ := p.PriceOn("2026-10-20"); got != 28 || len(p.Prices) != 2 {
		t.Errorf("after a second change for the same day: %d, prices %v", got, p.Prices)
	}
	domaintest.Decide(t, "the same price again changes nothing", p, func(p plan.Plan) ([]plan.Event, error) { return p.Reprice(28, "2026-10-20") }, nil, nil)
	domaintest.Decide(t, "a missing plan is not repriced", plan.Plan{}, func(p plan.Plan) ([]plan.Event, error) { return p.Reprice(1, "2026-10-20") }, nil, plan.ErrNotFound)
}

func TestAssign(t *testing.T) {
	p := given(created)
	var a plan.Assignments
	events, err := a.Assign("acme", "", p, "2026-10-02")
	if err != nil || len(events) != 1 {
		t.Fatalf("assign the default: %v, %v", events, err)
	}
	a = a.Apply(events[0])
	if again, _ := a.Assign("acme", "", p, "2026-10-03"); again != nil {
		t.Errorf("the same default again: %v", again)
	}
	if _, err := a.Assign("acme", "", plan.Plan{}, "2026-10-03"); err == nil {
		t.Error("an account put on no plan")
	}
	cam, _ := a.Assign("acme", "cam-1", p, "2026-10-03")
	a = a.Apply(cam[0])
	back, _ := a.Assign("acme", "cam-1", plan.Plan{}, "2026-10-04")
	if len(back) != 1 || a.Apply(back[0]).Cameras["cam-1"] != "" {
		t.Errorf("a camera back on its account's plan: %v", back)
	}
}
