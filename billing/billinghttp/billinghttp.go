// Package billinghttp holds the billing routes: recorders report usage; the plan catalogue and
// the plans accounts and cameras are on (more to come: invoices, documents, billing details).
package billinghttp

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/adapters/httpkit"
	"github.com/camcloud/accounts/billing/billingcmd"
	"github.com/camcloud/accounts/billing/billingview"
	"github.com/camcloud/accounts/billing/usage"
)

// maxUsageBody bounds a usage batch's body: 100,000 entries of about 130 bytes.
const maxUsageBody = 16 << 20

// Handlers serves the billing routes.
type Handlers struct {
	*httpkit.Kit
	Billing *billingcmd.Commands
	Queries *billingview.Reader
	// Accounts names an invoice's issuer (the platform root) and customer.
	Accounts *accountview.Queries
}

// Register implements httpkit.Routes.
func (h *Handlers) Register(r *httpkit.Router) {
	r.Recorders(http.MethodPost, "/recorder/usage", h.reportUsage)

	r.Authenticated(http.MethodGet, "/plans", h.listPlans)
	r.Authenticated(http.MethodPost, "/plans", h.createPlan)
	r.Authenticated(http.MethodGet, "/plans/{id}", h.getPlan)
	r.Authenticated(http.MethodPatch, "/plans/{id}", h.updatePlan)
	r.Authenticated(http.MethodPut, "/accounts/{id:[^/:]+}/plan", h.assignAccountPlan)
	r.Authenticated(http.MethodPut, "/cameras/{id}/plan", h.assignCameraPlan)
	r.Download(http.MethodGet, "/accounts/{id:[^/:]+}/usage", h.listUsage)
	r.Readers(http.MethodGet, "/accounts/{id:[^/:]+}/invoices", h.listInvoices)
	r.Authenticated(http.MethodGet, "/accounts/{id:[^/:]+}/billing-details", h.getDetails)
	r.Authenticated(http.MethodPatch, "/accounts/{id:[^/:]+}/billing-details", h.updateDetails)
	r.Authenticated(http.MethodPut, "/accounts/{id:[^/:]+}/billing-addresses", h.assignAddresses)
	r.Authenticated(http.MethodPut, "/accounts/{id:[^/:]+}/tax-rate", h.setTaxRate)
	const invoiceID = "/invoices/{id:[^/:]+}"
	r.Readers(http.MethodGet, invoiceID, h.getInvoice)
	r.Authenticated(http.MethodPost, invoiceID+":pay", h.payInvoice)
	r.Authenticated(http.MethodPost, invoiceID+":void", h.voidInvoice)
	r.Readers(http.MethodGet, invoiceID+"/pdf", h.invoicePDF)
	r.Download(http.MethodGet, invoiceID+"/usage.xlsx", h.usageDocument(true))
	r.Download(http.MethodGet, invoiceID+"/usage.csv", h.usageDocument(false))
}

func (h *Handlers) listPlans(w http.ResponseWriter, r *http.Request) {
	if !h.WaitForPosition(w, r, billingview.Name) {
		return
	}
	plans, err := h.Queries.Plans(r.Context(), httpkit.Principal(r))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": plans})
}

func (h *Handlers) getPlan(w http.ResponseWriter, r *http.Request) {
	if !h.WaitForPosition(w, r, billingview.Name) {
		return
	}
	p, err := h.Queries.Plan(r.Context(), httpkit.Principal(r), mux.Vars(r)["id"])
	if err != nil {
		h.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", httpkit.ETag(p.Revision))
	httpkit.WriteJSON(w, http.StatusOK, p)
}

type planRequest struct {
	Name            string `json:"name"`
	Currency        string `json:"currency"`
	DailyPriceMinor *int64 `json:"daily_price_minor"`
}

// createPlan adds a plan to the catalogue (billing.manage on the platform root), priced from
// today on.
func (h *Handlers) createPlan(w http.ResponseWriter, r *http.Request) {
	var req planRequest
	if !httpkit.Decode(w, r, &req) {
		return
	}
	if req.DailyPriceMinor == nil {
		httpkit.WriteInvalid(w, "daily_price_minor", "give daily_price_minor, the price of a camera-day in minor units (cents)")
		return
	}
	created, err := h.Billing.CreatePlan(r.Context(), httpkit.Origin(r), req.Name, req.Currency, *req.DailyPriceMinor)
	if err == nil {
		w.Header().Set("Location", "/v1/plans/"+created.PlanID)
	}
	h.Answer(w, r, created.PlanID, created.Result, err, http.StatusCreated, billingview.Name)
}

// planPatch renames a plan and/or changes its price, from the next day on.
type planPatch struct {
	Name            *string `json:"name"`
	DailyPriceMinor *int64  `json:"daily_price_minor"`
}

func (h *Handlers) updatePlan(w http.ResponseWriter, r *http.Request) {
	var req planPatch
	if !httpkit.DecodePatch(w, r, &req) {
		return
	}
	if req.Name == nil && req.DailyPriceMinor == nil {
		httpkit.WriteInvalid(w, "", "give name, daily_price_minor or both")
		return
	}
	expected, ok := httpkit.Expected(w, r)
	if !ok {
		return
	}
	id := mux.Vars(r)["id"]
	res, err := h.Billing.UpdatePlan(r.Context(), httpkit.Origin(r), id, req.Name, req.DailyPriceMinor, expected)
	h.Answer(w, r, id, res, err, http.StatusOK, billingview.Name)
}

// assignment puts an account or a camera on a plan. plan_id is raw to tell null (a camera back
// on its account's plan) from a member left out, which is refused rather than read as null.
type assignment struct {
	PlanID json.RawMessage `json:"plan_id"`
	planID string          // the plan, "" for null
}

// CanonicalIDs implements httpkit.IDsInBody: plan_id must be given, null or a plan's ID; one that
// is no UUID is an unknown plan.
func (a *assignment) CanonicalIDs() *httpkit.Problem {
	switch string(a.PlanID) {
	case "":
		return &httpkit.Problem{Type: httpkit.ProblemValidation, Title: "Validation failed", Status: http.StatusUnprocessableEntity,
			Detail: "give plan_id: a plan's ID, or null to put a camera back on its account's plan", Field: "plan_id"}
	case "null":
		return nil
	}
	var raw string
	if err := json.Unmarshal(a.PlanID, &raw); err != nil {
		return &httpkit.Problem{Type: httpkit.ProblemMalformed, Title: "Malformed request", Status: http.StatusBadRequest, Detail: "plan_id must be a string or null", Field: "plan_id"}
	}
	id, ok := httpkit.CanonicalUUID(raw)
	if !ok {
		return &httpkit.Problem{Type: "/problems/unknown-plan", Title: "Unknown plan", Status: http.StatusUnprocessableEntity, Detail: "plan_id is not a service plan", Field: "plan_id"}
	}
	a.planID = id
	return nil
}

// assignAccountPlan puts an account's cameras on a plan from the next day on (billing.manage).
func (h *Handlers) assignAccountPlan(w http.ResponseWriter, r *http.Request) {
	h.assign(w, r, mux.Vars(r)["id"], "")
}

// assignCameraPlan puts one camera on a plan from the next day on; null puts it back on its
// account's plan.
func (h *Handlers) assignCameraPlan(w http.ResponseWriter, r *http.Request) {
	h.assign(w, r, "", mux.Vars(r)["id"])
}

func (h *Handlers) assign(w http.ResponseWriter, r *http.Request, accountID, cameraID string) {
	var req assignment
	if !httpkit.Decode(w, r, &req) {
		return
	}
	planID := req.planID
	if planID == "" && cameraID == "" {
		httpkit.WriteInvalid(w, "plan_id", "an account is always on a plan: give plan_id")
		return
	}
	res, err := h.Billing.AssignPlan(r.Context(), httpkit.Origin(r), accountID, cameraID, planID)
	h.Answer(w, r, httpkit.StreamID(res.Stream), res, err, http.StatusOK, billingview.Name)
}

type usageReport struct {
	BatchID  string       `json:"batch_id"`
	Sequence uint64       `json:"sequence"`
	Entries  []usageEntry `json:"entries"`
}

// usageEntry is an entry as a recorder sends it. Its figures are pointers to tell a member left
// out from a zero: an entry without in_service, recorded_seconds or stored_bytes is refused, not
// read as a day out of service that replaces the day's earlier report.
type usageEntry struct {
	CameraID        string `json:"camera_id"`
	Day             string `json:"day"`
	InService       *bool  `json:"in_service"`
	RecordedSeconds *int64 `json:"recorded_seconds"`
	StoredBytes     *int64 `json:"stored_bytes"`
}

// entries returns the report's entries with every member given, camera IDs in their canonical
// (lower-case) spelling; or the refusal naming each entry that left a member out.
func (r *usageReport) entries() ([]usage.Entry, error) {
	out := make([]usage.Entry, len(r.Entries))
	bad := &usage.InvalidBatchError{}
	for i, e := range r.Entries {
		for _, m := range []struct {
			name  string
			given bool
		}{{"camera_id", e.CameraID != ""}, {"day", e.Day != ""}, {"in_service", e.InService != nil},
			{"recorded_seconds", e.RecordedSeconds != nil}, {"stored_bytes", e.StoredBytes != nil}} {
			if !m.given {
				bad.Add(i, m.name, "is required")
			}
		}
		if bad.Total > 0 {
			continue
		}
		camera := e.CameraID
		if strings.ContainsAny(camera, "ABCDEF") {
			if id, ok := httpkit.CanonicalUUID(camera); ok {
				camera = id
			}
		}
		out[i] = usage.Entry{CameraID: camera, Day: e.Day, InService: *e.InService, RecordedSeconds: *e.RecordedSeconds, StoredBytes: *e.StoredBytes}
	}
	return out, bad.Err()
}

type usageAnswer struct {
	BatchID  string `json:"batch_id"`
	Entries  int    `json:"entries"`
	Revision uint64 `json:"revision"`
	Position string `json:"position"`
}

// reportUsage takes a batch of usage from a recorder. A batch ID sent before answers as the
// first time did (201 both times) and adds nothing.
func (h *Handlers) reportUsage(w http.ResponseWriter, r *http.Request) {
	var req usageReport
	if !httpkit.DecodeUpTo(w, r, &req, maxUsageBody) {
		return
	}
	entries, err := req.entries()
	if err != nil {
		h.Error(w, r, err)
		return
	}
	res, err := h.Billing.ReportUsage(r.Context(), httpkit.Origin(r), usage.Report{BatchID: req.BatchID, Sequence: req.Sequence, Entries: entries})
	if err != nil {
		h.Error(w, r, err)
		return
	}
	// No wait for the read model: a recorder reads nothing back, and a billing job that must see
	// the batch passes its position as min_position.
	httpkit.WriteResult(w, res.Result)
	httpkit.WriteJSON(w, http.StatusCreated, usageAnswer{BatchID: res.BatchID, Entries: res.Entries, Revision: res.Revision, Position: res.Position.String()})
}
