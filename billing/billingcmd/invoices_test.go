package billingcmd_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/billing/billingcmd"
	"github.com/camcloud/accounts/billing/invoice"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
)

var usage = []invoice.Usage{
	{PlanID: "p1", PlanName: "Cloud 7 days", DailyPriceMinor: 25, Currency: "EUR", CameraDays: 62},
	{PlanID: "p2", PlanName: "Cloud 30 days", DailyPriceMinor: 90, Currency: "EUR", CameraDays: 31},
}

func newCommands() *billingcmd.Commands {
	h := command.NewHandler(memory.New(), eventstore.NewCodec(domain.Events()...))
	return billingcmd.New(h, access.NewAuthorizer(nil), nil)
}

// TestInvoicesAreIssuedOnceWithGaplessNumbers: 20 accounts invoiced by two runs at once get 20
// invoices numbered 1 to 20, each once; a third run issues nothing.
func TestInvoicesAreIssuedOnceWithGaplessNumbers(t *testing.T) {
	cmds := newCommands()
	ctx := context.Background()
	job := command.Service("billing-close")
	accounts := make([]string, 20)
	for i := range accounts {
		accounts[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
	}
	var mu sync.Mutex
	numbers := map[string]string{}
	issued := 0
	var wg sync.WaitGroup
	for range 2 { // two runs at once
		wg.Go(func() {
			for _, a := range accounts {
				res, err := cmds.IssueInvoice(ctx, job, a, "2026-10", usage, 30*24*time.Hour, 2000)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if prev, ok := numbers[a]; ok && prev != res.Number {
					t.Errorf("account %s got %s and %s", a, prev, res.Number)
				}
				numbers[a] = res.Number
				if res.New {
					issued++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	var got []string
	for _, n := range numbers {
		got = append(got, n)
	}
	slices.Sort(got)
	year := time.Now().UTC().Year()
	for i, n := range got {
		if want := fmt.Sprintf("%d-%06d", year, i+1); n != want {
			t.Fatalf("numbers %v: want %d-000001 to %d-000020 without gaps", got, year, year)
		}
	}
	if issued != 20 {
		t.Errorf("%d invoices issued, want 20", issued)
	}
	again, err := cmds.IssueInvoice(ctx, job, accounts[0], "2026-10", usage, 30*24*time.Hour, 2000)
	if err != nil || again.New || again.Number != numbers[accounts[0]] {
		t.Errorf("a third run: %+v, %v", again, err)
	}
}

func TestIssueRefusals(t *testing.T) {
	cmds := newCommands()
	ctx := context.Background()
	job := command.Service("billing-close")
	const a = "00000000-0000-4000-8000-000000000001"
	mixed := append(slices.Clone(usage), invoice.Usage{PlanID: "p3", PlanName: "US", DailyPriceMinor: 10, Currency: "USD", CameraDays: 1})
	if _, err := cmds.IssueInvoice(ctx, job, a, "2026-10", mixed, time.Hour, 0); !errors.Is(err, invoice.ErrMixedCurrencies) {
		t.Errorf("mixed currencies: %v", err)
	}
	if _, err := cmds.IssueInvoice(ctx, job, a, "2026-13", usage, time.Hour, 0); err == nil {
		t.Error("a bad period was accepted")
	}
	if _, err := cmds.IssueInvoice(ctx, command.By(access.Principal{Kind: access.User, ID: "u", AccountID: a}, ""), a, "2026-10", usage, time.Hour, 0); !errors.Is(err, access.ErrForbidden) {
		t.Errorf("a user issuing an invoice: %v", err)
	}
	// Refusals took no number: the first invoice issued is number 1.
	res, err := cmds.IssueInvoice(ctx, job, a, "2026-10", usage, time.Hour, 2000)
	if err != nil || res.Number[5:] != "000001" {
		t.Errorf("first invoice after refusals: %+v, %v", res, err)
	}
}
