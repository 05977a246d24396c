package group

import (
	"fmt"
	"strings"

	"github.com/camcloud/accounts/domain/field"
)

// maxNameRunes bounds a group's name: room for any real name, short enough for a drop-down list.
const maxNameRunes = 100

// normalizeName returns a group's name as it is stored, or a ValidationError for "name": the
// rules of field.Text (trimmed, NFC, single line, no bidi or invisible characters, something
// visible) with 1 to 100 runes (characters a user counts, not bytes), and not the built-in
// group's name in any case: "administrator" would pass for the real one in a list.
func normalizeName(name string) (string, error) {
	name, err := field.Text("name", name, true, maxNameRunes)
	if err != nil {
		return "", err
	}
	if strings.EqualFold(name, AdministratorName) {
		return "", invalid("name", fmt.Sprintf("%q is reserved for the built-in group", AdministratorName))
	}
	return name, nil
}
