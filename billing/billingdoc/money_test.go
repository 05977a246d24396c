package billingdoc_test

import (
	"math"
	"testing"

	"github.com/camcloud/accounts/billing/billingdoc"
)

func TestFormatMoney(t *testing.T) {
	for _, c := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{0, "EUR", "0.00 EUR"},
		{5, "EUR", "0.05 EUR"},
		{50, "EUR", "0.50 EUR"},
		{100, "USD", "1.00 USD"},
		{99999, "EUR", "999.99 EUR"},
		{100000, "EUR", "1,000.00 EUR"},
		{123456, "EUR", "1,234.56 EUR"},
		{123456789, "GBP", "1,234,567.89 GBP"},
		{100000000, "EUR", "1,000,000.00 EUR"},
		{-5, "EUR", "-0.05 EUR"},
		{-123456, "EUR", "-1,234.56 EUR"},
		{150, "", "1.50"},
		{math.MaxInt64, "EUR", "92,233,720,368,547,758.07 EUR"},
		{math.MinInt64, "EUR", "-92,233,720,368,547,758.08 EUR"},
	} {
		if got := billingdoc.FormatMoney(c.minor, c.currency); got != c.want {
			t.Errorf("formatMoney(%d, %q) = %q, want %q", c.minor, c.currency, got, c.want)
		}
	}
}

func TestFormatRate(t *testing.T) {
	for bp, want := range map[int64]string{0: "0 %", 2000: "20 %", 550: "5.5 %", 1925: "19.25 %", 5: "0.05 %", 10000: "100 %"} {
		if got := billingdoc.FormatRate(bp); got != want {
			t.Errorf("formatRate(%d) = %q, want %q", bp, got, want)
		}
	}
}

func TestCSVText(t *testing.T) {
	for in, want := range map[string]string{"": "", "cam": "cam", "=1+1": "'=1+1", "+33 1": "'+33 1", "-x": "'-x", "@SUM(A1)": "'@SUM(A1)", "a=b": "a=b"} {
		if got := billingdoc.CSVText(in); got != want {
			t.Errorf("csvText(%q) = %q, want %q", in, got, want)
		}
	}
}
