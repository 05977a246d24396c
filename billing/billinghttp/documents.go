package billinghttp

import (
	"context"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/adapters/httpkit"
	"github.com/camcloud/accounts/billing/billingdoc"
	"github.com/camcloud/accounts/billing/billingview"
)

// invoicePDF answers an invoice as a PDF (billing.view): the platform as issuer, the account's
// billing details (else its name and address) as customer.
func (h *Handlers) invoicePDF(w http.ResponseWriter, r *http.Request) {
	if !h.WaitForPosition(w, r, billingview.Name) {
		return
	}
	p := httpkit.Principal(r)
	inv, err := h.Queries.Invoice(r.Context(), p, mux.Vars(r)["id"])
	if err != nil {
		h.Error(w, r, err)
		return
	}
	issuer, customer, err := h.parties(r.Context(), inv.AccountID)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="invoice-`+inv.Number+`.pdf"`)
	if err := billingdoc.WriteInvoicePDF(w, inv, issuer, customer); err != nil {
		h.Logger.Error("invoice PDF broke off", "invoice", inv.ID, "error", err)
		panic(http.ErrAbortHandler)
	}
}

// parties are an invoice's issuer (the platform root) and customer (the account's billing
// details, else its name and address).
func (h *Handlers) parties(ctx context.Context, accountID string) (issuer, customer billingdoc.Party, err error) {
	root, err := h.Accounts.Get(ctx, account.PlatformRootID)
	if err != nil {
		return issuer, customer, err
	}
	issuer = billingdoc.Party{Name: root.Name, Address: lines(root.Address)}
	acc, err := h.Accounts.Get(ctx, accountID)
	if err != nil {
		return issuer, customer, err
	}
	d, err := h.Queries.DetailsOf(ctx, accountID)
	if err != nil {
		return issuer, customer, err
	}
	customer = billingdoc.Party{Name: acc.Name, Address: lines(acc.Address), TaxID: d.TaxID, Email: d.Email}
	if d.CompanyName != "" {
		customer.Name = d.CompanyName
	}
	if d.Address != nil {
		customer.Address = lines(*d.Address)
	}
	return issuer, customer, nil
}

func lines(a account.Address) []string {
	out := []string{a.Line1}
	if a.Line2 != "" {
		out = append(out, a.Line2)
	}
	out = append(out, strings.TrimSpace(a.PostalCode+" "+a.City))
	if a.Region != "" {
		out = append(out, a.Region)
	}
	return append(out, a.Country)
}

// usageDocument answers the "detailed service usage" of an invoice's period, one row per camera
// per day, as an XLSX spreadsheet or CSV, streamed from the database (billing.view).
func (h *Handlers) usageDocument(xlsx bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !h.WaitForPosition(w, r, billingview.Name) {
			return
		}
		p := httpkit.Principal(r)
		inv, err := h.Queries.Invoice(r.Context(), p, mux.Vars(r)["id"])
		if err != nil {
			h.Error(w, r, err)
			return
		}
		from, to := billingview.MonthBounds(inv.Period)
		rows := func(yield func(billingview.UsageRow) error) error {
			return h.Queries.EachUsage(r.Context(), p, inv.AccountID, from, to, yield)
		}
		name := "usage-" + inv.Number
		if xlsx {
			w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
			w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
			err = billingdoc.WriteUsageXLSX(w, "Detailed service usage "+inv.Period, rows)
		} else {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
			err = billingdoc.WriteUsageCSV(w, rows)
		}
		if err != nil {
			h.Logger.Error("usage document broke off", "invoice", inv.ID, "error", err)
			panic(http.ErrAbortHandler)
		}
	}
}
