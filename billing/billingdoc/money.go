// Package billingdoc renders billing documents: an invoice as a PDF (A4, fonts embedded) and an
// account's detailed service usage (one row per camera per day) as an XLSX workbook or CSV, the
// latter two written row by row as the caller streams them from the database.
//
// Money is integer minor units throughout (two decimals: cents); it is never a float but in a
// spreadsheet's number cell, converted once from an exact decimal.
package billingdoc

import (
	"strconv"
	"strings"
)

// formatMoney formats an amount in minor units as major units with two decimals, thousands
// grouped with commas, and the currency code after it: 123456 EUR is "1,234.56 EUR".
func formatMoney(minor int64, currency string) string {
	s := decimal(minor, true)
	if currency != "" {
		s += " " + currency
	}
	return s
}

// decimal formats minor units as major units with two decimals ("1234.56"), with thousands
// grouped by commas when group is set. It works on the magnitude as uint64, so that even
// math.MinInt64 comes out right.
func decimal(minor int64, group bool) string {
	mag := uint64(minor)
	if minor < 0 {
		mag = -mag
	}
	whole := strconv.FormatUint(mag/100, 10)
	if group {
		whole = groupDigits(whole)
	}
	var b strings.Builder
	if minor < 0 {
		b.WriteByte('-')
	}
	b.WriteString(whole)
	cents := mag % 100
	b.WriteByte('.')
	b.WriteByte(byte('0' + cents/10))
	b.WriteByte(byte('0' + cents%10))
	return b.String()
}

// formatRate formats a tax rate in basis points as a percentage: 2000 is "20 %", 550 is
// "5.5 %", 1925 is "19.25 %".
func formatRate(bp int64) string {
	s := decimal(bp, false)
	s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	return s + " %"
}

// groupDigits puts a comma between each group of three digits of a run of digits.
func groupDigits(digits string) string {
	var b strings.Builder
	for i := 0; i < len(digits); i++ {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(digits[i])
	}
	return b.String()
}
