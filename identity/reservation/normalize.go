package reservation

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/camcloud/accounts/domain/field"
)

// Bounds of a username, in characters (all ASCII, so also bytes).
const (
	MinUsernameLength = 3
	MaxUsernameLength = 64
)

// MaxEmailLength is the longest address SMTP carries (RFC 5321: a 256-octet path less the angle
// brackets), counted in characters.
const MaxEmailLength = 254

// NormalizeUsername returns the key a username is unique by, or a ValidationError for "username".
// A username is trimmed of surrounding white space and then must have 3 to 64 characters, all
// ASCII letters, digits, '.', '_', '-' or '@', the first a letter or a digit. Usernames are unique
// regardless of case: the key is the trimmed username in lower case, so "Jane.Doe" and "jane.doe"
// are the same. The user's stream keeps the username as typed (trimmed) for display.
func NormalizeUsername(s string) (string, error) {
	const field = "username"
	if !utf8.ValidString(s) {
		return "", invalid(field, "must be valid UTF-8")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalid(field, "must not be empty")
	}
	if n := utf8.RuneCountInString(s); n < MinUsernameLength || n > MaxUsernameLength {
		return "", invalid(field, fmt.Sprintf("must have %d to %d characters, got %d", MinUsernameLength, MaxUsernameLength, n))
	}
	for _, r := range s {
		if !isASCIIAlnum(r) && !strings.ContainsRune("._-@", r) {
			return "", invalid(field, fmt.Sprintf("must not contain %q: use letters a-z, digits and . _ - @", r))
		}
	}
	if !isASCIIAlnum(rune(s[0])) {
		return "", invalid(field, "must start with a letter or a digit")
	}
	return strings.ToLower(s), nil
}

// emailSpecials are characters that appear in an address only quoted or in a display name
// ("Jane" <jane@example.com>); refusing them keeps addresses safe to put in a mail header as they
// are. Quoted local parts and address literals ([192.0.2.1]) are not supported.
const emailSpecials = `"(),:;<>[\]`

// NormalizeEmail returns the key an e-mail address is unique by, or a ValidationError for "email".
// An address is trimmed of surrounding white space and then must look like local@domain: exactly
// one '@', a non-empty local part, a domain of at least two non-empty dot-separated labels, no
// white space, control characters or specials (see emailSpecials), at most 254 characters. It is
// not checked further: whether it receives mail is proved by the link sent to it. Addresses are
// unique regardless of case: the key is the trimmed address in lower case. Non-ASCII addresses
// (RFC 6531) are accepted, made only of printable characters: no bidi control (U+202E would make
// "moc.live@enaj" display as another address than the one mail goes to), no invisible or format
// character (U+200B, U+FEFF, the joiners, see field.Hidden). The key is in Unicode normalization
// form C (RFC 6532 section 3.1), so an accent typed as one character or as two does not make a
// second, identical-looking address.
func NormalizeEmail(s string) (string, error) {
	const name = "email"
	if !utf8.ValidString(s) {
		return "", invalid(name, "must be valid UTF-8")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalid(name, "must not be empty")
	}
	if n := utf8.RuneCountInString(s); n > MaxEmailLength {
		return "", invalid(name, fmt.Sprintf("must be at most %d characters, got %d", MaxEmailLength, n))
	}
	for _, r := range s {
		switch {
		case !unicode.IsPrint(r) || unicode.IsSpace(r) || field.Hidden(r):
			return "", invalid(name, "must not contain "+field.Describe(r))
		case strings.ContainsRune(emailSpecials, r):
			return "", invalid(name, fmt.Sprintf("must not contain %q", r))
		}
	}
	local, domain, found := strings.Cut(s, "@")
	switch {
	case !found:
		return "", invalid(name, "must look like name@example.com: the @ is missing")
	case strings.Contains(domain, "@"):
		return "", invalid(name, "must contain exactly one @")
	case local == "":
		return "", invalid(name, "must have a name before the @")
	case domain == "":
		return "", invalid(name, "must have a domain after the @")
	case !strings.Contains(domain, "."):
		return "", invalid(name, "must have a domain with a dot, like example.com")
	case slices.Contains(strings.Split(domain, "."), ""):
		return "", invalid(name, "must have a domain without empty parts (no leading, trailing or double dots)")
	}
	return strings.ToLower(norm.NFC.String(s)), nil
}

func isASCIIAlnum(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
}
