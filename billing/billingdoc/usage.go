package billingdoc

import (
	"archive/zip"
	"compress/flate"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/camcloud/accounts/billing/billingview"
)

// Rows streams usage rows: it calls yield with each row in turn, as they come from the
// database, and stops at yield's first error, returning it.
type Rows = func(yield func(billingview.UsageRow) error) error

// The columns of detailed service usage, in order, with their widths in a spreadsheet.
var usageColumns = []struct {
	name  string
	width float64
}{
	{"Day", 12},
	{"Item path", 36},
	{"Camera", 28},
	{"Recorder serial", 18},
	{"Recorder", 24},
	{"In service", 11},
	{"Recorded hours", 15},
	{"Stored GB", 12},
	{"Plan", 20},
	{"Daily price", 12},
	{"Currency", 10},
}

// maxSheetRows is a worksheet's row limit, the header included.
const maxSheetRows = 1_048_576

// WriteUsageXLSX writes detailed service usage, one row per camera per day, as an XLSX
// workbook: one sheet named after title (which is also the document's title), a header row
// frozen and filterable, then one row per usage row. Day is a date cell; In service a boolean;
// Recorded hours a number rounded to 2 decimals; Stored GB a number (10^9 bytes) rounded to 3
// decimals; Daily price a number in major units with 2 decimals (empty when unpriced).
//
// The sheet is written with excelize's stream writer, row by row as rows yields them (excelize
// spills the sheet to a temporary file past 16 MiB), and the workbook's zip is written straight
// to w: the rows are never held whole. Excel takes at most 1,048,575 rows under the header; more
// is an error.
func WriteUsageXLSX(w io.Writer, title string, rows Rows) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("usage workbook: %w", cerr)
		}
	}()
	sheet := sheetName(title)
	if err := f.SetSheetName(f.GetSheetName(0), sheet); err != nil {
		return fmt.Errorf("usage workbook: %w", err)
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: title, Subject: "Detailed service usage", Creator: "camcloud accounts"}); err != nil {
		return fmt.Errorf("usage workbook: %w", err)
	}
	st, err := newUsageStyles(f)
	if err != nil {
		return fmt.Errorf("usage workbook: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("usage workbook: %w", err)
	}
	// Right to left: the stream writer puts each column it is given before the others, and
	// Excel wants them in order.
	for i := len(usageColumns) - 1; i >= 0; i-- {
		if err := sw.SetColWidth(i+1, i+1, usageColumns[i].width); err != nil {
			return fmt.Errorf("usage workbook: %w", err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return fmt.Errorf("usage workbook: %w", err)
	}

	cells := make([]any, len(usageColumns)) // one slice for every row: SetRow encodes it at once
	for i, c := range usageColumns {
		cells[i] = excelize.Cell{StyleID: st.header, Value: c.name}
	}
	if err := sw.SetRow("A1", cells, excelize.RowOpts{Height: 18}); err != nil {
		return fmt.Errorf("usage workbook: %w", err)
	}
	n := 1
	err = rows(func(u billingview.UsageRow) error {
		if n >= maxSheetRows {
			return fmt.Errorf("usage workbook: more than %d rows, the most a sheet takes", maxSheetRows-1)
		}
		day, err := time.Parse(time.DateOnly, u.Day)
		if err != nil {
			return fmt.Errorf("usage workbook: row %d: day %q: want YYYY-MM-DD", n, u.Day)
		}
		n++
		var price any // an empty cell when the camera had no plan that day
		if u.DailyPriceMinor != nil {
			price = excelize.Cell{StyleID: st.money, Value: majorUnits(*u.DailyPriceMinor)}
		}
		cells[0] = excelize.Cell{StyleID: st.date, Value: day}
		cells[1] = u.ItemPath
		cells[2] = u.CameraName
		cells[3] = u.RecorderSerial
		cells[4] = u.RecorderName
		cells[5] = u.InService
		cells[6] = excelize.Cell{StyleID: st.hours, Value: float64(hundredthsOfHours(u.RecordedSeconds)) / 100}
		cells[7] = excelize.Cell{StyleID: st.gb, Value: float64(thousandthsOfGB(u.StoredBytes)) / 1000}
		cells[8] = u.PlanName
		cells[9] = price
		cells[10] = u.Currency
		cell, _ := excelize.CoordinatesToCellName(1, n)
		return sw.SetRow(cell, cells)
	})
	if err != nil {
		return err
	}
	// The worksheet's settings are written at Flush: AutoFilter sets them and reads no row.
	last, _ := excelize.CoordinatesToCellName(len(usageColumns), max(n, 2))
	if err := f.AutoFilter(sheet, "A1:"+last, nil); err != nil {
		return fmt.Errorf("usage workbook: %w", err)
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("usage workbook: %w", err)
	}
	// excelize assembles the zip in a bytes.Buffer that it then copies to its writer; the zip
	// writer it is given writes straight to w instead, so that the compressed workbook is not
	// held in memory either. The buffer stays empty, hence io.Discard.
	// Deflate at its fastest level: about a third of the default level's CPU for a workbook a
	// few percent larger (the rows repeat, so it compresses well either way).
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) { return flate.NewWriter(out, flate.BestSpeed) })
		return zw
	})
	if err := f.Write(io.Discard); err != nil {
		return fmt.Errorf("usage workbook: %w", err)
	}
	return nil
}

type usageStyles struct{ header, date, hours, gb, money int }

func newUsageStyles(f *excelize.File) (usageStyles, error) {
	var s usageStyles
	var err error
	style := func(st *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = f.NewStyle(st)
		return id
	}
	dateFmt, gbFmt := "yyyy-mm-dd", "0.000"
	s.header = style(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8E8E8"}},
		Border:    []excelize.Border{{Type: "bottom", Color: "999999", Style: 1}},
		Alignment: &excelize.Alignment{Vertical: "center"},
	})
	s.date = style(&excelize.Style{CustomNumFmt: &dateFmt})
	s.hours = style(&excelize.Style{NumFmt: 2}) // 0.00
	s.gb = style(&excelize.Style{CustomNumFmt: &gbFmt})
	s.money = style(&excelize.Style{NumFmt: 2})
	return s, err
}

// WriteUsageCSV writes detailed service usage as CSV with the columns of WriteUsageXLSX: Day
// as YYYY-MM-DD, In service as yes or no, numbers as plain decimals with a point (Recorded
// hours with 2 decimals, Stored GB with 3, Daily price with 2, empty when unpriced). A text cell
// that would start with =, +, - or @ gets a leading apostrophe, so that no spreadsheet runs it as
// a formula. Rows are written as rows yields them.
func WriteUsageCSV(w io.Writer, rows Rows) error {
	cw := csv.NewWriter(w)
	header := make([]string, len(usageColumns))
	for i, c := range usageColumns {
		header[i] = c.name
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("usage csv: %w", err)
	}
	rec := make([]string, len(usageColumns))
	err := rows(func(u billingview.UsageRow) error {
		rec[0] = csvText(u.Day)
		rec[1] = csvText(u.ItemPath)
		rec[2] = csvText(u.CameraName)
		rec[3] = csvText(u.RecorderSerial)
		rec[4] = csvText(u.RecorderName)
		rec[5] = "no"
		if u.InService {
			rec[5] = "yes"
		}
		rec[6] = decimal(hundredthsOfHours(u.RecordedSeconds), false)
		rec[7] = thousandths(thousandthsOfGB(u.StoredBytes))
		rec[8] = csvText(u.PlanName)
		rec[9] = ""
		if u.DailyPriceMinor != nil {
			rec[9] = decimal(*u.DailyPriceMinor, false)
		}
		rec[10] = csvText(u.Currency)
		return cw.Write(rec) // buffered; csv.Writer flushes its buffer as it fills
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("usage csv: %w", err)
	}
	return nil
}

// csvText keeps a spreadsheet from running text as a formula (CSV injection): a cell that would
// start with =, +, - or @ gets a leading apostrophe.
func csvText(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}

// hundredthsOfHours is a duration in seconds as hundredths of hours, rounded half up.
func hundredthsOfHours(seconds int64) int64 { return roundDiv(seconds, 36) }

// thousandthsOfGB is a size in bytes as thousandths of GB (10^9 bytes): megabytes, rounded half
// up.
func thousandthsOfGB(bytes int64) int64 { return roundDiv(bytes, 1_000_000) }

// roundDiv is n/d rounded half away from zero, for d > 0.
func roundDiv(n, d int64) int64 {
	q, r := n/d, n%d
	if r < 0 {
		r = -r
	}
	if 2*r >= d {
		if n < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}

// majorUnits is an amount in minor units as a number of major units for a spreadsheet cell:
// the exact decimal is formatted with integer arithmetic, then converted to a float once.
func majorUnits(minor int64) float64 {
	v, _ := strconv.ParseFloat(decimal(minor, false), 64)
	return v
}

// thousandths formats n thousandths as a decimal with 3 places: 1500 is "1.500".
func thousandths(n int64) string {
	mag := uint64(n)
	if n < 0 {
		mag = -mag
	}
	s := fmt.Sprintf("%d.%03d", mag/1000, mag%1000)
	if n < 0 {
		s = "-" + s
	}
	return s
}

// sheetName makes a worksheet name of title: at most 31 characters, none of : \ / ? * [ ],
// not starting or ending with an apostrophe; "Usage" when nothing is left.
func sheetName(title string) string {
	name := strings.Map(func(r rune) rune {
		switch r {
		case ':', '\\', '/', '?', '*', '[', ']':
			return ' '
		}
		if r < ' ' {
			return -1
		}
		return r
	}, title)
	name = strings.Join(strings.Fields(name), " ")
	if r := []rune(name); len(r) > 31 {
		name = strings.TrimSpace(string(r[:31]))
	}
	name = strings.Trim(name, "'")
	if name == "" || strings.EqualFold(name, "History") {
		return "Usage"
	}
	return name
}
