package billingdoc

// The unexported helpers that tests of package billingdoc_test check.
var (
	FormatMoney = formatMoney
	FormatRate  = formatRate
	CSVText     = csvText
)
