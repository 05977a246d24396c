package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/camcloud/accounts/billing/invoice"
	"github.com/camcloud/accounts/command"
)

// TestClosedAccountTakesNoChange: closing is terminal: its users, groups, item tree, billing and
// support grants take no change (409 account-closed, nothing written), its history is still
// read, and its invoices are still settled from above.
func TestClosedAccountTakesNoChange(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shop, _ := h.create(t, "", "customer", "Closed Shop")
	owed, err := h.billingAfter(t, "2026-10").IssueInvoice(t.Context(), command.Service("billing-close"), shop.ID, "2026-10",
		[]invoice.Usage{{PlanID: "7f9c0b5e-2d1a-4c3b-9e8f-0a1b2c3d4e5f", PlanName: "Cloud 7 days", DailyPriceMinor: 25, Currency: "EUR", CameraDays: 31}}, 30*24*time.Hour, 0)
	if err != nil {
		t.Fatal(err)
	}
	closing := h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + shop.ID + ":close"})
	closing.expect(t, http.StatusOK, nil)
	account := "/v1/accounts/" + shop.ID
	before := h.lastPosition(t)
	for _, r := range []req{
		{Method: http.MethodPost, Path: account + "/users", Body: map[string]any{"username": "late", "email": "late@shop.example"}},
		{Method: http.MethodPost, Path: account + "/groups", Body: map[string]any{"name": "Late", "permissions": []string{}}},
		{Method: http.MethodPost, Path: account + "/folders", Body: map[string]any{"name": "Late"}},
		{Method: http.MethodPatch, Path: account + "/billing-details", Body: map[string]any{"company_name": "Late"}},
		{Method: http.MethodPut, Path: account + "/tax-rate", Body: map[string]any{"tax_rate_bp": 100}},
		{Method: http.MethodPut, Path: account + "/billing-addresses", Body: map[string]any{"addresses": []any{testAddress}}},
		{Method: http.MethodPut, Path: account + "/plan", Body: map[string]any{"plan_id": "7f9c0b5e-2d1a-4c3b-9e8f-0a1b2c3d4e5f"}},
		{Method: http.MethodPost, Path: account + "/support-grants", Body: map[string]any{"whole_account": true}},
		{Method: http.MethodPost, Path: account + "/service-clients", Body: map[string]any{"name": "Late", "scopes": []string{"usage.read"}}},
	} {
		t.Run(r.Method+" "+r.Path[len(account):], func(t *testing.T) {
			h.do(t, r).expectProblem(t, http.StatusConflict, "/problems/account-closed")
		})
	}
	if after := h.lastPosition(t); after != before {
		t.Errorf("changes to a closed account appended events: %v -> %v", before, after)
	}
	h.do(t, req{Method: http.MethodGet, Path: account + "/billing-details"}).expect(t, http.StatusOK, nil)
	// What it owes is still settled from above.
	h.do(t, req{Method: http.MethodPost, Path: "/v1/invoices/" + owed.InvoiceID + ":pay"}).expect(t, http.StatusOK, nil)
	h.do(t, req{Method: http.MethodGet, Path: account + "/users"}).expect(t, http.StatusOK, nil)
}
