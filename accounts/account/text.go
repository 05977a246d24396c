package account

import "github.com/camcloud/accounts/domain/field"

// maxTextRunes bounds every free-text field: room for any real company name or street line, yet
// short enough for a list view, an invoice header and a database index.
const maxTextRunes = 200

// normalizeName returns the account name as it is stored: trimmed, in NFC, without bidi or
// invisible characters (see field.Text).
func normalizeName(name string) (string, error) {
	return field.Text("name", name, true, maxTextRunes)
}

// maxReasonRunes bounds the reason given for a suspension or a closure.
const maxReasonRunes = 500

// normalizeReason returns a suspension's or closure's reason as it is stored: optional, otherwise
// held to the rules of names (see field.Text), at most 500 characters.
func normalizeReason(reason string) (string, error) {
	return field.Text("reason", reason, false, maxReasonRunes)
}
