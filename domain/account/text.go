package account

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxTextRunes bounds every free-text field: room for any real company name or street line, yet
// short enough for a list view, an invoice header and a database index.
const maxTextRunes = 200

// normalizeName returns the account name as it is stored: see normalizeText.
func normalizeName(name string) (string, error) {
	return normalizeText("name", name, true, maxTextRunes)
}

// normalizeText returns value trimmed of surrounding white space, or a ValidationError for field.
// The value must be valid UTF-8, at most limit runes (characters a user counts, not bytes), and a
// single line: no control characters (Unicode category Cc, which includes tab, CR and LF) and no
// line or paragraph separators, which would break lists, invoices and CSV exports. An empty value
// is refused only when required.
func normalizeText(field, value string, required bool, limit int) (string, error) {
	if !utf8.ValidString(value) {
		return "", invalid(field, "must be valid UTF-8")
	}
	value = strings.TrimSpace(value)
	if value == "" {
		if required {
			return "", invalid(field, "must not be empty")
		}
		return "", nil
	}
	if n := utf8.RuneCountInString(value); n > limit {
		return "", invalid(field, fmt.Sprintf("must be at most %d characters, got %d", limit, n))
	}
	if strings.IndexFunc(value, breaksLine) >= 0 {
		return "", invalid(field, "must not contain control characters or line breaks")
	}
	return value, nil
}

func breaksLine(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}
