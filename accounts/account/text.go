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
