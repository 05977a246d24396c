package field

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Text returns value as it is stored, or an *Error for field: valid UTF-8, trimmed of surrounding
// white space, in Unicode normalization form C (so "é" typed as one character or as "e" plus an
// accent is the same name, and two look-alike spellings cannot coexist), at most limit runes
// (characters a user counts, not bytes), a single line with no hidden character (see Hidden), and
// something to see: a value made only of white space, combining marks and joiners is refused like
// an empty one. An empty value is refused only when required.
//
// The domain otherwise imports only the standard library; golang.org/x/text is the Go project's
// own home for Unicode normalization, which the standard library does not offer.
func Text(field, value string, required bool, limit int) (string, error) {
	if !utf8.ValidString(value) {
		return "", Invalid(field, "must be valid UTF-8")
	}
	value = strings.TrimSpace(norm.NFC.String(value))
	if value == "" {
		if required {
			return "", Invalid(field, "must not be empty")
		}
		return "", nil
	}
	if n := utf8.RuneCountInString(value); n > limit {
		return "", Invalid(field, fmt.Sprintf("must be at most %d characters, got %d", limit, n))
	}
	if i := strings.IndexFunc(value, Hidden); i >= 0 {
		r, _ := utf8.DecodeRuneInString(value[i:])
		return "", Invalid(field, "must not contain "+Describe(r))
	}
	if !strings.ContainsFunc(value, visible) {
		return "", Invalid(field, "must contain a visible character (letters, digits, punctuation or symbols)")
	}
	return value, nil
}

// BreaksLine reports whether r has no place in single-line text: a control character (Unicode
// category Cc, which includes tab, CR and LF) or a line or paragraph separator, which would break
// lists, invoices and CSV exports.
func BreaksLine(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

// Bidi reports whether r is a bidirectional formatting character (U+061C, U+200E, U+200F,
// U+202A..U+202E, U+2066..U+2069). They are invisible and reorder the text around them, so
// "moc.elpmaxe@" with an U+202E in front reads as another address than the one stored.
func Bidi(r rune) bool {
	switch {
	case r == '\u061C', r == '\u200E', r == '\u200F':
		return true
	case '\u202A' <= r && r <= '\u202E', '\u2066' <= r && r <= '\u2069':
		return true
	}
	return false
}

// Hidden reports whether r is refused in every text field, wherever it stands:
//   - what BreaksLine refuses (controls, line and paragraph separators);
//   - every format character (Unicode category Cf): the bidi controls, U+200B ZERO WIDTH SPACE,
//     U+FEFF (byte order mark), U+2060 WORD JOINER, U+00AD SOFT HYPHEN, the tag characters
//     U+E0000..U+E007F that smuggle invisible ASCII, and the rest; they change how text looks or
//     sorts without being seen. Two are let through: U+200C ZERO WIDTH NON-JOINER and U+200D ZERO
//     WIDTH JOINER, which Persian, the Indic scripts and emoji sequences need;
//   - the other default-ignorable code points (Hangul fillers U+115F, U+1160, U+3164, U+FFA0,
//     U+034F COMBINING GRAPHEME JOINER, ...), which display as nothing;
//   - U+FFFD REPLACEMENT CHARACTER, the mark of text that was garbled on its way in.
//
// Variation selectors (U+FE00..U+FE0F, which pick the emoji or text form of a symbol) are allowed.
func Hidden(r rune) bool {
	switch {
	case BreaksLine(r), r == utf8.RuneError:
		return true
	case r == '\u200C', r == '\u200D':
		return false
	}
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}

// visible reports whether r shows something on its own: a letter, digit, punctuation or symbol.
// White space, combining marks and the joiners do not.
func visible(r rune) bool {
	return unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S)
}

// Describe names a character for an error message without echoing it raw, which would be
// invisible or reorder the message: "U+202E (a bidi control)".
func Describe(r rune) string {
	switch {
	case Bidi(r):
		return fmt.Sprintf("%U (a bidi control, which reorders the text around it)", r)
	case r == utf8.RuneError:
		return fmt.Sprintf("%U (the replacement character of garbled text)", r)
	case unicode.IsControl(r):
		return fmt.Sprintf("%U (a control character or line break)", r)
	case r == '\u2028', r == '\u2029':
		return fmt.Sprintf("%U (a line or paragraph separator)", r)
	case Hidden(r):
		return fmt.Sprintf("%U (an invisible character)", r)
	}
	return fmt.Sprintf("%q", r)
}
