// Package billinghttp holds the billing routes: recorders report usage (more to come: plans,
// invoices, documents, billing details).
package billinghttp

import (
	"net/http"

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
}

// Register implements httpkit.Routes.
func (h *Handlers) Register(r *httpkit.Router) {
	r.Recorders(http.MethodPost, "/recorder/usage", h.reportUsage)
}

type usageReport struct {
	BatchID  string        `json:"batch_id"`
	Sequence uint64        `json:"sequence"`
	Entries  []usage.Entry `json:"entries"`
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
	res, err := h.Billing.ReportUsage(r.Context(), httpkit.Origin(r), usage.Report{BatchID: req.BatchID, Sequence: req.Sequence, Entries: req.Entries})
	if err != nil {
		h.Error(w, r, err)
		return
	}
	h.Settle(r, res.Result, billingview.Name)
	httpkit.WriteResult(w, res.Result)
	httpkit.WriteJSON(w, http.StatusCreated, usageAnswer{BatchID: res.BatchID, Entries: res.Entries, Revision: res.Revision, Position: res.Position.String()})
}
