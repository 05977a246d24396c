package account

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// RegistrationCode is the code an installer types into a recorder to attach it to an account. Its
// canonical form is three dashed groups of five symbols, like "K7QF3-MZP9X-RA2B4". The alphabet
// leaves out 0, 1, I, L, O and U, which are easily misread or misheard (and U avoids accidental
// words), so a code read off a label or over the phone survives; 30 symbols to the power of 15
// give about 73.6 random bits, too many to guess.
//
// Codes drawn before had 12 symbols in three groups of four ("K7QF-3MZP-9XRA", about 59 bits).
// They keep working: they are parsed, stored and reserved as they always were (same canonical
// form, same Compact), and only new codes have 15 symbols.
type RegistrationCode string

const (
	regCodeAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
	regCodeSymbols  = 15 // of a new code
	regCodeGroup    = 5  // symbols per group of a new code

	// A code drawn before 15-symbol codes: 12 symbols in groups of 4.
	legacyCodeSymbols = 12
	legacyCodeGroup   = 4

	// regCodeByteLimit is the largest multiple of the alphabet's size that fits in a byte: random
	// bytes below it map onto the alphabet uniformly, the others are drawn again.
	regCodeByteLimit = 256 - 256%len(regCodeAlphabet)

	// regCodeMaxReads bounds the draws so that a broken random source fails instead of looping
	// for ever. A good source needs a second read for about three codes in five, a third for one
	// in 3*10^11, and more than eight with a probability of 10^-110.
	regCodeMaxReads = 8
)

// NewRegistrationCode draws a fresh code from random (crypto/rand.Reader in production, a fixed
// reader in tests). Every code is equally likely: bytes that would favour the first symbols of the
// alphabet are rejected rather than reduced modulo its size. Uniqueness is not its job: the command
// layer reserves the code and draws again if it is taken.
func NewRegistrationCode(random io.Reader) (RegistrationCode, error) {
	symbols := make([]byte, 0, regCodeSymbols)
	buf := make([]byte, regCodeSymbols)
	for range regCodeMaxReads {
		if _, err := io.ReadFull(random, buf); err != nil {
			return "", fmt.Errorf("new registration code: read random bytes: %w", err)
		}
		for _, b := range buf {
			if int(b) < regCodeByteLimit && len(symbols) < regCodeSymbols {
				symbols = append(symbols, regCodeAlphabet[int(b)%len(regCodeAlphabet)])
			}
		}
		if len(symbols) == regCodeSymbols {
			return formatRegistrationCode(symbols, regCodeGroup), nil
		}
	}
	return "", errors.New("new registration code: the random source keeps returning out-of-range bytes")
}

// ParseRegistrationCode reads a code as a person types it: in either case, with or without dashes
// and spaces anywhere. It accepts new codes (15 symbols) and the 12-symbol codes drawn before
// them, and returns the canonical form (groups of five, or of four for a 12-symbol code), or a
// ValidationError for "registration_code". Look-alikes (0 for O, 1 for I) are refused rather than guessed, since
// neither reading is in the alphabet.
func ParseRegistrationCode(s string) (RegistrationCode, error) {
	const field = "registration_code"
	symbols := make([]byte, 0, regCodeSymbols)
	for _, r := range s {
		if r == '-' || unicode.IsSpace(r) {
			continue
		}
		if 'a' <= r && r <= 'z' {
			r -= 'a' - 'A'
		}
		if r > unicode.MaxASCII || !strings.ContainsRune(regCodeAlphabet, r) {
			return "", invalid(field, fmt.Sprintf("must not contain %q: codes use 2-9 and A-Z without I, L, O and U", r))
		}
		symbols = append(symbols, byte(r))
	}
	switch len(symbols) {
	case 0:
		return "", invalid(field, "must not be empty")
	case regCodeSymbols:
		return formatRegistrationCode(symbols, regCodeGroup), nil
	case legacyCodeSymbols:
		return formatRegistrationCode(symbols, legacyCodeGroup), nil
	default:
		return "", invalid(field, fmt.Sprintf("must have %d characters besides dashes (or %d for an older code), got %d", regCodeSymbols, legacyCodeSymbols, len(symbols)))
	}
}

// Compact returns the code without dashes, e.g. "K7QF3MZP9XRA2B4" (or "K7QF3MZP9XRA" for a
// 12-symbol code): the id of its reservation stream
// ("regcode-K7QF3MZP9XRA2B4"), where a dash would be ambiguous with the category separator.
func (c RegistrationCode) Compact() string {
	return strings.ReplaceAll(string(c), "-", "")
}

// validate accepts only the canonical form, so that events never carry a code in two spellings.
func (c RegistrationCode) validate() error {
	canonical, err := ParseRegistrationCode(string(c))
	if err != nil {
		return err
	}
	if canonical != c {
		return invalid("registration_code", fmt.Sprintf("must be in canonical form (%s)", canonical))
	}
	return nil
}

func formatRegistrationCode(symbols []byte, group int) RegistrationCode {
	var b strings.Builder
	b.Grow(len(symbols) + len(symbols)/group)
	for i, s := range symbols {
		if i > 0 && i%group == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(s)
	}
	return RegistrationCode(b.String())
}

// CodeReservation is a registration code's reservation stream, folded: the account that holds
// the code, for good (codes are never released, so a code that once resolved to an account never
// resolves to another).
type CodeReservation struct {
	Code      RegistrationCode
	AccountID string
}

// Apply returns the reservation after e.
func (r CodeReservation) Apply(e Event) CodeReservation {
	if e, ok := e.(RegistrationCodeReserved); ok {
		r.Code, r.AccountID = e.Code, e.AccountID
	}
	return r
}
