package billinghttp

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/camcloud/accounts/adapters/httpkit"
	"github.com/camcloud/accounts/billing/billingview"
)

// usageColumns are the CSV's columns: camera_usage_daily's, in its order.
var usageColumns = []string{"account_id", "camera_id", "day", "recorder_id", "recorder_serial", "recorder_name", "camera_name",
	"item_path", "in_service", "recorded_seconds", "stored_bytes", "plan_id", "plan_name", "daily_price_minor", "currency", "reported_at"}

// listUsage streams an account's per-day camera usage for a period, as JSON lines (one row a
// line) or, with format=csv, as CSV with a header row. Rows go out as the database hands them
// over: a listing of any size is never built whole.
func (h *Handlers) listUsage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, to, err := billingview.Period(q.Get("from"), q.Get("to"))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	format := q.Get("format")
	if format != "" && format != "csv" && format != "jsonl" {
		httpkit.WriteProblem(w, httpkit.Problem{Type: httpkit.ProblemMalformed, Title: "Malformed request", Status: http.StatusBadRequest,
			Detail: "format must be jsonl or csv", Field: "format"})
		return
	}
	if !h.WaitForPosition(w, r, billingview.Name) {
		return
	}
	accountID := mux.Vars(r)["id"]
	p := httpkit.Principal(r)
	if err := h.Queries.AuthorizeUsage(r.Context(), p, accountID); err != nil {
		h.Error(w, r, err)
		return
	}
	flusher, _ := w.(http.Flusher)
	var write func(billingview.UsageRow) error
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="usage-`+from+`-`+to+`.csv"`)
		cw := csv.NewWriter(w)
		_ = cw.Write(usageColumns)
		write = func(u billingview.UsageRow) error {
			price := ""
			if u.DailyPriceMinor != nil {
				price = strconv.FormatInt(*u.DailyPriceMinor, 10)
			}
			if err := cw.Write([]string{u.AccountID, u.CameraID, u.Day, u.RecorderID, u.RecorderSerial, u.RecorderName, csvText(u.CameraName),
				csvText(u.ItemPath), strconv.FormatBool(u.InService), strconv.FormatInt(u.RecordedSeconds, 10), strconv.FormatInt(u.StoredBytes, 10),
				u.PlanID, csvText(u.PlanName), price, u.Currency, u.ReportedAt.UTC().Format("2006-01-02T15:04:05Z")}); err != nil {
				return err
			}
			cw.Flush()
			return cw.Error()
		}
	} else {
		w.Header().Set("Content-Type", "application/jsonl")
		enc := json.NewEncoder(w)
		write = func(u billingview.UsageRow) error { return enc.Encode(lineOf(u)) }
	}
	w.WriteHeader(http.StatusOK)
	rows := 0
	err = h.Queries.EachUsage(r.Context(), p, accountID, from, to, func(u billingview.UsageRow) error {
		rows++
		if rows%1000 == 0 && flusher != nil {
			flusher.Flush()
		}
		return write(u)
	})
	if err != nil {
		// The status is out: cutting the connection is what tells the client the listing broke.
		h.Logger.Error("usage listing broke off", "account", accountID, "rows", rows, "error", err)
		panic(http.ErrAbortHandler)
	}
}

// csvText keeps a spreadsheet from running text as a formula (CSV injection): a cell that would
// start with =, +, - or @ gets a leading apostrophe.
func csvText(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}

// usageLine is a usage row as a JSON line: a column the view has NULL is null (a camera not yet
// in the tree when its day was reported, a day on no plan), as billing jobs reading the view
// see it.
type usageLine struct {
	AccountID       string    `json:"account_id"`
	CameraID        string    `json:"camera_id"`
	Day             string    `json:"day"`
	RecorderID      string    `json:"recorder_id"`
	RecorderSerial  *string   `json:"recorder_serial"`
	RecorderName    *string   `json:"recorder_name"`
	CameraName      *string   `json:"camera_name"`
	ItemPath        *string   `json:"item_path"`
	InService       bool      `json:"in_service"`
	RecordedSeconds int64     `json:"recorded_seconds"`
	StoredBytes     int64     `json:"stored_bytes"`
	PlanID          *string   `json:"plan_id"`
	PlanName        *string   `json:"plan_name"`
	DailyPriceMinor *int64    `json:"daily_price_minor"`
	Currency        *string   `json:"currency"`
	ReportedAt      time.Time `json:"reported_at"`
}

func lineOf(u billingview.UsageRow) usageLine {
	null := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	return usageLine{AccountID: u.AccountID, CameraID: u.CameraID, Day: u.Day, RecorderID: u.RecorderID, RecorderSerial: null(u.RecorderSerial),
		RecorderName: null(u.RecorderName), CameraName: null(u.CameraName), ItemPath: null(u.ItemPath), InService: u.InService,
		RecordedSeconds: u.RecordedSeconds, StoredBytes: u.StoredBytes, PlanID: null(u.PlanID), PlanName: null(u.PlanName),
		DailyPriceMinor: u.DailyPriceMinor, Currency: null(u.Currency), ReportedAt: u.ReportedAt}
}
