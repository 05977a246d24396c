package invoice_test

import (
	"testing"
	"time"

	"github.com/camcloud/accounts/billing/invoice"
)

func TestIssueComputesLinesTaxAndDueDate(t *testing.T) {
	usage := []invoice.Usage{
		{PlanID: "p1", PlanName: "Cloud 7 days", DailyPriceMinor: 25, Currency: "EUR", CameraDays: 62},
		{PlanID: "p1", PlanName: "Cloud 7 days", DailyPriceMinor: 30, Currency: "EUR", CameraDays: 10}, // repriced mid-month
		{PlanID: "", CameraDays: 5},                    // on no plan: not billed
		{PlanID: "p2", Currency: "EUR", CameraDays: 0}, // nothing in service
	}
	issued := time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)
	events, err := invoice.Issue(invoice.Invoice{}, "inv-1", "acme", "2026-10", usage, invoice.Sequence{Last: 41}, issued, 30*24*time.Hour, 1950)
	if err != nil {
		t.Fatal(err)
	}
	n := events[0].(invoice.NumberTaken)
	i := events[1].(invoice.Issued)
	if n.Sequence != 42 || i.Number != "2026-000042" || i.DueDate != "2026-12-01" || i.IssueDate != "2026-11-01" {
		t.Errorf("number %+v, invoice %+v", n, i)
	}
	// 62 x 25 + 10 x 30 = 1,850; 19.5 % of it is 360.75, rounded half up to 361.
	if len(i.Lines) != 2 || i.SubtotalMinor != 1850 || i.TaxMinor != 361 || i.TotalMinor != 2211 || i.Currency != "EUR" {
		t.Errorf("lines %+v subtotal %d tax %d total %d", i.Lines, i.SubtotalMinor, i.TaxMinor, i.TotalMinor)
	}
	inv := invoice.Invoice{}.Apply(i)
	if again, _ := invoice.Issue(inv, "inv-1", "acme", "2026-10", usage, invoice.Sequence{Last: 42}, issued, time.Hour, 0); again != nil {
		t.Errorf("issued twice: %v", again)
	}
	if _, err := invoice.Issue(invoice.Invoice{}, "inv-2", "acme", "2026-10", usage[2:], invoice.Sequence{}, issued, time.Hour, 0); err == nil {
		t.Error("an invoice of nothing")
	}
}

func TestStatuses(t *testing.T) {
	i := invoice.Invoice{}.Apply(invoice.Issued{InvoiceID: "i", AccountID: "a", DueDate: "2026-12-01"})
	if ev, _ := i.MarkOverdue("2026-12-01"); ev != nil {
		t.Error("overdue on its due date")
	}
	ev, _ := i.MarkOverdue("2026-12-02")
	if len(ev) != 1 {
		t.Fatal("not overdue the day after")
	}
	i = i.Apply(ev[0])
	paid, err := i.Pay()
	if err != nil || len(paid) != 1 {
		t.Fatalf("paying an overdue invoice: %v", err)
	}
	i = i.Apply(paid[0])
	if _, err := i.Void("wrong customer"); err == nil {
		t.Error("a paid invoice was voided")
	}
	v := invoice.Invoice{}.Apply(invoice.Issued{InvoiceID: "j", AccountID: "a"})
	if _, err := v.Void(""); err == nil {
		t.Error("voided without a reason")
	}
	voided, _ := v.Void("issued by mistake")
	v = v.Apply(voided[0])
	if _, err := v.Pay(); err == nil || v.Status != invoice.StatusVoid {
		t.Errorf("paying a void invoice: %v (%s)", err, v.Status)
	}
}
