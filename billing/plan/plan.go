// Package plan holds the service plans ("Cloud 7 days", "Cloud 30 days"): a name, a currency and
// a daily price per camera in integer minor units (cents), whose changes take effect from a day
// on, never back in time; and the plans accounts and cameras are put on (Assignment). Money is
// never a float.
//
// The package is pure: decisions are functions from the folded state and a command to events or
// a typed error.
package plan

import (
	"fmt"
	"golang.org/x/text/currency"
	"time"

	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/domain/field"
)

// Event is a fact about a plan or an assignment.
type Event interface{ EventType() string }

// Created starts a plan's stream.
type Created struct {
	PlanID          string `json:"plan_id"`
	AccountID       string `json:"account_id"` // the platform root, which owns the catalogue
	Name            string `json:"name"`
	Currency        string `json:"currency"`
	DailyPriceMinor int64  `json:"daily_price_minor"`
	EffectiveFrom   string `json:"effective_from"` // YYYY-MM-DD
}

// Repriced: from EffectiveFrom on, a camera-day on the plan costs DailyPriceMinor.
type Repriced struct {
	PlanID          string `json:"plan_id"`
	AccountID       string `json:"account_id"`
	DailyPriceMinor int64  `json:"daily_price_minor"`
	EffectiveFrom   string `json:"effective_from"`
}

// Renamed gives the plan another name.
type Renamed struct {
	PlanID    string `json:"plan_id"`
	AccountID string `json:"account_id"`
	Name      string `json:"name"`
}

func (Created) EventType() string  { return "plan.created.v1" }
func (Repriced) EventType() string { return "plan.repriced.v1" }
func (Renamed) EventType() string  { return "plan.renamed.v1" }

// Price is a plan's daily price from a day on.
type Price struct {
	From  string
	Minor int64
}

// Plan is a plan's stream, folded.
type Plan struct {
	ID        string
	AccountID string
	Name      string
	Currency  string
	Prices    []Price // by From, ascending
	Exists    bool
}

// Apply returns the plan after e.
func (p Plan) Apply(e Event) Plan {
	switch e := e.(type) {
	case Created:
		return Plan{ID: e.PlanID, AccountID: e.AccountID, Name: e.Name, Currency: e.Currency,
			Prices: []Price{{From: e.EffectiveFrom, Minor: e.DailyPriceMinor}}, Exists: true}
	case Repriced:
		prices := make([]Price, 0, len(p.Prices)+1)
		for _, pr := range p.Prices {
			if pr.From < e.EffectiveFrom {
				prices = append(prices, pr)
			}
		}
		p.Prices = append(prices, Price{From: e.EffectiveFrom, Minor: e.DailyPriceMinor})
	case Renamed:
		p.Name = e.Name
	}
	return p
}

// The outcomes a caller acts on; test for them with errors.Is.
var (
	ErrNotFound = fault.New(fault.NotFound, "plan not found")
	// ErrUnknownPlan: a plan named in an assignment does not exist.
	ErrUnknownPlan = fault.New(fault.Invalid, "unknown plan").With(fault.Problem{
		Type: "unknown-plan", Title: "Unknown plan", Field: "plan_id", Detail: "plan_id is not a service plan",
	})
)

const maxPriceMinor = 1_000_000_00 // a million a camera-day: beyond any real price, far from overflow

// Create decides a new plan, priced from effectiveFrom on.
func Create(existing Plan, id, accountID, name, currency string, dailyPriceMinor int64, effectiveFrom string) ([]Event, error) {
	if existing.Exists {
		return nil, fmt.Errorf("create plan: the command layer must choose a fresh ID")
	}
	name, err := field.Text("name", name, true, 100)
	if err != nil {
		return nil, err
	}
	if err := validCurrency(currency); err != nil {
		return nil, err
	}
	if err := validPrice(dailyPriceMinor); err != nil {
		return nil, err
	}
	return []Event{Created{PlanID: id, AccountID: accountID, Name: name, Currency: currency, DailyPriceMinor: dailyPriceMinor, EffectiveFrom: effectiveFrom}}, nil
}

// Reprice changes the daily price from effectiveFrom on (the command layer passes the next day).
func (p Plan) Reprice(dailyPriceMinor int64, effectiveFrom string) ([]Event, error) {
	if !p.Exists {
		return nil, ErrNotFound
	}
	if err := validPrice(dailyPriceMinor); err != nil {
		return nil, err
	}
	if last := p.Prices[len(p.Prices)-1]; last.Minor == dailyPriceMinor && last.From <= effectiveFrom {
		return nil, nil
	}
	return []Event{Repriced{PlanID: p.ID, AccountID: p.AccountID, DailyPriceMinor: dailyPriceMinor, EffectiveFrom: effectiveFrom}}, nil
}

// Rename gives the plan another name.
func (p Plan) Rename(name string) ([]Event, error) {
	if !p.Exists {
		return nil, ErrNotFound
	}
	name, err := field.Text("name", name, true, 100)
	if err != nil || name == p.Name {
		return nil, err
	}
	return []Event{Renamed{PlanID: p.ID, AccountID: p.AccountID, Name: name}}, nil
}

// PriceOn returns the plan's daily price on day.
func (p Plan) PriceOn(day string) (int64, bool) {
	var price int64
	found := false
	for _, pr := range p.Prices {
		if pr.From <= day {
			price, found = pr.Minor, true
		}
	}
	return price, found
}

// validCurrency accepts an ISO 4217 code in capitals that names money: one the CLDR data of
// golang.org/x/text knows, but XXX (no currency) and XTS (reserved for tests).
func validCurrency(c string) error {
	if len(c) != 3 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' || c[2] < 'A' || c[2] > 'Z' {
		return field.Invalid("currency", "must be an ISO 4217 code of three capital letters, like EUR")
	}
	if _, err := currency.ParseISO(c); err != nil || c == "XXX" || c == "XTS" {
		return field.Invalid("currency", "must be an ISO 4217 currency, like EUR; "+c+" is none")
	}
	return nil
}

func validPrice(minor int64) error {
	if minor < 0 || minor > maxPriceMinor {
		return field.Invalid("daily_price_minor", fmt.Sprintf("must be a whole number of minor units from 0 to %d", maxPriceMinor))
	}
	return nil
}

// NextDay is the day after now (UTC), YYYY-MM-DD: when a change made now takes effect.
func NextDay(now time.Time) string { return now.UTC().AddDate(0, 0, 1).Format(time.DateOnly) }
