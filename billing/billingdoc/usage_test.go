package billingdoc_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/camcloud/accounts/billing/billingdoc"
	"github.com/camcloud/accounts/billing/billingview"
)

var header = []string{"Day", "Item path", "Camera", "Recorder serial", "Recorder", "In service", "Recorded hours", "Stored GB", "Plan", "Daily price", "Currency"}

// usageRows yields n rows made on the fly, as a database would: one camera a row, ten days of
// n/10 cameras from 2026-10-01.
func usageRows(n int) billingdoc.Rows {
	return func(yield func(billingview.UsageRow) error) error {
		start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
		price := int64(15)
		perDay := max(n/10, 1)
		for i := range n {
			r := billingview.UsageRow{
				AccountID: "acc", CameraID: fmt.Sprintf("cam-%06d", i%perDay), Day: start.AddDate(0, 0, i/perDay).Format(time.DateOnly),
				RecorderID: "rec", RecorderSerial: fmt.Sprintf("SN%05d", i%perDay/16), RecorderName: "Recorder Łódź",
				CameraName: fmt.Sprintf("Camera %d", i%perDay), ItemPath: "/Europe/Société Générale/Floor 1",
				InService: i%7 != 0, RecordedSeconds: 86_400 - int64(i%100), StoredBytes: 12_345_678_901 + int64(i),
				PlanID: "p1", PlanName: "Cloud 30", DailyPriceMinor: &price, Currency: "EUR",
			}
			if i == 3 {
				r.CameraName, r.DailyPriceMinor, r.PlanName, r.Currency = "=HYPERLINK(\"http://evil\")", nil, "", ""
			}
			if err := yield(r); err != nil {
				return err
			}
		}
		return nil
	}
}

func TestUsageXLSX(t *testing.T) {
	const n = 10_000
	var buf bytes.Buffer
	if err := billingdoc.WriteUsageXLSX(&buf, "Usage: October 2026 [acc]", usageRows(n)); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d rows: %d bytes", n, buf.Len())
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) != 1 || sheets[0] != "Usage October 2026 acc" {
		t.Fatalf("sheets %q", sheets)
	}
	sheet := sheets[0]
	if props, err := f.GetDocProps(); err != nil || props.Title != "Usage: October 2026 [acc]" {
		t.Errorf("document title %q (%v)", props.Title, err)
	}

	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n+1 {
		t.Fatalf("%d rows, want %d", len(rows), n+1)
	}
	if fmt.Sprint(rows[0]) != fmt.Sprint(header) {
		t.Errorf("header %q", rows[0])
	}

	panes, err := f.GetPanes(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 0 || panes.TopLeftCell != "A2" {
		t.Errorf("panes %+v, want the header row frozen", panes)
	}
	filter := false
	for _, d := range f.GetDefinedName() {
		if d.Name == "_xlnm._FilterDatabase" {
			filter = strings.HasSuffix(d.RefersTo, fmt.Sprintf("!$A$1:$K$%d", n+1))
			if !filter {
				t.Errorf("filter database %q", d.RefersTo)
			}
		}
	}
	if !filter {
		t.Error("no autofilter defined name")
	}
	if xml := sheetXML(t, buf.Bytes()); !strings.Contains(xml, fmt.Sprintf(`<autoFilter ref="$A$1:$K$%d">`, n+1)) {
		t.Errorf("no <autoFilter> over the data in the sheet: %s", xml[strings.LastIndex(xml, "</sheetData>"):])
	}
	if xml := sheetXML(t, buf.Bytes()); !strings.Contains(xml, `<cols><col min="1" max="1" width="12" customWidth="1"/><col min="2" max="2" width="36"`) {
		t.Errorf("columns not in order: %s", xml[strings.Index(xml, "<cols>"):])
	}
	if w, err := f.GetColWidth(sheet, "B"); err != nil || w != 36 {
		t.Errorf("column B width %v (%v)", w, err)
	}

	// A date cell: a number (the serial day) formatted as a date.
	if typ, err := f.GetCellType(sheet, "A2"); err != nil || typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Errorf("A2 type %v (%v)", typ, err)
	}
	if rows[1][0] != "46296" { // 2026-10-01 is day 46296 since 1899-12-30
		t.Errorf("A2 raw %q", rows[1][0])
	}
	if v, _ := f.GetCellValue(sheet, "A2"); v != "2026-10-01" {
		t.Errorf("A2 shows %q", v)
	}
	// Numbers.
	if v, _ := f.GetCellValue(sheet, "J2"); v != "0.15" {
		t.Errorf("daily price shows %q", v)
	}
	if rows[1][9] != "0.15" || rows[1][6] != "24" || rows[1][7] != "12.346" {
		t.Errorf("raw numbers %q", rows[1][6:10])
	}
	if typ, _ := f.GetCellType(sheet, "J2"); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Errorf("daily price type %v", typ)
	}
	if v, _ := f.GetCellValue(sheet, "G3"); v != "24.00" { // 86399 s
		t.Errorf("recorded hours show %q", v)
	}
	if typ, _ := f.GetCellType(sheet, "F2"); typ != excelize.CellTypeBool {
		t.Errorf("in service type %v", typ)
	}
	// The unpriced row: empty cells; its formula-looking name stays text.
	if r := rows[4]; len(r) > 9 && r[9] != "" || r[2] != `=HYPERLINK("http://evil")` {
		t.Errorf("row 5 %q", r)
	}
	if fm, _ := f.GetCellFormula(sheet, "C5"); fm != "" {
		t.Errorf("a name became a formula %q", fm)
	}
	// The last row.
	last := rows[n]
	if last[0] != "46305" || last[2] != fmt.Sprintf("Camera %d", (n-1)%(n/10)) || last[1] != "/Europe/Société Générale/Floor 1" {
		t.Errorf("last row %q", last)
	}
}

func sheetXML(t *testing.T, xlsx []byte) string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range z.File {
		if strings.HasPrefix(f.Name, "xl/worksheets/sheet") {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			// The settings only: what comes before and after the rows.
			x := string(b)
			i, j := strings.Index(x, "<sheetData>"), strings.LastIndex(x, "</sheetData>")
			if i < 0 || j < i {
				t.Fatal("no sheetData")
			}
			return x[:i] + x[j:]
		}
	}
	t.Fatal("no worksheet")
	return ""
}

func TestUsageXLSXEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := billingdoc.WriteUsageXLSX(&buf, "", usageRows(0)); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if rows, _ := f.GetRows("Usage"); len(rows) != 1 {
		t.Errorf("%d rows in an empty listing", len(rows))
	}
}

func TestUsageXLSXRowsError(t *testing.T) {
	broke := errors.New("connection lost")
	err := billingdoc.WriteUsageXLSX(io.Discard, "x", func(yield func(billingview.UsageRow) error) error {
		if err := yield(billingview.UsageRow{Day: "2026-10-01"}); err != nil {
			return err
		}
		return broke
	})
	if !errors.Is(err, broke) {
		t.Errorf("error %v, want the rows' error", err)
	}
}

// countingWriter counts bytes and drops them.
type countingWriter struct{ n atomic.Int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n.Add(int64(len(p))); return len(p), nil }

// TestUsageXLSXStreams writes 40,000 rows and samples the heap as it does: the live heap stays
// bounded (excelize keeps up to 16 MiB of sheet XML in memory, then spills it to a temporary
// file; the zip goes straight to the writer). 40,000 keeps it a few seconds under the race
// detector; the bench report's billing part downloads 310,000 rows.
func TestUsageXLSXStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("40,000 rows")
	}
	const n = 40_000
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var inuse, live uint64 // peaks: heap in use (garbage included), and live heap after a GC
	sample := func(gc bool) {
		if gc {
			runtime.GC()
		}
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		inuse = max(inuse, m.HeapInuse)
		if gc {
			live = max(live, m.HeapAlloc)
		}
	}
	rows := usageRows(n)
	sampled := func(yield func(billingview.UsageRow) error) error {
		i := 0
		return rows(func(r billingview.UsageRow) error {
			if i++; i%2_000 == 0 {
				sample(i%20_000 == 0)
			}
			return yield(r)
		})
	}
	var w countingWriter
	start := time.Now()
	if err := billingdoc.WriteUsageXLSX(&w, "Usage", sampled); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	t.Logf("%d rows in %v (%.0f rows/s), %.1f MB written; heap before %.1f MB, peak in use %.1f MB, peak live %.1f MB; %.0f MB allocated in all",
		n, took.Round(time.Millisecond), n/took.Seconds(), float64(w.n.Load())/1e6, float64(before.HeapAlloc)/1e6,
		float64(inuse)/1e6, float64(live)/1e6, float64(after.TotalAlloc-before.TotalAlloc)/1e6)
	if live > 48<<20 {
		t.Errorf("the live heap reached %d MB for %d rows", live>>20, n)
	}
}

func BenchmarkUsageXLSX(b *testing.B) {
	const n = 10_000
	for b.Loop() {
		if err := billingdoc.WriteUsageXLSX(io.Discard, "Usage", usageRows(n)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func TestUsageCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := billingdoc.WriteUsageCSV(&buf, usageRows(20)); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 21 {
		t.Fatalf("%d records", len(recs))
	}
	if fmt.Sprint(recs[0]) != fmt.Sprint(header) {
		t.Errorf("header %q", recs[0])
	}
	want := []string{"2026-10-01", "/Europe/Société Générale/Floor 1", "Camera 0", "SN00000", "Recorder Łódź", "no", "24.00", "12.346", "Cloud 30", "0.15", "EUR"}
	if fmt.Sprint(recs[1]) != fmt.Sprint(want) {
		t.Errorf("first row %q, want %q", recs[1], want)
	}
	if got := recs[4]; got[2] != `'=HYPERLINK("http://evil")` || got[9] != "" || got[10] != "" {
		t.Errorf("the formula-looking row %q", got)
	}
	if got := recs[2][6]; got != "24.00" { // 86399 s rounds to 24.00 h
		t.Errorf("recorded hours %q", got)
	}
}
