package reservation_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/camcloud/accounts/identity/reservation"
)

type normalizeCase struct{ name, input, want string }

func testNormalize(t *testing.T, normalize func(string) (string, error), field string, accepted []normalizeCase, refused []normalizeCase) {
	t.Helper()
	for _, tt := range accepted {
		t.Run("accepts "+tt.name, func(t *testing.T) {
			got, err := normalize(tt.input)
			if err != nil || got != tt.want {
				t.Errorf("normalize(%q) = %q, %v; want %q", tt.input, got, err, tt.want)
			}
		})
	}
	for _, tt := range refused {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			got, err := normalize(tt.input)
			var invalid *reservation.ValidationError
			if !errors.Is(err, reservation.ErrInvalid) || !errors.As(err, &invalid) || invalid.Field != field || invalid.Problem == "" {
				t.Errorf("normalize(%q) = %q, %v; want a %s validation error", tt.input, got, err, field)
			}
		})
	}
}

func TestNormalizeUsername(t *testing.T) {
	testNormalize(t, reservation.NormalizeUsername, "username", []normalizeCase{
		{"a plain name", "jane", "jane"},
		{"upper case, as its lower-case key", "Jane.Doe", "jane.doe"},
		{"every allowed symbol", "j.a_n-e@acme", "j.a_n-e@acme"},
		{"a leading digit", "007bond", "007bond"},
		{"white space around", "  Jane.Doe\t\n", "jane.doe"},
		{"three characters", "abc", "abc"},
		{"64 characters", strings.Repeat("a", 64), strings.Repeat("a", 64)},
		{"an e-mail-like name", "jane@example.com", "jane@example.com"},
	}, []normalizeCase{
		{"the empty string", "", ""},
		{"only white space", " \t ", ""},
		{"two characters", "ab", ""},
		{"two characters with white space around", " ab ", ""},
		{"65 characters", strings.Repeat("a", 65), ""},
		{"a space inside", "jane doe", ""},
		{"a leading dot", ".jane", ""},
		{"a leading underscore", "_jane", ""},
		{"a leading dash", "-jane", ""},
		{"a leading @", "@jane", ""},
		{"a non-ASCII letter", "jané", ""},
		{"a non-ASCII letter that lower-cases to ASCII (Kelvin sign)", "\u212Aelvin", ""},
		{"a full-width letter", "ｊａｎｅ", ""},
		{"a plus", "jane+1", ""},
		{"a slash", "jane/doe", ""},
		{"a control character", "jane\x00", ""},
		{"invalid UTF-8", "jane\xff", ""},
	})
}

func TestNormalizeEmail(t *testing.T) {
	long := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".com" // 254 characters
	testNormalize(t, reservation.NormalizeEmail, "email", []normalizeCase{
		{"a plain address", "jane@example.com", "jane@example.com"},
		{"upper case, as its lower-case key", "Jane.Doe@Example.COM", "jane.doe@example.com"},
		{"white space around", " jane@example.com\n", "jane@example.com"},
		{"a plus tag", "jane+cams@example.com", "jane+cams@example.com"},
		{"a sub-domain", "jane@mail.example.co.uk", "jane@mail.example.co.uk"},
		{"a non-ASCII address", "jürgen@müller.de", "jürgen@müller.de"},
		{"254 characters", long, long},
		{"a decomposed accent, as its composed (NFC) key", "je\u0301r\u00f4me@example.fr", "j\u00e9r\u00f4me@example.fr"},
	}, []normalizeCase{
		{"the empty string", "", ""},
		{"only white space", "  ", ""},
		{"no @", "jane.example.com", ""},
		{"two @", "jane@doe@example.com", ""},
		{"an empty local part", "@example.com", ""},
		{"an empty domain", "jane@", ""},
		{"a domain without a dot", "jane@localhost", ""},
		{"a domain with a leading dot", "jane@.example.com", ""},
		{"a domain with a trailing dot", "jane@example.com.", ""},
		{"a domain with a double dot", "jane@example..com", ""},
		{"a space inside", "jane doe@example.com", ""},
		{"a non-breaking space inside", "jane\u00a0doe@example.com", ""},
		{"a line break (header injection)", "jane@example.com\r\nBcc: eve@example.com", ""},
		{"a tab", "jane@exa\tmple.com", ""},
		{"a NUL", "jane@example.com\x00", ""},
		{"a display name", "Jane <jane@example.com>", ""},
		{"a quoted local part", `"jane"@example.com`, ""},
		{"a list", "jane@example.com,eve@example.com", ""},
		{"an address literal", "jane@[192.0.2.1]", ""},
		{"255 characters", "a" + long, ""},
		{"invalid UTF-8", "jane@example.com\xff", ""},
		{"a right-to-left override", "\u202emoc.elpmaxe@enaj", ""},
		{"a left-to-right mark", "jane@example.com\u200e", ""},
		{"a first strong isolate", "jane\u2068@example.com", ""},
		{"an Arabic letter mark", "jane\u061c@example.com", ""},
		{"a zero width space", "ja\u200bne@example.com", ""},
		{"a zero width joiner", "ja\u200dne@example.com", ""},
		{"a byte order mark", "\ufeffjane@example.com", ""},
		{"a soft hyphen", "ja\u00adne@example.com", ""},
		{"a Hangul filler", "jane\u3164@example.com", ""},
		{"a tag character", "jane@example.com\U000E0041", ""},
		{"a replacement character", "jane\ufffd@example.com", ""},
		{"a C1 control", "jane\u0085x@example.com", ""},
		{"an ideographic space", "jane\u3000doe@example.com", ""},
	})
}

func ExampleNormalizeUsername() {
	key, err := reservation.NormalizeUsername("  Jane.Doe ")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(reservation.KindUsername + "-" + key)
	_, err = reservation.NormalizeUsername("jane doe")
	fmt.Println(err)
	// Output:
	// username-jane.doe
	// username: must not contain ' ': use letters a-z, digits and . _ - @
}
