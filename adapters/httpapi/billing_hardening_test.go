package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camcloud/accounts/billing/billingcmd"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/recorders/recordercmd"
)

// billingAfter returns the billing commands on a clock in the month after period, when its
// invoices may be issued.
func (h *harness) billingAfter(t *testing.T, period string) *billingcmd.Commands {
	t.Helper()
	start, err := time.Parse("2006-01", period)
	if err != nil {
		t.Fatal(err)
	}
	handler := command.NewHandler(h.store, eventstore.NewCodec(domain.Events()...))
	handler.SetClock(func() time.Time { return start.AddDate(0, 1, 0) })
	return billingcmd.New(handler, nil, nil)
}

// TestUsageEntriesNeedEveryMember: an entry that leaves out a figure is refused, naming it,
// rather than read as a day out of service with nothing recorded that replaces the day's earlier
// report; a camera ID in capitals is the same camera.
func TestUsageEntriesNeedEveryMember(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shop, _ := h.create(t, "", "customer", "Strict Usage Shop")
	rec := h.registerRecorder(t, shop.ID, "NVR-S", 1)
	camera := recordercmd.CameraID(rec.ID, "NVR-S-cam-0")
	today := time.Now().UTC().Format(time.DateOnly)
	post := func(body map[string]any) response {
		return h.as(rec.Token).do(t, req{Method: http.MethodPost, Path: "/v1/recorder/usage", Body: body})
	}
	post(map[string]any{"batch_id": "full", "sequence": 1, "entries": []any{
		map[string]any{"camera_id": strings.ToUpper(camera), "day": today, "in_service": true, "recorded_seconds": 3600, "stored_bytes": 1000},
	}}).expect(t, http.StatusCreated, nil)

	before := h.lastPosition(t)
	resp := post(map[string]any{"batch_id": "partial", "sequence": 2, "entries": []any{
		map[string]any{"camera_id": camera, "day": today},
		map[string]any{"camera_id": camera, "day": today, "in_service": false, "recorded_seconds": 0},
	}})
	resp.expectProblem(t, http.StatusUnprocessableEntity, "/problems/invalid-usage")
	var p struct {
		InvalidEntries []struct {
			Field string `json:"field"`
		} `json:"invalid_entries"`
	}
	if err := json.Unmarshal(resp.Body, &p); err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, e := range p.InvalidEntries {
		fields = append(fields, e.Field)
	}
	want := "entries[0].in_service entries[0].recorded_seconds entries[0].stored_bytes entries[1].stored_bytes"
	if strings.Join(fields, " ") != want {
		t.Errorf("bad entries %v, want %s", fields, want)
	}
	if after := h.lastPosition(t); after != before {
		t.Errorf("a refused batch appended events: %v -> %v", before, after)
	}
	if row := h.usageRows(t, shop.ID)[camera+"/"+today]; !row.InService || row.Seconds != 3600 {
		t.Errorf("the day's usage %+v, want the full report's", row)
	}
}

// TestBillingDetailsIfMatch: the ETag of details never changed differs from the one after the
// first change, so that of many changes sent at once with it exactly one is made; a weak ETag
// matches nothing; a patch that changes nothing is refused.
func TestBillingDetailsIfMatch(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shop, _ := h.create(t, "", "customer", "Conditional Details Shop")
	path := "/v1/accounts/" + shop.ID + "/billing-details"
	empty := h.do(t, req{Method: http.MethodGet, Path: path})
	empty.expect(t, http.StatusOK, nil)
	etag := empty.Header.Get("ETag")
	if etag != `"0"` {
		t.Fatalf("details never changed: ETag %s", etag)
	}

	before := h.lastPosition(t)
	const clients = 20
	statuses := make([]int, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			statuses[i] = h.do(t, req{Method: http.MethodPatch, Path: path, Body: map[string]any{"company_name": "Racer"},
				Header: map[string]string{"If-Match": etag}}).Status
		})
	}
	wg.Wait()
	won := 0
	for _, s := range statuses {
		switch s {
		case http.StatusOK:
			won++
		case http.StatusPreconditionFailed:
		default:
			t.Errorf("status %d", s)
		}
	}
	if won != 1 {
		t.Errorf("%d changes made with the ETag of the details never changed, want 1 (%v)", won, statuses)
	}
	events, err := h.store.ReadAll(t.Context(), before, eventstore.Forwards, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 {
		t.Errorf("%d events appended, want 1", len(events))
	}

	after := h.do(t, req{Method: http.MethodGet, Path: path + "?min_position=" + h.lastPosition(t).String()})
	after.expect(t, http.StatusOK, nil)
	if got := after.Header.Get("ETag"); got != `"1"` {
		t.Errorf("after one change: ETag %s, want \"1\"", got)
	}
	h.do(t, req{Method: http.MethodPatch, Path: path, Body: map[string]any{"tax_id": "FR1"}, Header: map[string]string{"If-Match": `"0"`}}).
		expectProblem(t, http.StatusPreconditionFailed, "/problems/revision-mismatch")
	h.do(t, req{Method: http.MethodPatch, Path: path, Body: map[string]any{"tax_id": "FR1"}, Header: map[string]string{"If-Match": `W/"1"`}}).
		expectProblem(t, http.StatusPreconditionFailed, "/problems/revision-mismatch")
	h.do(t, req{Method: http.MethodPatch, Path: path, Body: map[string]any{}, Header: map[string]string{"If-Match": `"1"`}}).
		expectProblem(t, http.StatusUnprocessableEntity, "/problems/validation-failed")
	changed := h.do(t, req{Method: http.MethodPatch, Path: path, Body: map[string]any{"tax_id": "FR1"}, Header: map[string]string{"If-Match": `"1"`}})
	changed.expect(t, http.StatusOK, nil)
	if got := changed.Header.Get("ETag"); got != `"2"` {
		t.Errorf("after two changes: ETag %s, want \"2\"", got)
	}

	// The same addresses assigned again change nothing.
	addresses := map[string]any{"addresses": []any{testAddress}}
	h.do(t, req{Method: http.MethodPut, Path: "/v1/accounts/" + shop.ID + "/billing-addresses", Body: addresses}).expect(t, http.StatusOK, nil)
	again := h.lastPosition(t)
	h.do(t, req{Method: http.MethodPut, Path: "/v1/accounts/" + shop.ID + "/billing-addresses", Body: addresses}).expect(t, http.StatusOK, nil)
	if last := h.lastPosition(t); last != again {
		t.Errorf("the same addresses assigned again appended events: %v -> %v", again, last)
	}
}

// TestPlanAssignmentNeedsPlanID: plan_id left out is refused, not read as null (which puts a
// camera back on its account's plan); a plan_id that is no string is malformed.
func TestPlanAssignmentNeedsPlanID(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shop, _ := h.create(t, "", "customer", "Plan Input Shop")
	rec := h.registerRecorder(t, shop.ID, "NVR-P", 1)
	camera := recordercmd.CameraID(rec.ID, "NVR-P-cam-0")
	before := h.lastPosition(t)
	for _, c := range []struct {
		path   string
		body   any
		status int
		typ    string
	}{
		{"/v1/cameras/" + camera + "/plan", map[string]any{}, http.StatusUnprocessableEntity, "/problems/validation-failed"},
		{"/v1/accounts/" + shop.ID + "/plan", map[string]any{}, http.StatusUnprocessableEntity, "/problems/validation-failed"},
		{"/v1/cameras/" + camera + "/plan", map[string]any{"plan_id": 5}, http.StatusBadRequest, "/problems/malformed-request"},
		{"/v1/cameras/" + camera + "/plan", map[string]any{"plan_id": ""}, http.StatusUnprocessableEntity, "/problems/unknown-plan"},
	} {
		h.do(t, req{Method: http.MethodPut, Path: c.path, Body: c.body}).expectProblem(t, c.status, c.typ)
	}
	if after := h.lastPosition(t); after != before {
		t.Errorf("refused assignments appended events: %v -> %v", before, after)
	}
	h.do(t, req{Method: http.MethodPut, Path: "/v1/cameras/" + camera + "/plan", Body: map[string]any{"plan_id": nil}}).expect(t, http.StatusOK, nil)
}
