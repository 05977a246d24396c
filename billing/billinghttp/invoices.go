package billinghttp

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/camcloud/accounts/adapters/httpkit"
	"github.com/camcloud/accounts/billing/billingview"
)

// listInvoices lists an account's invoices, newest first, a page at a time (billing.view).
func (h *Handlers) listInvoices(w http.ResponseWriter, r *http.Request) {
	limit, ok := httpkit.PageLimit(w, r)
	if !ok || !h.WaitForPosition(w, r, billingview.Name) {
		return
	}
	page, err := h.Queries.Invoices(r.Context(), httpkit.Principal(r), mux.Vars(r)["id"], r.URL.Query().Get("cursor"), limit)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	httpkit.WriteJSON(w, http.StatusOK, page)
}

// getInvoice answers an invoice's detail: period, dates, lines, totals, status (billing.view).
func (h *Handlers) getInvoice(w http.ResponseWriter, r *http.Request) {
	if !h.WaitForPosition(w, r, billingview.Name) {
		return
	}
	inv, err := h.Queries.Invoice(r.Context(), httpkit.Principal(r), mux.Vars(r)["id"])
	if err != nil {
		h.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", httpkit.ETag(inv.Revision))
	httpkit.WriteJSON(w, http.StatusOK, inv)
}

// payInvoice records an invoice's payment (billing.manage).
func (h *Handlers) payInvoice(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	res, err := h.Billing.Pay(r.Context(), httpkit.Origin(r), id)
	h.Answer(w, r, id, res, err, http.StatusOK, billingview.Name)
}

type voidRequest struct {
	Reason string `json:"reason"`
}

// voidInvoice voids an unpaid invoice with a reason (billing.manage).
func (h *Handlers) voidInvoice(w http.ResponseWriter, r *http.Request) {
	var req voidRequest
	if !httpkit.Decode(w, r, &req) {
		return
	}
	id := mux.Vars(r)["id"]
	res, err := h.Billing.Void(r.Context(), httpkit.Origin(r), id, req.Reason)
	h.Answer(w, r, id, res, err, http.StatusOK, billingview.Name)
}
