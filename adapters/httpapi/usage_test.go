package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"
	"github.com/xuri/excelize/v2"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/billing/billingview"
	"github.com/camcloud/accounts/billing/invoice"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/recorders/recordercmd"
)

type usageAnswer struct {
	BatchID  string `json:"batch_id"`
	Entries  int    `json:"entries"`
	Revision uint64 `json:"revision"`
	Position string `json:"position"`
}

// usageRow is a row of the camera_usage_daily view, the contract billing jobs read.
type usageRow struct {
	Day            string
	Path, Serial   string
	InService      bool
	Seconds, Bytes int64
}

// settled waits until the read models reached the furthest position the store holds: usage
// answers do not wait for them.
func (h *harness) settled(t *testing.T) {
	t.Helper()
	if err := h.cfg.Checkpoints.WaitFor(t.Context(), h.lastPosition(t), 10*time.Second, billingview.Name); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) usageRows(t *testing.T, accountID string) map[string]usageRow {
	t.Helper()
	h.settled(t)
	rows, err := h.pool.Query(t.Context(), `SELECT camera_id::text, day::text, coalesce(item_path, ''), coalesce(recorder_serial, ''), in_service, recorded_seconds, stored_bytes
		FROM camera_usage_daily WHERE account_id = $1`, accountID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]usageRow{}
	for rows.Next() {
		var camera string
		var r usageRow
		if err := rows.Scan(&camera, &r.Day, &r.Path, &r.Serial, &r.InService, &r.Seconds, &r.Bytes); err != nil {
			t.Fatal(err)
		}
		out[camera+"/"+r.Day] = r
	}
	return out
}

// TestUsageReports: a recorder reports usage in batches; a batch sent again adds nothing and
// answers as the first time; the later report by sequence wins, whatever the order of arrival;
// a batch with a bad entry is refused whole, naming every bad entry.
func TestUsageReports(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shop, _ := h.create(t, "", "customer", "Usage Shop")
	rec := h.registerRecorder(t, shop.ID, "NVR-U", 2)
	camA, camB := recordercmd.CameraID(rec.ID, "NVR-U-cam-0"), recordercmd.CameraID(rec.ID, "NVR-U-cam-1")
	today := time.Now().UTC().Format(time.DateOnly)
	post := func(body map[string]any) response {
		return h.as(rec.Token).do(t, req{Method: http.MethodPost, Path: "/v1/recorder/usage", Body: body})
	}
	entry := func(camera string, seconds int64) map[string]any {
		return map[string]any{"camera_id": camera, "day": today, "in_service": true, "recorded_seconds": seconds, "stored_bytes": seconds * 1000}
	}

	var first, again usageAnswer
	post(map[string]any{"batch_id": "b-1", "sequence": 5, "entries": []any{entry(camA, 3600), entry(camB, 7200)}}).expect(t, http.StatusCreated, &first)
	post(map[string]any{"batch_id": "b-1", "sequence": 5, "entries": []any{entry(camA, 1)}}).expect(t, http.StatusCreated, &again)
	if again != first || first.Entries != 2 {
		t.Fatalf("sent again: %+v, first: %+v", again, first)
	}
	// Sent again with entries that would be refused now (another recorder's camera): still the
	// first answer, and nothing stored.
	stranger := h.registerRecorder(t, shop.ID, "NVR-STRANGER", 1)
	var late usageAnswer
	post(map[string]any{"batch_id": "b-1", "sequence": 5, "entries": []any{entry(recordercmd.CameraID(stranger.ID, "NVR-STRANGER-cam-0"), 1)}}).
		expect(t, http.StatusCreated, &late)
	if late != first {
		t.Fatalf("sent again with entries refused now: %+v, first: %+v", late, first)
	}
	// A later report replaces the figures; an older one arriving late changes nothing.
	post(map[string]any{"batch_id": "b-3", "sequence": 9, "entries": []any{entry(camA, 60)}}).expect(t, http.StatusCreated, nil)
	post(map[string]any{"batch_id": "b-2", "sequence": 7, "entries": []any{entry(camA, 999)}}).expect(t, http.StatusCreated, nil)
	rows := h.usageRows(t, shop.ID)
	if a := rows[camA+"/"+today]; a.Seconds != 60 || a.Path != "Camera 1" || a.Serial != "NVR-U" {
		t.Errorf("camera A's day: %+v, want the sequence-9 report's 60 s", a)
	}
	if b := rows[camB+"/"+today]; b.Seconds != 7200 || !b.InService {
		t.Errorf("camera B's day: %+v", b)
	}

	// One bad entry refuses the batch; every bad entry is named.
	other := h.registerRecorder(t, shop.ID, "NVR-OTHER", 1)
	foreign := recordercmd.CameraID(other.ID, "NVR-OTHER-cam-0")
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	resp := post(map[string]any{"batch_id": "bad", "entries": []any{
		entry(camA, 10), entry(foreign, 10), entry(camB, 90_000),
		map[string]any{"camera_id": camA, "day": tomorrow, "in_service": true, "recorded_seconds": 1, "stored_bytes": 1},
	}})
	resp.expectProblem(t, http.StatusUnprocessableEntity, "/problems/invalid-usage")
	var p struct {
		InvalidEntries []struct {
			Index int    `json:"index"`
			Field string `json:"field"`
		} `json:"invalid_entries"`
		InvalidCount int `json:"invalid_count"`
	}
	if err := json.Unmarshal(resp.Body, &p); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(p.InvalidEntries); got != "[{1 entries[1].camera_id} {2 entries[2].recorded_seconds} {3 entries[3].day}]" || p.InvalidCount != 3 {
		t.Errorf("invalid entries %s (%d)", got, p.InvalidCount)
	}
	if a := h.usageRows(t, shop.ID)[camA+"/"+today]; a.Seconds != 60 {
		t.Errorf("a refused batch changed camera A's day: %+v", a)
	}

	// Only recorders report usage.
	h.do(t, req{Method: http.MethodPost, Path: "/v1/recorder/usage", Body: map[string]any{"batch_id": "u", "entries": []any{entry(camA, 1)}}}).
		expectProblem(t, http.StatusForbidden, "/problems/wrong-credentials")
}

type planDoc struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Currency        string `json:"currency"`
	DailyPriceMinor int64  `json:"daily_price_minor"`
	Next            *struct {
		DailyPriceMinor int64  `json:"daily_price_minor"`
		EffectiveFrom   string `json:"effective_from"`
	} `json:"next_price"`
	Revision  uint64    `json:"revision"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TestPlans: the platform's billing managers keep the catalogue; a price change takes effect the
// next day; an account's billing manager puts its account and cameras on plans; bad input is
// refused and changes nothing.
func TestPlans(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var c commandAnswer
	h.do(t, req{Method: http.MethodPost, Path: "/v1/plans", Body: map[string]any{"name": "Cloud 7 days", "currency": "EUR", "daily_price_minor": 25}}).expect(t, http.StatusCreated, &c)
	for _, bad := range []map[string]any{
		{"name": "Bad", "currency": "EUR", "daily_price_minor": -1},
		{"name": "Bad", "currency": "euro", "daily_price_minor": 1},
		{"name": "", "currency": "EUR", "daily_price_minor": 1},
		{"name": "Bad", "currency": "EUR"},
	} {
		h.do(t, req{Method: http.MethodPost, Path: "/v1/plans", Body: bad}).expectProblem(t, http.StatusUnprocessableEntity, "/problems/validation-failed")
	}
	h.do(t, req{Method: http.MethodPatch, Path: "/v1/plans/" + c.ID, Body: map[string]any{"daily_price_minor": 30}}).expect(t, http.StatusOK, nil)
	var p planDoc
	h.do(t, req{Method: http.MethodGet, Path: "/v1/plans/" + c.ID}).expect(t, http.StatusOK, &p)
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	if p.DailyPriceMinor != 25 || p.Next == nil || p.Next.DailyPriceMinor != 30 || p.Next.EffectiveFrom != tomorrow {
		t.Fatalf("plan %+v (next %+v)", p, p.Next)
	}

	shop, _ := h.create(t, "", "customer", "Billing Shop")
	rec := h.registerRecorder(t, shop.ID, "NVR-P", 1)
	camera := recordercmd.CameraID(rec.ID, "NVR-P-cam-0")
	h.do(t, req{Method: http.MethodPut, Path: "/v1/accounts/" + shop.ID + "/plan", Body: map[string]any{"plan_id": c.ID}}).expect(t, http.StatusOK, nil)
	h.do(t, req{Method: http.MethodPut, Path: "/v1/cameras/" + camera + "/plan", Body: map[string]any{"plan_id": c.ID}}).expect(t, http.StatusOK, nil)
	h.do(t, req{Method: http.MethodPut, Path: "/v1/cameras/" + camera + "/plan", Body: map[string]any{"plan_id": nil}}).expect(t, http.StatusOK, nil)
	h.do(t, req{Method: http.MethodPut, Path: "/v1/accounts/" + shop.ID + "/plan", Body: map[string]any{"plan_id": "7f9c0b5e-2d1a-4c3b-9e8f-0a1b2c3d4e5f"}}).
		expectProblem(t, http.StatusUnprocessableEntity, "/problems/unknown-plan")
	h.do(t, req{Method: http.MethodPut, Path: "/v1/accounts/" + shop.ID + "/plan", Body: map[string]any{"plan_id": nil}}).
		expectProblem(t, http.StatusUnprocessableEntity, "/problems/validation-failed")

	// The shop's own administrator may not choose its plans (what a customer pays is decided
	// above it), nor change the catalogue, and sees nothing of another account.
	w := &authzTree{h: h, viewerGroups: map[string]string{}}
	shopAdmin := w.signedIn(t, shop.ID)
	before := h.lastPosition(t)
	h.as(shopAdmin.token).do(t, req{Method: http.MethodPut, Path: "/v1/accounts/" + shop.ID + "/plan", Body: map[string]any{"plan_id": c.ID}}).
		expectProblem(t, http.StatusForbidden, "/problems/forbidden")
	h.as(shopAdmin.token).do(t, req{Method: http.MethodPut, Path: "/v1/cameras/" + camera + "/plan", Body: map[string]any{"plan_id": c.ID}}).
		expectProblem(t, http.StatusForbidden, "/problems/forbidden")
	if after := h.lastPosition(t); after != before {
		t.Errorf("refused plan choices appended events: position %v -> %v", before, after)
	}
	h.as(shopAdmin.token).do(t, req{Method: http.MethodPatch, Path: "/v1/plans/" + c.ID, Body: map[string]any{"daily_price_minor": 1}}).
		expectProblem(t, http.StatusNotFound, "/problems/not-found") // the catalogue is the root's, out of its reach
	other, _ := h.create(t, "", "customer", "Other Billing Shop")
	h.as(shopAdmin.token).do(t, req{Method: http.MethodPut, Path: "/v1/accounts/" + other.ID + "/plan", Body: map[string]any{"plan_id": c.ID}}).
		expectProblem(t, http.StatusNotFound, "/problems/not-found")
	var list struct {
		Items []planDoc `json:"items"`
	}
	h.as(shopAdmin.token).do(t, req{Method: http.MethodGet, Path: "/v1/plans"}).expect(t, http.StatusOK, &list)
	if len(list.Items) != 1 {
		t.Errorf("plans %+v", list.Items)
	}
}

// TestUsageDownload: a billing viewer reads an account's usage as JSON lines and as CSV; a bad
// period is refused; another account's usage is not found.
func TestUsageDownload(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shop, _ := h.create(t, "", "customer", "Download Shop")
	rec := h.registerRecorder(t, shop.ID, "NVR-D", 2)
	today := time.Now().UTC().Format(time.DateOnly)
	var entries []any
	for i := range 2 {
		entries = append(entries, map[string]any{"camera_id": recordercmd.CameraID(rec.ID, fmt.Sprintf("NVR-D-cam-%d", i)), "day": today,
			"in_service": true, "recorded_seconds": 100 * (i + 1), "stored_bytes": 5})
	}
	h.as(rec.Token).do(t, req{Method: http.MethodPost, Path: "/v1/recorder/usage", Body: map[string]any{"batch_id": "d", "entries": entries}}).expect(t, http.StatusCreated, nil)
	h.settled(t)

	path := "/v1/accounts/" + shop.ID + "/usage?from=" + today + "&to=" + today
	jsonl := h.do(t, req{Method: http.MethodGet, Path: path})
	if jsonl.Status != http.StatusOK || jsonl.Header.Get("Content-Type") != "application/jsonl" {
		t.Fatalf("status %d, %s", jsonl.Status, jsonl.Header.Get("Content-Type"))
	}
	lines := strings.Split(strings.TrimSpace(string(jsonl.Body)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"item_path":"Camera 1"`) || !strings.Contains(lines[1], `"recorded_seconds":200`) {
		t.Errorf("JSON lines: %s", jsonl.Body)
	}
	// On no plan: the view's NULLs are null, not empty strings.
	if !strings.Contains(lines[0], `"plan_id":null`) || !strings.Contains(lines[0], `"currency":null`) || strings.Contains(lines[0], `""`) {
		t.Errorf("a day on no plan: %s", lines[0])
	}
	csvAnswer := h.do(t, req{Method: http.MethodGet, Path: path + "&format=csv"})
	records, err := csv.NewReader(bytes.NewReader(csvAnswer.Body)).ReadAll()
	if err != nil || len(records) != 3 || records[0][7] != "item_path" || records[2][7] != "Camera 2" || records[2][9] != "200" {
		t.Errorf("CSV %v, %v", records, err)
	}
	h.do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + shop.ID + "/usage?from=" + today + "&to=2020-01-01"}).
		expectProblem(t, http.StatusUnprocessableEntity, "/problems/validation-failed")
	w := &authzTree{h: h, viewerGroups: map[string]string{}}
	other, _ := h.create(t, "", "customer", "Other Download Shop")
	h.as(w.signedIn(t, other.ID).token).do(t, req{Method: http.MethodGet, Path: path}).expectProblem(t, http.StatusNotFound, "/problems/not-found")
}

type invoiceDoc struct {
	ID            string `json:"id"`
	AccountID     string `json:"account_id"`
	Number        string `json:"number"`
	Period        string `json:"period"`
	IssueDate     string `json:"issue_date"`
	DueDate       string `json:"due_date"`
	Currency      string `json:"currency"`
	Lines         []any  `json:"lines"`
	SubtotalMinor int64  `json:"subtotal_minor"`
	TaxRateBP     int64  `json:"tax_rate_bp"`
	TaxMinor      int64  `json:"tax_minor"`
	TotalMinor    int64  `json:"total_minor"`
	Status        string `json:"status"`
	VoidReason    string `json:"void_reason"`
	Revision      uint64 `json:"revision"`
}

// TestInvoices: an account's billing viewers list its invoices newest first and read one; its
// billing managers record a payment or void one; another account's invoice is not found.
func TestInvoices(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shop, _ := h.create(t, "", "customer", "Invoiced Shop")
	usage := []invoice.Usage{{PlanID: "7f9c0b5e-2d1a-4c3b-9e8f-0a1b2c3d4e5f", PlanName: "Cloud 7 days", DailyPriceMinor: 25, Currency: "EUR", CameraDays: 62}}
	var last string
	for _, period := range []string{"2026-09", "2026-10"} {
		res, err := h.cfg.Billing.IssueInvoice(t.Context(), command.Service("billing-close"), shop.ID, period, usage, 30*24*time.Hour, 2000)
		if err != nil {
			t.Fatal(err)
		}
		last = res.Position.String()
	}
	var page struct {
		Items      []invoiceDoc `json:"items"`
		NextCursor string       `json:"next_cursor"`
	}
	h.do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + shop.ID + "/invoices?min_position=" + last}).expect(t, http.StatusOK, &page)
	if len(page.Items) != 2 || page.Items[0].Period != "2026-10" || page.Items[0].TotalMinor != 1860 || page.Items[0].Status != "issued" {
		t.Fatalf("invoices %+v", page.Items)
	}
	october, september := page.Items[0], page.Items[1]
	// The invoiced shop's own administrator reads its invoices but does not settle them.
	w := &authzTree{h: h, viewerGroups: map[string]string{}}
	shopAdmin := w.signedIn(t, shop.ID)
	before := h.lastPosition(t)
	h.as(shopAdmin.token).do(t, req{Method: http.MethodGet, Path: "/v1/invoices/" + october.ID}).expect(t, http.StatusOK, nil)
	h.as(shopAdmin.token).do(t, req{Method: http.MethodPost, Path: "/v1/invoices/" + october.ID + ":pay"}).
		expectProblem(t, http.StatusForbidden, "/problems/forbidden")
	h.as(shopAdmin.token).do(t, req{Method: http.MethodPost, Path: "/v1/invoices/" + october.ID + ":void", Body: map[string]any{"reason": "I don't want to pay"}}).
		expectProblem(t, http.StatusForbidden, "/problems/forbidden")
	if after := h.lastPosition(t); after != before {
		t.Errorf("refused status changes appended events: position %v -> %v", before, after)
	}
	h.do(t, req{Method: http.MethodPost, Path: "/v1/invoices/" + october.ID + ":pay"}).expect(t, http.StatusOK, nil)
	h.do(t, req{Method: http.MethodPost, Path: "/v1/invoices/" + october.ID + ":void", Body: map[string]any{"reason": "too late"}}).
		expectProblem(t, http.StatusConflict, "/problems/invoice-status")
	h.do(t, req{Method: http.MethodPost, Path: "/v1/invoices/" + september.ID + ":void", Body: map[string]any{"reason": "issued twice by mistake"}}).expect(t, http.StatusOK, nil)
	var doc invoiceDoc
	h.do(t, req{Method: http.MethodGet, Path: "/v1/invoices/" + september.ID}).expect(t, http.StatusOK, &doc)
	if doc.Status != "void" || doc.VoidReason != "issued twice by mistake" {
		t.Errorf("voided invoice %+v", doc)
	}
	other, _ := h.create(t, "", "customer", "Other Invoiced Shop")
	h.as(w.signedIn(t, other.ID).token).do(t, req{Method: http.MethodGet, Path: "/v1/invoices/" + october.ID}).expectProblem(t, http.StatusNotFound, "/problems/not-found")
}

// TestBillingDetails: an account's billing managers edit its details with If-Match; the tax rate
// and the billing addresses are set from above; while several addresses are assigned the
// details say so and a change is refused, writing nothing.
func TestBillingDetails(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shop, _ := h.create(t, "", "customer", "Details Shop")
	w := &authzTree{h: h, viewerGroups: map[string]string{}}
	admin := h.as(w.signedIn(t, shop.ID).token)
	path := "/v1/accounts/" + shop.ID + "/billing-details"
	var d struct {
		CompanyName string            `json:"company_name"`
		Address     *account.Address  `json:"address"`
		TaxID       string            `json:"tax_id"`
		Email       string            `json:"email"`
		TaxRateBP   int64             `json:"tax_rate_bp"`
		Assigned    []account.Address `json:"assigned_addresses"`
		Editable    bool              `json:"editable"`
		AccountID   string            `json:"account_id"`
		Revision    uint64            `json:"revision"`
	}
	admin.do(t, req{Method: http.MethodGet, Path: path}).expect(t, http.StatusOK, &d)
	if !d.Editable || d.CompanyName != "" {
		t.Fatalf("empty details %+v", d)
	}
	resp := admin.do(t, req{Method: http.MethodPatch, Path: path, Body: map[string]any{"company_name": "Société Générale de Vidéo", "tax_id": "FR12345678901",
		"email": "billing@shop.example", "address": testAddress}})
	resp.expect(t, http.StatusOK, nil)
	admin.do(t, req{Method: http.MethodPatch, Path: path, Body: map[string]any{"tax_id": "X"}, Header: map[string]string{"If-Match": `"99"`}}).
		expectProblem(t, http.StatusPreconditionFailed, "/problems/revision-mismatch")
	admin.do(t, req{Method: http.MethodPatch, Path: path, Body: map[string]any{"email": "not an address"}}).expectProblem(t, http.StatusUnprocessableEntity, "/problems/validation-failed")
	// Only an account above sets the tax rate and the addresses.
	admin.do(t, req{Method: http.MethodPut, Path: "/v1/accounts/" + shop.ID + "/tax-rate", Body: map[string]any{"tax_rate_bp": 0}}).expectProblem(t, http.StatusForbidden, "/problems/forbidden")
	h.do(t, req{Method: http.MethodPut, Path: "/v1/accounts/" + shop.ID + "/tax-rate", Body: map[string]any{"tax_rate_bp": 2000}}).expect(t, http.StatusOK, nil)
	h.do(t, req{Method: http.MethodPut, Path: "/v1/accounts/" + shop.ID + "/billing-addresses", Body: map[string]any{"addresses": []any{testAddress, testAddress}}}).expect(t, http.StatusOK, nil)

	admin.do(t, req{Method: http.MethodGet, Path: path + "?min_position=" + resp.Header.Get("X-Position")}).expect(t, http.StatusOK, &d)
	if d.Editable || d.TaxRateBP != 2000 || len(d.Assigned) != 2 || d.CompanyName != "Société Générale de Vidéo" {
		t.Errorf("details %+v", d)
	}
	p := admin.do(t, req{Method: http.MethodPatch, Path: path, Body: map[string]any{"tax_id": "FR0"}}).expectProblem(t, http.StatusConflict, "/problems/billing-details-managed")
	if !strings.Contains(p.Detail, "technical support") {
		t.Errorf("the refusal does not say whom to contact: %q", p.Detail)
	}
}

// TestInvoiceDocuments: an invoice downloads as a PDF naming its number and total, and its
// period's detailed service usage as XLSX and CSV with one row per camera per day and its path.
func TestInvoiceDocuments(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shop, _ := h.create(t, "", "customer", "Documented Shop")
	rec := h.registerRecorder(t, shop.ID, "NVR-X", 2)
	today := time.Now().UTC().Format(time.DateOnly)
	var entries []any
	for i := range 2 {
		entries = append(entries, map[string]any{"camera_id": recordercmd.CameraID(rec.ID, fmt.Sprintf("NVR-X-cam-%d", i)), "day": today,
			"in_service": true, "recorded_seconds": 3600, "stored_bytes": 2_000_000_000})
	}
	h.as(rec.Token).do(t, req{Method: http.MethodPost, Path: "/v1/recorder/usage", Body: map[string]any{"batch_id": "x", "entries": entries}}).expect(t, http.StatusCreated, nil)
	h.settled(t)
	usage := []invoice.Usage{{PlanID: "7f9c0b5e-2d1a-4c3b-9e8f-0a1b2c3d4e5f", PlanName: "Cloud 7 days", DailyPriceMinor: 25, Currency: "EUR", CameraDays: 2}}
	res, err := h.billingAfter(t, today[:7]).IssueInvoice(t.Context(), command.Service("billing-close"), shop.ID, today[:7], usage, 30*24*time.Hour, 0)
	if err != nil {
		t.Fatal(err)
	}
	wait := "?min_position=" + res.Position.String()

	pdfAnswer := h.do(t, req{Method: http.MethodGet, Path: "/v1/invoices/" + res.InvoiceID + "/pdf" + wait})
	if pdfAnswer.Status != http.StatusOK || pdfAnswer.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdfAnswer.Body, []byte("%PDF")) {
		t.Fatalf("PDF answer %d %s", pdfAnswer.Status, pdfAnswer.Header.Get("Content-Type"))
	}
	reader, err := pdf.NewReader(bytes.NewReader(pdfAnswer.Body), int64(len(pdfAnswer.Body)))
	if err != nil {
		t.Fatal(err)
	}
	text, err := reader.GetPlainText()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(text)
	if !bytes.Contains(raw, []byte(res.Number)) || !bytes.Contains(raw, []byte("0.50")) {
		t.Errorf("the PDF's text does not name its number %s and total 0.50: %q", res.Number, raw)
	}

	xlsxAnswer := h.do(t, req{Method: http.MethodGet, Path: "/v1/invoices/" + res.InvoiceID + "/usage.xlsx" + wait})
	book, err := excelize.OpenReader(bytes.NewReader(xlsxAnswer.Body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := book.GetRows(book.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != "Day" || !slices.Contains(rows[1], "Camera 1") {
		t.Errorf("spreadsheet rows %v", rows)
	}
	csvAnswer := h.do(t, req{Method: http.MethodGet, Path: "/v1/invoices/" + res.InvoiceID + "/usage.csv" + wait})
	records, err := csv.NewReader(bytes.NewReader(csvAnswer.Body)).ReadAll()
	if err != nil || len(records) != 3 {
		t.Errorf("CSV %v, %v", records, err)
	}
	w := &authzTree{h: h, viewerGroups: map[string]string{}}
	other, _ := h.create(t, "", "customer", "Other Documented Shop")
	h.as(w.signedIn(t, other.ID).token).do(t, req{Method: http.MethodGet, Path: "/v1/invoices/" + res.InvoiceID + "/pdf"}).expectProblem(t, http.StatusNotFound, "/problems/not-found")
}

// TestServiceClients: a partner's administrator creates an API key for a billing job; the job
// reads the usage of accounts below with it (usage.read), not invoices (no billing.read), not
// another partner's accounts, not user routes; revoked, the key stops working.
func TestServiceClients(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	partner, _ := h.create(t, "", "partner", "Billing Partner")
	shop, _ := h.create(t, partner.ID, "customer", "Partner's Shop")
	other, _ := h.create(t, "", "customer", "Not the partner's")
	var c struct {
		ID       string `json:"id"`
		Revision uint64 `json:"revision"`
		Position string `json:"position"`
		Token    string `json:"token"`
	}
	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + partner.ID + "/service-clients", Body: map[string]any{"name": "Billing job", "scopes": []string{"usage.read"}}}).
		expect(t, http.StatusCreated, &c)
	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + partner.ID + "/service-clients", Body: map[string]any{"name": "Bad", "scopes": []string{"everything"}}}).
		expectProblem(t, http.StatusUnprocessableEntity, "/problems/validation-failed")
	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + partner.ID + "/service-clients", Body: map[string]any{"name": "Old", "scopes": []string{"usage.read"}, "expires_at": "2020-01-01T00:00:00Z"}}).
		expectProblem(t, http.StatusUnprocessableEntity, "/problems/validation-failed")
	job := h.as(c.Token)
	today := time.Now().UTC().Format(time.DateOnly)
	period := "?from=" + today + "&to=" + today
	job.do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + shop.ID + "/usage" + period}).expect(t, http.StatusOK, nil)
	job.do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + shop.ID + "/invoices"}).expectProblem(t, http.StatusForbidden, "/problems/forbidden")
	job.do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + other.ID + "/usage" + period}).expectProblem(t, http.StatusNotFound, "/problems/not-found")
	job.do(t, req{Method: http.MethodGet, Path: "/v1/me"}).expectProblem(t, http.StatusForbidden, "/problems/wrong-credentials")

	var list struct {
		Items []struct {
			ID      string   `json:"id"`
			Name    string   `json:"name"`
			Scopes  []string `json:"scopes"`
			Revoked bool     `json:"revoked"`
			// the rest of a client
			AccountID string    `json:"account_id"`
			Revision  uint64    `json:"revision"`
			CreatedAt time.Time `json:"created_at"`
		} `json:"items"`
	}
	h.do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + partner.ID + "/service-clients"}).expect(t, http.StatusOK, &list)
	if len(list.Items) != 1 || list.Items[0].Name != "Billing job" || strings.Contains(fmt.Sprint(list), c.Token[len(c.Token)-20:]) {
		t.Errorf("clients %+v", list.Items)
	}
	h.do(t, req{Method: http.MethodDelete, Path: "/v1/service-clients/" + c.ID}).expect(t, http.StatusOK, nil)
	job.do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + shop.ID + "/usage" + period}).expectProblem(t, http.StatusUnauthorized, "/problems/unauthenticated")
}

// TestUsageBatchSentAtOnce: the same batch sent 8 times at once is stored once, and every answer
// is the first one's.
func TestUsageBatchSentAtOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shop, _ := h.create(t, "", "customer", "Racing Usage Shop")
	rec := h.registerRecorder(t, shop.ID, "NVR-R", 1)
	entry := map[string]any{"camera_id": recordercmd.CameraID(rec.ID, "NVR-R-cam-0"), "day": time.Now().UTC().Format(time.DateOnly),
		"in_service": true, "recorded_seconds": 60, "stored_bytes": 1}
	before := h.eventCount(t)
	answers := make([]usageAnswer, 8)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Go(func() {
			h.as(rec.Token).do(t, req{Method: http.MethodPost, Path: "/v1/recorder/usage", Body: map[string]any{"batch_id": "race", "entries": []any{entry}}}).
				expect(t, http.StatusCreated, &answers[i])
		})
	}
	wg.Wait()
	for _, a := range answers[1:] {
		if a != answers[0] {
			t.Fatalf("answers differ: %+v and %+v", answers[0], a)
		}
	}
	if n := h.eventCount(t) - before; n != 1 {
		t.Errorf("%d events stored for one batch sent 8 times", n)
	}
}
