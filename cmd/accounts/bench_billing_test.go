package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/adapters/attemptlimit"
	"github.com/camcloud/accounts/adapters/httpapi"
	"github.com/camcloud/accounts/adapters/httpkit"
	"github.com/camcloud/accounts/billing/billingcmd"
	"github.com/camcloud/accounts/billing/billingview"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/recorders/recordercmd"
	"github.com/camcloud/accounts/recorders/recorderhttp"
	"github.com/camcloud/accounts/recorders/recorderview"
)

// billingSizes are the billing part's sizes (issue 11): cameras x days usage rows, from the
// environment so that a quick run is possible.
type billingSizes struct {
	cameras     int // ACCOUNTS_BENCH_CAMERAS: cameras, all in one account
	days        int // ACCOUNTS_BENCH_DAYS: usage days, the first of a past month (at most 31)
	perRecorder int // ACCOUNTS_BENCH_RECORDER_CAMERAS: cameras per recorder
	batchDays   int // ACCOUNTS_BENCH_BATCH_DAYS: days per usage batch (7: one batch a week per recorder)
	clients     int // ACCOUNTS_BENCH_CLIENTS: concurrent HTTP clients of the ingestion
	// ACCOUNTS_BENCH_BULK_RECORDER_CAMERAS: cameras per recorder of a second ingestion of as many
	// rows into a second account, a month a batch (256: 7,936 entries a request; 0: none)
	bulkPerRecorder int
	serials         string // the prefix of the recorders' serial numbers
}

func loadBillingSizes(b *testing.B) billingSizes {
	s := billingSizes{cameras: 10_000, days: 31, perRecorder: 16, batchDays: 7, clients: 4, bulkPerRecorder: 256, serials: "BENCH"}
	for _, v := range []struct {
		name string
		dst  *int
		max  int
	}{
		{"ACCOUNTS_BENCH_CAMERAS", &s.cameras, 1_000_000}, {"ACCOUNTS_BENCH_DAYS", &s.days, 31},
		{"ACCOUNTS_BENCH_RECORDER_CAMERAS", &s.perRecorder, 1024}, {"ACCOUNTS_BENCH_BATCH_DAYS", &s.batchDays, 31},
		{"ACCOUNTS_BENCH_CLIENTS", &s.clients, 256},
	} {
		if raw := os.Getenv(v.name); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil || n < 1 || n > v.max {
				b.Fatalf("%s=%q: want a whole number from 1 to %d", v.name, raw, v.max)
			}
			*v.dst = n
		}
	}
	if raw := os.Getenv("ACCOUNTS_BENCH_BULK_RECORDER_CAMERAS"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > 1024 {
			b.Fatalf("ACCOUNTS_BENCH_BULK_RECORDER_CAMERAS=%q: want a whole number from 0 (none) to 1024", raw)
		}
		s.bulkPerRecorder = n
	}
	return s
}

// usagePeriod is the latest month before the current one (UTC) with at least days days: its
// first days are the usage days, all in the past, so that the live service takes them.
func usagePeriod(now time.Time, days int) (period string, first time.Time) {
	m := time.Date(now.UTC().Year(), now.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	for {
		m = m.AddDate(0, -1, 0)
		if m.AddDate(0, 1, -1).Day() >= days {
			return m.Format("2006-01"), m
		}
	}
}

// benchRecorder is a recorder of the billing part, as it registered.
type benchRecorder struct {
	id, token string
	cameras   []string // camera IDs, by channel
}

// billingFigures: issue 11's run of usage through billing. One customer account holds every
// camera; its recorders register and report their cameras, its plan is set, then usage batches
// go to POST /v1/recorder/usage of the service as `accounts serve` wires it, the billing read
// model catches up, `billing close` issues the invoice, and the invoice's usage spreadsheet is
// downloaded whole. The reference is the same rows written by pgx CopyFrom into a plain table of
// camera_usage_days' columns.
//
// Usage may be for no day in the future, nor before the day a camera was first seen, which is
// the command handler's clock when its recorder first reports it; the service's handler is made
// in wire and keeps the real clock. So the setup (registrations and camera reports over HTTP;
// the plan and the account's assignment as commands) runs through a second API on the same store
// and read models, made as wire makes the recorder routes but with its handler's clock set two
// days before the period; the usage of the period (a past month) then goes to the live service.
func billingFigures(ctx context.Context, b *testing.B, rep *report) {
	size := loadBillingSizes(b)
	period, first := usagePeriod(time.Now(), size.days)
	setupDay := first.AddDate(0, 0, -2).Add(12 * time.Hour) // the plan priced from it; cameras first seen on it
	recorders := (size.cameras + size.perRecorder - 1) / size.perRecorder
	rows := size.cameras * size.days

	progress("billing: starting the service (%d cameras on %d recorders, %d days of %s: %d usage rows)", size.cameras, recorders, size.days, period, rows)
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	run := startBenchService(ctx, b, transport, 5*time.Minute)
	cfg, svc, logger, admin := run.cfg, run.svc, run.logger, run.admin
	live := admin.base

	// The back-dated side: a handler on the same store whose clock runs setupDay's.
	offset := time.Since(setupDay)
	back := command.NewHandler(svc.events, svc.codec)
	back.SetClock(func() time.Time { return time.Now().Add(-offset) })
	accountQueries := accountview.NewQueries(svc.readModels)
	recorderQueries := recorderview.NewQueries(svc.readModels)
	authz := access.NewAuthorizer(accountQueries)
	kit := httpkit.NewKit(logger, svc.pipeline.Checkpoints(), 0)
	backAPI := httptest.NewServer(httpapi.New(httpapi.Config{
		Kit: kit, Authenticator: recordercmd.Authenticator{Credentials: recorderQueries}, Ready: svc.ready,
		Routes: []httpkit.Routes{&recorderhttp.Handlers{Kit: kit,
			Recorders: recordercmd.New(back, authz, accountQueries, recorderQueries, attemptlimit.New(svc.readModels)),
			Queries:   recorderview.NewReader(recorderQueries, authz)}},
	}))
	b.Cleanup(backAPI.Close)

	type benchCustomer struct {
		ID               string
		RegistrationCode string `json:"registration_code"`
	}
	newCustomer := func(name string) (c benchCustomer) {
		if _, err := admin.do(ctx, http.MethodPost, "/v1/accounts", map[string]any{
			"kind": "customer", "name": name,
			"address":    map[string]string{"line1": "1 Main St", "city": "Springfield", "country": "US"},
			"first_user": map[string]string{"email": "billing-" + uuid.NewString() + "@example.test"},
		}, http.StatusCreated, &c); err != nil {
			b.Fatal(err)
		}
		return c
	}
	customer := newCustomer("Bench billing customer")

	// The plan, priced from setupDay, and the account on it from the next day: every usage day
	// is priced.
	progress("billing: setting up (plan, %d recorders registering and reporting %d cameras, clock at %s)", recorders, size.cameras, setupDay.Format(time.DateOnly))
	setupStart := time.Now()
	backBilling := billingcmd.New(back, authz, recorderQueries)
	bench := command.Service("bench")
	plan, err := backBilling.CreatePlan(ctx, bench, "Cloud 30 days", "EUR", 25)
	if err != nil {
		b.Fatal(err)
	}
	// setUp puts an account on the plan and has n recorders of s.perRecorder cameras register
	// into it and report their cameras, on the back-dated clock.
	setUp := func(c benchCustomer, s billingSizes, n int) []benchRecorder {
		if _, err := backBilling.AssignPlan(ctx, bench, c.ID, "", plan.PlanID); err != nil {
			b.Fatal(err)
		}
		regs, err := registerBenchRecorders(ctx, backAPI.URL, transport, c.RegistrationCode, s, n)
		if err != nil {
			b.Fatal(err)
		}
		if err := settle(ctx, svc); err != nil {
			b.Fatal(err)
		}
		return regs
	}
	regs := setUp(customer, size, recorders)
	setup := time.Since(setupStart)

	// The reference: the same rows by CopyFrom into a plain table of the read model's columns.
	progress("billing: raw CopyFrom of %d rows", rows)
	var refM measurement
	refM.median(rows, 3, func() error { return emptyTable(ctx, svc, "bench_raw_usage", "LIKE camera_usage_days") },
		func() error { return copyUsageRows(ctx, svc, customer.ID, plan.PlanID, regs, first, size.days) })
	ref := rep.add(&figure{name: fmt.Sprintf("raw CopyFrom, %d usage rows", rows)})
	refM.into(ref)
	ref.note = joinNote(ref.note, refM.elapsed.Round(time.Millisecond).String()+", the median of 3 runs")

	// The floor of any read model of these rows: the same rows upserted by one statement into a
	// table with camera_usage_days' key, the last report winning (no HTTP, no events, no
	// lookups). Its ratio bounds what ingestion can reach while the model keeps up.
	progress("billing: raw INSERT ... ON CONFLICT of %d rows", rows)
	var floorM measurement
	floorM.median(rows, 3, func() error {
		return emptyTable(ctx, svc, "bench_upserted_usage", "LIKE camera_usage_days INCLUDING INDEXES")
	},
		func() error { return upsertUsageRows(ctx, svc, rows) })
	floor := rep.add(&figure{name: "raw INSERT ... ON CONFLICT, the same rows in one statement", reference: ref})
	floorM.into(floor)
	floor.note = joinNote(floor.note, floorM.elapsed.Round(time.Millisecond).String()+", the median of 3 runs: the floor of any projection into the read model's key")

	// ingest posts the usage of c's recorders to the live service, s.batchDays a batch, and adds
	// two figures: until every batch was answered, and until the billing model had applied them
	// all (checking that it holds every row, priced). profile names the file of its CPU profile
	// ("" for none).
	ingest := func(name string, c benchCustomer, regs []benchRecorder, s billingSizes, profile string) *figure {
		batches := (s.days + s.batchDays - 1) / s.batchDays
		progress("billing: ingestion, %d batches of up to %d entries, %d clients", len(regs)*batches, s.perRecorder*s.batchDays, s.clients)
		stopProfile := profileCPU(b, profile)
		ing := ingestUsage(ctx, live, transport, regs, first, s, batches)
		stopProfile()
		answered := rep.add(&figure{name: name, reference: ref, target: ">= 0.3", latencies: true})
		ing.into(answered)
		answered.note = joinNote(answered.note, fmt.Sprintf("%s for %d rows in %d batches of up to %d entries (each answered once stored; the billing model applies them meanwhile)",
			ing.elapsed.Round(time.Millisecond), ing.ops, len(regs)*batches, s.perRecorder*s.batchDays))

		lagStart := time.Now()
		if err := settle(ctx, svc); err != nil {
			b.Fatal(err)
		}
		lag := time.Since(lagStart)
		var projected, priced int
		if err := svc.readModels.QueryRow(ctx, `SELECT count(*), count(daily_price_minor) FROM camera_usage_days WHERE account_id = $1`, c.ID).Scan(&projected, &priced); err != nil {
			b.Fatal(err)
		}
		applied := rep.add(&figure{name: "billing: ... until the billing model applied it", reference: ref})
		applied.value = float64(ing.ops) / (ing.elapsed + lag).Seconds()
		applied.peakRSS = ing.peak
		applied.note = fmt.Sprintf("%s after the last answer; %d rows in camera_usage_days, %d priced", ms(lag), projected, priced)
		if projected != rows || priced != rows {
			applied.errors++
		}
		return answered
	}

	// 1. Ingestion over HTTP, and 2. what the billing read model still had to apply after the
	// last answer.
	weekly := ingest(fmt.Sprintf("billing: HTTP POST /v1/recorder/usage, %d clients", size.clients), customer, regs, size,
		os.Getenv("ACCOUNTS_BENCH_INGEST_CPUPROFILE"))

	// The same again into a second account, from recorders of bulkPerRecorder cameras sending
	// a month a request: the ingestion of large requests, beside the weekly one.
	var bulk *figure
	if size.bulkPerRecorder > 0 {
		s := size
		s.perRecorder, s.batchDays, s.serials = size.bulkPerRecorder, size.days, "BULK"
		n := (s.cameras + s.perRecorder - 1) / s.perRecorder
		progress("billing: setting up %d recorders of %d cameras in a second account", n, s.perRecorder)
		c := newCustomer("Bench billing customer, large requests")
		bulk = ingest(fmt.Sprintf("billing: the same, a month of %d cameras a POST", s.perRecorder), c, setUp(c, s, n), s, "")
	}

	// 3. billing close, as `accounts billing close --period` runs it once caught up (the first
	// account's: the same work whether the second ran or not).
	progress("billing: billing close --period %s", period)
	cmds := billingcmd.New(command.NewHandler(svc.events, svc.codec), access.NewAuthorizer(nil), recorderview.NewQueries(svc.readModels))
	var closeOut bytes.Buffer
	var closeM measurement
	closeM.once(rows, func() error {
		return closePeriod(ctx, cmds, billingview.NewQueries(svc.readModels), svc.pipeline.CatchUp, period, customer.ID, cfg.InvoiceTerms, &closeOut)
	})
	closing := rep.add(&figure{name: "billing: billing close --period " + period})
	closeM.into(closing)
	closing.note = joinNote(closing.note, fmt.Sprintf("%s; %s", closeM.elapsed.Round(time.Millisecond), lastLine(closeOut.String())))
	if err := settle(ctx, svc); err != nil {
		b.Fatal(err)
	}
	invoiceID := billingcmd.InvoiceID(customer.ID, period)
	var inv struct {
		Number     string
		Currency   string
		Lines      []map[string]any
		TotalMinor int64 `json:"total_minor"`
	}
	if _, err := admin.do(ctx, http.MethodGet, "/v1/invoices/"+invoiceID, nil, http.StatusOK, &inv); err != nil {
		b.Fatal(err)
	}
	closing.note += fmt.Sprintf("; invoice %s: %d lines, total %d %s minor units", inv.Number, len(inv.Lines), inv.TotalMinor, inv.Currency)

	// 4. The spreadsheet, read to the end.
	progress("billing: GET /v1/invoices/%s/usage.xlsx", invoiceID)
	dl := downloadSheet(ctx, admin, invoiceID)
	sheet := rep.add(&figure{name: fmt.Sprintf("billing: GET usage.xlsx, %d rows", rows), target: "< 10s, < 150MB"})
	if dl.err != nil {
		sheet.errors, sheet.note = 1, "error: "+dl.err.Error()
	} else {
		sheet.value = float64(rows) / dl.elapsed.Seconds()
	}
	sheet.peakRSS = dl.peakRSS
	sheet.note = joinNote(sheet.note, fmt.Sprintf("%s, %.1f MiB; peak RSS +%s over %s before it, Go heap peak +%s",
		dl.elapsed.Round(time.Millisecond), float64(dl.bytes)/(1<<20), mib(dl.peakRSS-min(dl.peakRSS, dl.rssBefore)), mib(dl.rssBefore), mib(dl.heapPeak)))

	memory := max(dl.peakRSS-min(dl.peakRSS, dl.rssBefore), dl.heapPeak)
	rep.footer = append(rep.footer,
		fmt.Sprintf("billing: %d cameras on %d recorders in one account, %d days of %s (%d rows); setup (plan, registrations, camera reports on a clock at %s) %s",
			size.cameras, recorders, size.days, period, rows, setupDay.Format(time.DateOnly), setup.Round(time.Millisecond)),
		ingestionTarget(weekly, ref, size.perRecorder*size.batchDays)+
			fmt.Sprintf(" (the floor of any projection, one INSERT ... ON CONFLICT of the same rows, is %.3fx)", floor.value/max(ref.value, 1)))
	if bulk != nil {
		rep.footer = append(rep.footer, ingestionTarget(bulk, ref, size.bulkPerRecorder*size.days))
	}
	rep.footer = append(rep.footer,
		fmt.Sprintf("billing target: usage.xlsx under 10 s: %s, %s", dl.elapsed.Round(time.Millisecond), met(dl.err == nil && dl.elapsed < 10*time.Second)),
		fmt.Sprintf("billing target: usage.xlsx under 150 MB of memory: %.0f MB (the larger of the peak RSS rise and the Go heap's), %s",
			float64(memory)/1e6, met(dl.err == nil && memory < 150e6)))
}

// ingestionTarget says whether an ingestion figure met issue 11's target.
func ingestionTarget(f, ref *figure, entries int) string {
	ratio := f.value / max(ref.value, 1)
	return fmt.Sprintf("billing target: ingestion >= 0.3x CopyFrom, up to %d entries a POST: %.3fx, %s", entries, ratio, met(ratio >= 0.3))
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// settle waits until the billing read model has applied every event stored so far.
func settle(ctx context.Context, svc *service) error {
	last, err := svc.events.ReadAll(ctx, eventstore.EndOfAll, eventstore.Backwards, 1)
	if err != nil || len(last) == 0 {
		return errors.Join(errors.New("read the last event"), err)
	}
	return svc.pipeline.Checkpoints().WaitFor(ctx, last[0].Position, 10*time.Minute, billingview.Name, recorderview.Name)
}

func lastLine(s string) string {
	lines := bytes.Split(bytes.TrimSpace([]byte(s)), []byte("\n"))
	return string(lines[len(lines)-1])
}

// registerBenchRecorders registers the recorders with the account's code and has each report
// its cameras, from size.clients clients at once.
func registerBenchRecorders(ctx context.Context, base string, transport http.RoundTripper, code string, size billingSizes, n int) ([]benchRecorder, error) {
	regs := make([]benchRecorder, n)
	work := make(chan int)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for range size.clients {
		wg.Go(func() {
			for i := range work {
				if err := registerOne(ctx, base, transport, code, size, n, i, &regs[i]); err != nil {
					mu.Lock()
					firstErr = firstOf(firstErr, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	return regs, firstErr
}

func firstOf(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

func registerOne(ctx context.Context, base string, transport http.RoundTripper, code string, size billingSizes, n, i int, r *benchRecorder) error {
	c := &benchClient{base: base, http: &http.Client{Transport: transport, Timeout: time.Minute}}
	var reg struct {
		ID    string
		Token string
	}
	serial := fmt.Sprintf("%s-%06d", size.serials, i+1)
	if _, err := c.do(ctx, http.MethodPost, "/v1/recorders:register", map[string]string{"registration_code": code, "serial": serial,
		"model": "NVR-16", "name": fmt.Sprintf("Recorder %d", i+1)}, http.StatusCreated, &reg); err != nil {
		return err
	}
	cams := size.perRecorder
	if i == n-1 {
		cams = size.cameras - (n-1)*size.perRecorder
	}
	type camera struct {
		Channel    int    `json:"channel"`
		Name       string `json:"name"`
		Model      string `json:"model"`
		HardwareID string `json:"hardware_id"`
	}
	list := make([]camera, cams)
	r.id, r.token, r.cameras = reg.ID, reg.Token, make([]string, cams)
	for ch := range cams {
		hw := fmt.Sprintf("%s-CH%02d", serial, ch+1)
		list[ch] = camera{Channel: ch + 1, Name: fmt.Sprintf("Camera %d.%d", i+1, ch+1), Model: "Dome 4MP", HardwareID: hw}
		r.cameras[ch] = recordercmd.CameraID(reg.ID, hw)
	}
	c.token = reg.Token
	_, err := c.do(ctx, http.MethodPut, "/v1/recorder/cameras", map[string]any{"cameras": list}, http.StatusOK, nil)
	return err
}

// usageValues are one camera-day's figures, the same for the service and the reference.
func usageValues(camera, day int) (seconds, bytes int64) {
	return int64(86_400 - (camera*7+day*13)%3600), int64(40_000_000_000 + (camera*31+day*17)%1_000_000_000)
}

// ingestUsage posts every recorder's batches (batchDays days each) to the live service from
// size.clients clients, each body encoded as it goes out.
func ingestUsage(ctx context.Context, base string, transport http.RoundTripper, regs []benchRecorder, first time.Time, size billingSizes, batches int) *measurement {
	type job struct{ rec, batch int }
	work := make(chan job)
	m := &measurement{}
	var (
		wg sync.WaitGroup
		mu sync.Mutex
	)
	resetPeakRSS()
	started := time.Now()
	for range size.clients {
		wg.Go(func() {
			client := &http.Client{Transport: transport, Timeout: 2 * time.Minute}
			var body []byte
			var lat []time.Duration
			ops, errs := 0, 0
			var firstErr error
			for j := range work {
				r := regs[j.rec]
				from, to := j.batch*size.batchDays, min((j.batch+1)*size.batchDays, size.days)
				body = usageBody(body[:0], r, j.rec, first, from, to, j.batch)
				t0 := time.Now()
				err := postUsage(ctx, client, base, r.token, body)
				if err != nil {
					errs++
					firstErr = firstOf(firstErr, err)
					continue
				}
				lat = append(lat, time.Since(t0))
				ops += len(r.cameras) * (to - from)
			}
			mu.Lock()
			defer mu.Unlock()
			m.ops += ops
			m.errors += errs
			m.latencies = append(m.latencies, lat...)
			m.firstErr = firstOf(m.firstErr, firstErr)
		})
	}
	// Week by week, every recorder in turn: the order recorders reporting weekly would send in.
	for batch := range batches {
		for rec := range regs {
			work <- job{rec, batch}
		}
	}
	close(work)
	wg.Wait()
	m.elapsed = time.Since(started)
	m.peak = peakRSS()
	return m
}

// profileCPU writes the process's CPU profile to path (none when path is empty) until the
// returned function is called: ACCOUNTS_BENCH_INGEST_CPUPROFILE profiles the ingestion alone,
// which -cpuprofile mixes with the setup and the downloads.
func profileCPU(b *testing.B, path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			b.Error(err)
		}
	}
}

// usageBody appends a usage report of recorder r's cameras for days [from, to) of the period.
func usageBody(buf []byte, r benchRecorder, rec int, first time.Time, from, to, batch int) []byte {
	buf = append(buf, `{"batch_id":"bench-`...)
	buf = strconv.AppendInt(buf, int64(batch+1), 10)
	buf = append(buf, `","sequence":`...)
	buf = strconv.AppendInt(buf, int64(batch+1), 10)
	buf = append(buf, `,"entries":[`...)
	for d := from; d < to; d++ {
		day := first.AddDate(0, 0, d).Format(time.DateOnly)
		for ch, cam := range r.cameras {
			if d > from || ch > 0 {
				buf = append(buf, ',')
			}
			seconds, stored := usageValues(rec*1024+ch, d)
			buf = append(buf, `{"camera_id":"`...)
			buf = append(buf, cam...)
			buf = append(buf, `","day":"`...)
			buf = append(buf, day...)
			buf = append(buf, `","in_service":true,"recorded_seconds":`...)
			buf = strconv.AppendInt(buf, seconds, 10)
			buf = append(buf, `,"stored_bytes":`...)
			buf = strconv.AppendInt(buf, stored, 10)
			buf = append(buf, '}')
		}
	}
	return append(buf, "]}"...)
}

func postUsage(ctx context.Context, client *http.Client, base, token string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/recorder/usage", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST /v1/recorder/usage: %d: %.300s", res.StatusCode, raw)
	}
	return nil
}

// copyUsageRows is the reference: the usage rows, with the names and plan the read model
// fills in, written by CopyFrom into a table of camera_usage_days' columns with no key or index.
func copyUsageRows(ctx context.Context, svc *service, accountID, planID string, regs []benchRecorder, first time.Time, days int) error {
	account, plan := pgtype.UUID{Bytes: uuid.MustParse(accountID), Valid: true}, pgtype.UUID{Bytes: uuid.MustParse(planID), Valid: true}
	type cam struct {
		rec, ch     int
		id, recID   pgtype.UUID
		name, path  string
		serial, rnm string
	}
	var cams []cam
	for i, r := range regs {
		rid := pgtype.UUID{Bytes: uuid.MustParse(r.id), Valid: true}
		for ch, id := range r.cameras {
			name := fmt.Sprintf("Camera %d.%d", i+1, ch+1)
			cams = append(cams, cam{rec: i, ch: ch, id: pgtype.UUID{Bytes: uuid.MustParse(id), Valid: true}, recID: rid, name: name, path: name,
				serial: fmt.Sprintf("BENCH-%06d", i+1), rnm: fmt.Sprintf("Recorder %d", i+1)})
		}
	}
	dates := make([]time.Time, days)
	for d := range dates {
		dates[d] = first.AddDate(0, 0, d)
	}
	// Day by day, as the batches of a week arrive.
	n, total := 0, len(cams)*days
	row := make([]any, 18)
	now := time.Now()
	price := int64(25)
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if n == total {
			return nil, nil
		}
		c, d := cams[n%len(cams)], n/len(cams)
		n++
		seconds, stored := usageValues(c.rec*1024+c.ch, d)
		row[0], row[1], row[2], row[3], row[4], row[5] = account, c.id, dates[d], c.recID, int64(1+d/7), "bench-"+strconv.Itoa(1+d/7)
		row[6], row[7], row[8], row[9], row[10], row[11], row[12] = true, seconds, stored, c.name, c.path, c.serial, c.rnm
		row[13], row[14], row[15], row[16], row[17] = plan, "Cloud 30 days", price, "EUR", now
		return row, nil
	})
	columns := []string{"account_id", "camera_id", "day", "recorder_id", "sequence", "batch_id", "in_service", "recorded_seconds", "stored_bytes",
		"camera_name", "item_path", "recorder_serial", "recorder_name", "plan_id", "plan_name", "daily_price_minor", "currency", "reported_at"}
	copied, err := svc.readModels.CopyFrom(ctx, pgx.Identifier{"bench_raw_usage"}, columns, src)
	if err == nil && copied != int64(total) {
		err = fmt.Errorf("CopyFrom wrote %d rows of %d", copied, total)
	}
	return err
}

// emptyTable makes the reference table name, empty, of the columns (and key) like says.
func emptyTable(ctx context.Context, svc *service, name, like string) error {
	table := pgx.Identifier{name}.Sanitize()
	_, err := svc.readModels.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+table+` (`+like+`); TRUNCATE `+table)
	return err
}

// upsertUsageRows upserts the rows copyUsageRows wrote into bench_upserted_usage, empty and
// keyed as camera_usage_days, in the key's order, as the projection does.
func upsertUsageRows(ctx context.Context, svc *service, rows int) error {
	tag, err := svc.readModels.Exec(ctx, `INSERT INTO bench_upserted_usage SELECT * FROM bench_raw_usage ORDER BY account_id, day, camera_id
		ON CONFLICT (account_id, day, camera_id) DO UPDATE SET sequence = excluded.sequence, batch_id = excluded.batch_id,
			in_service = excluded.in_service, recorded_seconds = excluded.recorded_seconds, stored_bytes = excluded.stored_bytes
		WHERE excluded.sequence >= bench_upserted_usage.sequence`)
	if err == nil && tag.RowsAffected() != int64(rows) {
		err = fmt.Errorf("upserted %d rows of %d", tag.RowsAffected(), rows)
	}
	return err
}

// download is what the spreadsheet's download measured.
type download struct {
	elapsed   time.Duration
	bytes     int64
	rssBefore uint64 // resident memory when it began
	peakRSS   uint64 // the process's peak resident memory while it ran
	heapPeak  uint64 // the Go heap's peak rise while it ran (sampled)
	err       error
}

// downloadSheet GETs the invoice's usage spreadsheet and reads it to the end, measuring the
// process's memory: the heap is collected and returned to the system first, so that the peak's
// rise over what was resident is the download's (server and client; the client only counts).
func downloadSheet(ctx context.Context, c *benchClient, invoiceID string) download {
	runtime.GC()
	debug.FreeOSMemory()
	var d download
	d.rssBefore = residentMemory()
	heapBefore := heapInUse()
	resetPeakRSS()
	done := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			if h := heapInUse(); h > heapBefore {
				d.heapPeak = max(d.heapPeak, h-heapBefore)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	t0 := time.Now()
	d.bytes, d.err = getToEnd(ctx, c, "/v1/invoices/"+invoiceID+"/usage.xlsx")
	d.elapsed = time.Since(t0)
	close(done)
	sampler.Wait()
	d.peakRSS = peakRSS()
	return d
}

func getToEnd(ctx context.Context, c *benchClient, path string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	n, err := io.Copy(io.Discard, res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %d", path, res.StatusCode)
	}
	return n, err
}

// residentMemory is the process's resident memory now (VmRSS), in bytes.
func residentMemory() uint64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.SplitSeq(raw, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			kb, err := strconv.ParseUint(string(bytes.TrimSuffix(bytes.TrimSpace(v), []byte(" kB"))), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// heapInUse is the Go heap's live and not yet swept objects, in bytes (runtime/metrics: read
// without stopping the world).
func heapInUse() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
