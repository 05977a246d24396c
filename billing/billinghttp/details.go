package billinghttp

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/adapters/httpkit"
	"github.com/camcloud/accounts/billing/billingview"
	"github.com/camcloud/accounts/billing/details"
)

// getDetails answers an account's billing details, and whether they are editable (billing.view).
func (h *Handlers) getDetails(w http.ResponseWriter, r *http.Request) {
	if !h.WaitForPosition(w, r, billingview.Name) {
		return
	}
	d, err := h.Queries.Details(r.Context(), httpkit.Principal(r), mux.Vars(r)["id"])
	if err != nil {
		h.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", httpkit.ETag(d.Revision))
	httpkit.WriteJSON(w, http.StatusOK, d)
}

// detailsPatch changes billing details; a member left out stays as it is.
type detailsPatch struct {
	CompanyName *string          `json:"company_name"`
	Address     *account.Address `json:"address"`
	TaxID       *string          `json:"tax_id"`
	Email       *string          `json:"email"`
}

// updateDetails changes an account's billing details (billing.manage; If-Match), refused while
// they are managed above it.
func (h *Handlers) updateDetails(w http.ResponseWriter, r *http.Request) {
	var req detailsPatch
	if !httpkit.DecodePatch(w, r, &req) {
		return
	}
	if req.CompanyName == nil && req.Address == nil && req.TaxID == nil && req.Email == nil {
		httpkit.WriteInvalid(w, "", "give company_name, address, tax_id or email")
		return
	}
	expected, ok := httpkit.Expected(w, r)
	if !ok {
		return
	}
	id := mux.Vars(r)["id"]
	res, err := h.Billing.UpdateDetails(r.Context(), httpkit.Origin(r), id,
		details.Patch{CompanyName: req.CompanyName, Address: req.Address, TaxID: req.TaxID, Email: req.Email}, expected)
	h.Answer(w, r, id, res, err, http.StatusOK, billingview.Name)
}

type addressesRequest struct {
	Addresses []account.Address `json:"addresses"`
}

// assignAddresses assigns billing addresses to an account, from an account above it.
func (h *Handlers) assignAddresses(w http.ResponseWriter, r *http.Request) {
	var req addressesRequest
	if !httpkit.Decode(w, r, &req) {
		return
	}
	id := mux.Vars(r)["id"]
	res, err := h.Billing.AssignAddresses(r.Context(), httpkit.Origin(r), id, req.Addresses)
	h.Answer(w, r, id, res, err, http.StatusOK, billingview.Name)
}

type taxRateRequest struct {
	TaxRateBP *int64 `json:"tax_rate_bp"`
}

// setTaxRate sets the tax rate of an account's invoices, from an account above it.
func (h *Handlers) setTaxRate(w http.ResponseWriter, r *http.Request) {
	var req taxRateRequest
	if !httpkit.Decode(w, r, &req) {
		return
	}
	if req.TaxRateBP == nil {
		httpkit.WriteInvalid(w, "tax_rate_bp", "give tax_rate_bp, in basis points (2000 is 20 %)")
		return
	}
	id := mux.Vars(r)["id"]
	res, err := h.Billing.SetTaxRate(r.Context(), httpkit.Origin(r), id, *req.TaxRateBP)
	h.Answer(w, r, id, res, err, http.StatusOK, billingview.Name)
}
