package billingdoc

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/camcloud/accounts/billing/billingview"
	"github.com/camcloud/accounts/billing/invoice"
)

// Party is who issues or receives an invoice: its billing details.
type Party struct {
	Name    string
	Address []string // lines, in order
	TaxID   string
	Email   string
}

// Option changes how a document is rendered.
type Option func(*pdfConfig)

type pdfConfig struct {
	compress bool
}

// WithoutCompression writes the PDF's content streams uncompressed: larger, but its text can be
// read in the bytes (for tests and debugging).
func WithoutCompression() Option { return func(c *pdfConfig) { c.compress = false } }

// Page geometry, in millimetres (A4 portrait).
const (
	pageW, pageH = 210.0, 297.0
	margin       = 18.0
	contentW     = pageW - 2*margin
	bottomLimit  = pageH - 25 // the footer lives below
	fontFamily   = "Go"
)

// The table's columns: plan, camera-days, daily price, amount.
var colW = [4]float64{contentW - 28 - 36 - 38, 28, 36, 38}

// WriteInvoicePDF writes inv as an A4 PDF: issuer and customer, the invoice's number, period,
// dates and status (a large VOID across void invoices), its lines, subtotal, tax and total.
// The Go fonts are embedded (subset) so that any reader shows any Latin, Greek or Cyrillic
// name. The output is deterministic: the document's creation and modification dates are the
// invoice's issue date, so two renderings of one invoice are byte-identical.
func WriteInvoicePDF(w io.Writer, inv billingview.Invoice, issuer, customer Party, opts ...Option) error {
	cfg := pdfConfig{compress: true}
	for _, o := range opts {
		o(&cfg)
	}
	issued, err := time.Parse(time.DateOnly, inv.IssueDate)
	if err != nil {
		return fmt.Errorf("invoice %s: issue date %q: want YYYY-MM-DD", inv.Number, inv.IssueDate)
	}

	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: "A4"})
	pdf.SetCompression(cfg.compress)
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(issued)
	pdf.SetModificationDate(issued)
	pdf.SetTitle("Invoice "+inv.Number, true)
	pdf.SetSubject("Invoice "+inv.Number+" for "+inv.Period, true)
	pdf.SetAuthor(issuer.Name, true)
	pdf.SetCreator("camcloud accounts", true)
	pdf.AddUTF8FontFromBytes(fontFamily, "", goregular.TTF)
	pdf.AddUTF8FontFromBytes(fontFamily, "B", gobold.TTF)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(false, 0) // rows break pages themselves, repeating the table's header
	pdf.AliasNbPages("{nb}")

	r := renderer{pdf: pdf, inv: inv}
	if invoice.Status(inv.Status) == invoice.StatusVoid {
		pdf.SetHeaderFunc(r.voidMark)
	}
	pdf.SetFooterFunc(r.footer)
	pdf.AddPage()
	r.heading(issuer, customer)
	r.lines()
	r.totals()
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("invoice %s: %w", inv.Number, err)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("invoice %s: %w", inv.Number, err)
	}
	return nil
}

type renderer struct {
	pdf *fpdf.Fpdf
	inv billingview.Invoice
}

var (
	black = [3]int{0x11, 0x11, 0x11}
	grey  = [3]int{0x66, 0x66, 0x66}
	rule  = [3]int{0xbb, 0xbb, 0xbb}
	shade = [3]int{0xee, 0xee, 0xee}
	red   = [3]int{0xc6, 0x28, 0x28}
)

func (r renderer) font(style string, size float64, color [3]int) {
	r.pdf.SetFont(fontFamily, style, size)
	r.pdf.SetTextColor(color[0], color[1], color[2])
}

// voidMark writes a large, pale VOID across the page, under the content.
func (r renderer) voidMark() {
	p := r.pdf
	p.SetFont(fontFamily, "B", 120)
	p.SetTextColor(red[0], red[1], red[2])
	p.SetAlpha(0.18, "Normal")
	p.TransformBegin()
	p.TransformRotate(40, pageW/2, pageH/2)
	p.Text(pageW/2-p.GetStringWidth("VOID")/2, pageH/2+15, "VOID")
	p.TransformEnd()
	p.SetAlpha(1, "Normal")
}

func (r renderer) footer() {
	p := r.pdf
	p.SetY(-15)
	r.font("", 8, grey)
	p.CellFormat(0, 5, fmt.Sprintf("Invoice %s · page %d of {nb}", r.inv.Number, p.PageNo()), "", 0, "C", false, 0, "")
}

// party writes a party's details from (x, y) in width w, returning the y below them.
func (r renderer) party(x, y, w float64, pt Party, nameSize float64, align string) float64 {
	p := r.pdf
	p.SetXY(x, y)
	r.font("B", nameSize, black)
	for _, l := range wrap(p, pt.Name, w) {
		p.SetX(x)
		p.CellFormat(w, nameSize*0.45, l, "", 2, align, false, 0, "")
	}
	r.font("", 9, black)
	var more []string
	for _, a := range pt.Address {
		if a = strings.TrimSpace(a); a != "" {
			more = append(more, a)
		}
	}
	if pt.TaxID != "" {
		more = append(more, "Tax ID: "+pt.TaxID)
	}
	if pt.Email != "" {
		more = append(more, pt.Email)
	}
	for _, m := range more {
		for _, l := range wrap(p, m, w) {
			p.SetX(x)
			p.CellFormat(w, 4.5, l, "", 2, align, false, 0, "")
		}
	}
	return p.GetY()
}

func (r renderer) heading(issuer, customer Party) {
	p, inv := r.pdf, r.inv
	leftW, rightX := contentW*0.55, margin+contentW*0.55
	rightW := contentW - contentW*0.55
	yIssuer := r.party(margin, margin, leftW-4, issuer, 14, "L")

	// The invoice's identity, top right.
	p.SetXY(rightX, margin)
	r.font("B", 22, black)
	p.CellFormat(rightW, 10, "Invoice", "", 2, "R", false, 0, "")
	facts := [][2]string{
		{"Number", inv.Number},
		{"Period", period(inv.Period)},
		{"Issue date", inv.IssueDate},
		{"Due date", inv.DueDate},
		{"Status", statusLabel(inv.Status)},
	}
	for _, f := range facts {
		p.SetX(rightX)
		r.font("", 9, grey)
		p.CellFormat(rightW*0.45, 5, f[0], "", 0, "R", false, 0, "")
		style, color := "B", black
		if f[0] == "Status" && invoice.Status(inv.Status) != invoice.StatusPaid && invoice.Status(inv.Status) != invoice.StatusIssued {
			color = red
		}
		r.font(style, 9, color)
		p.CellFormat(rightW*0.55, 5, f[1], "", 2, "R", false, 0, "")
	}
	yFacts := p.GetY()

	y := max(yIssuer, yFacts) + 10
	p.SetXY(margin, y)
	r.font("B", 8, grey)
	p.CellFormat(leftW, 5, "BILL TO", "", 2, "L", false, 0, "")
	y = r.party(margin, p.GetY(), leftW-4, customer, 11, "L")

	if invoice.Status(inv.Status) == invoice.StatusVoid {
		y += 4
		p.SetXY(margin, y)
		r.font("B", 11, red)
		note := "VOID: this invoice is cancelled and is not to be paid."
		if inv.VoidReason != "" {
			note += " Reason: " + inv.VoidReason
		}
		for _, l := range wrap(p, note, contentW) {
			p.SetX(margin)
			p.CellFormat(contentW, 5.5, l, "", 2, "L", false, 0, "")
		}
		y = p.GetY()
	}
	p.SetY(y + 8)
}

// tableHeader writes the lines' table header at the current position.
func (r renderer) tableHeader() {
	p := r.pdf
	r.font("B", 9, black)
	p.SetFillColor(shade[0], shade[1], shade[2])
	p.SetDrawColor(rule[0], rule[1], rule[2])
	p.SetX(margin)
	for i, h := range []string{"Plan", "Camera-days", "Daily price", "Amount"} {
		align := "R"
		if i == 0 {
			align = "L"
		}
		p.CellFormat(colW[i], 7, h, "B", 0, align, true, 0, "")
	}
	p.Ln(7)
}

func (r renderer) lines() {
	p, inv := r.pdf, r.inv
	r.tableHeader()
	const lineH = 5.0
	for _, l := range inv.Lines {
		r.font("", 9, black)
		name := l.PlanName
		if name == "" {
			name = l.PlanID
		}
		plan := wrap(p, name, colW[0]-2)
		h := float64(len(plan))*lineH + 2
		if p.GetY()+h > bottomLimit {
			p.AddPage()
			p.SetY(margin)
			r.tableHeader()
			r.font("", 9, black)
		}
		y := p.GetY()
		for i, t := range plan {
			p.SetXY(margin, y+1+float64(i)*lineH)
			p.CellFormat(colW[0], lineH, t, "", 0, "L", false, 0, "")
		}
		x := margin + colW[0]
		for i, v := range []string{
			groupInt(l.CameraDays),
			formatMoney(l.DailyPriceMinor, inv.Currency),
			formatMoney(l.AmountMinor, inv.Currency),
		} {
			p.SetXY(x, y+1)
			p.CellFormat(colW[i+1], lineH, v, "", 0, "R", false, 0, "")
			x += colW[i+1]
		}
		p.SetDrawColor(rule[0], rule[1], rule[2])
		p.Line(margin, y+h, margin+contentW, y+h)
		p.SetY(y + h)
	}
}

func (r renderer) totals() {
	p, inv := r.pdf, r.inv
	const rowH = 6.5
	if p.GetY()+4*rowH+12 > bottomLimit {
		p.AddPage()
		p.SetY(margin)
	}
	p.SetY(p.GetY() + 3)
	labelW, valueW := colW[1]+colW[2], colW[3]
	x := margin + colW[0]
	row := func(label, value string, bold bool) {
		style := ""
		if bold {
			style = "B"
		}
		p.SetX(x)
		r.font(style, 10, black)
		p.CellFormat(labelW, rowH, label, "", 0, "R", false, 0, "")
		p.CellFormat(valueW, rowH, value, "", 1, "R", false, 0, "")
	}
	row("Subtotal", formatMoney(inv.SubtotalMinor, inv.Currency), false)
	row("Tax ("+formatRate(inv.TaxRateBP)+")", formatMoney(inv.TaxMinor, inv.Currency), false)
	p.SetDrawColor(black[0], black[1], black[2])
	p.Line(x, p.GetY()+0.5, margin+contentW, p.GetY()+0.5)
	p.SetY(p.GetY() + 1)
	row("Total", formatMoney(inv.TotalMinor, inv.Currency), true)

	p.SetY(p.GetY() + 6)
	r.font("", 8, grey)
	p.SetX(margin)
	p.CellFormat(contentW, 4.5, "All amounts in "+inv.Currency+". Camera-days: days a camera was in service in the period.", "", 1, "L", false, 0, "")
}

// wrap breaks s into lines no wider than w in the current font, at spaces where it can and
// inside a word longer than a line.
func wrap(p *fpdf.Fpdf, s string, w float64) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		try := word
		if line != "" {
			try = line + " " + word
		}
		if p.GetStringWidth(try) <= w {
			line = try
			continue
		}
		if line != "" {
			lines = append(lines, line)
			line = ""
		}
		for p.GetStringWidth(word) > w {
			cut := 0
			for i := range word {
				if i > 0 && p.GetStringWidth(word[:i]) > w {
					break
				}
				cut = i
			}
			if cut == 0 { // not even one character fits: take one anyway
				_, cut = utf8.DecodeRuneInString(word)
			}
			lines = append(lines, word[:cut])
			word = word[cut:]
		}
		line = word
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}

// groupInt formats n with thousands grouped by commas.
func groupInt(n int64) string {
	if n < 0 {
		return "-" + groupDigits(strconv.FormatUint(-uint64(n), 10))
	}
	return groupDigits(strconv.FormatInt(n, 10))
}

// period shows a month like 2026-10 as "October 2026"; anything else as it is.
func period(p string) string {
	t, err := time.Parse("2006-01", p)
	if err != nil {
		return p
	}
	return t.Format("January 2006")
}

func statusLabel(s string) string {
	switch invoice.Status(s) {
	case invoice.StatusIssued:
		return "Issued"
	case invoice.StatusPaid:
		return "Paid"
	case invoice.StatusOverdue:
		return "Overdue"
	case invoice.StatusVoid:
		return "Void"
	}
	return s
}
