package group

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameRunes bounds a group's name: room for any real name, short enough for a drop-down list.
const maxNameRunes = 100

// normalizeName returns a group's name trimmed of surrounding white space, or a ValidationError
// for "name". The name must be valid UTF-8, 1 to 100 runes (characters a user counts, not bytes),
// a single line (no control characters, no line or paragraph separators), and not the built-in
// group's name in any case: "administrator" would pass for the real one in a list.
func normalizeName(name string) (string, error) {
	const field = "name"
	if !utf8.ValidString(name) {
		return "", invalid(field, "must be valid UTF-8")
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return "", invalid(field, "must not be empty")
	}
	if n := utf8.RuneCountInString(name); n > maxNameRunes {
		return "", invalid(field, fmt.Sprintf("must be at most %d characters, got %d", maxNameRunes, n))
	}
	if strings.IndexFunc(name, breaksLine) >= 0 {
		return "", invalid(field, "must not contain control characters or line breaks")
	}
	if strings.EqualFold(name, AdministratorName) {
		return "", invalid(field, fmt.Sprintf("%q is reserved for the built-in group", AdministratorName))
	}
	return name, nil
}

func breaksLine(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}
