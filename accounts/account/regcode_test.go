package account_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/camcloud/accounts/accounts/account"
)

var canonicalCode = regexp.MustCompile(`^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$`)

func TestNewRegistrationCodeIsCanonical(t *testing.T) {
	code, err := account.NewRegistrationCode(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if !canonicalCode.MatchString(string(code)) {
		t.Errorf("code %q is not in canonical form", code)
	}
	if parsed, err := account.ParseRegistrationCode(string(code)); err != nil || parsed != code {
		t.Errorf("ParseRegistrationCode(%q) = %q, %v; want it unchanged", code, parsed, err)
	}
}

func TestNewRegistrationCodesDoNotRepeat(t *testing.T) {
	const draws = 100_000
	seen := make(map[account.RegistrationCode]bool, draws)
	symbols := make(map[rune]int)
	for range draws {
		code, err := account.NewRegistrationCode(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if !canonicalCode.MatchString(string(code)) {
			t.Fatalf("code %q is not in canonical form", code)
		}
		if seen[code] {
			t.Fatalf("code %q drawn twice in %d draws", code, len(seen)+1)
		}
		seen[code] = true
		for _, r := range code.Compact() {
			symbols[r]++
		}
	}
	// 1.2 million symbols over 30: each is expected 40,000 times with a standard deviation of
	// about 200, so a symbol outside ±2,000 (10 sigma) means a biased mapping, not bad luck.
	if len(symbols) != 30 {
		t.Errorf("%d distinct symbols drawn, want 30", len(symbols))
	}
	for r, n := range symbols {
		if n < 38_000 || n > 42_000 {
			t.Errorf("symbol %q drawn %d times, want about 40,000", r, n)
		}
	}
}

func TestNewRegistrationCodeRejectsBytesThatWouldBiasIt(t *testing.T) {
	// Bytes 240..255 would favour the first 16 symbols if reduced modulo 30: they are skipped,
	// even when a whole read consists of them. Bytes below 240 map modulo 30 (41 is symbol 11).
	random := bytes.NewReader(slices.Concat(
		bytes.Repeat([]byte{255}, 12),
		[]byte{0, 1, 2, 3, 4, 5, 240, 6, 7, 8, 9, 10},
		[]byte{41, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	))
	code, err := account.NewRegistrationCode(random)
	if err != nil {
		t.Fatal(err)
	}
	if want := account.RegistrationCode("2345-6789-ABCD"); code != want {
		t.Errorf("code = %q, want %q", code, want)
	}
}

func TestNewRegistrationCodeFailsWithItsRandomSource(t *testing.T) {
	broken := errors.New("entropy pool on fire")
	tests := []struct {
		name   string
		random io.Reader
		want   error
	}{
		{"a read error is returned", iotest.ErrReader(broken), broken},
		{"a short source is an unexpected end", strings.NewReader("2345"), io.ErrUnexpectedEOF},
		{"a source of only out-of-range bytes fails instead of looping", bytes.NewReader(bytes.Repeat([]byte{250}, 1000)), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, err := account.NewRegistrationCode(tt.random)
			if err == nil {
				t.Fatalf("code = %q, want an error", code)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParseRegistrationCode(t *testing.T) {
	const want = account.RegistrationCode("K7QF-3MZP-9XRA")
	accepted := []struct{ name, input string }{
		{"the canonical form", "K7QF-3MZP-9XRA"},
		{"lower case", "k7qf-3mzp-9xra"},
		{"mixed case", "K7qf-3MzP-9xRa"},
		{"without dashes", "K7QF3MZP9XRA"},
		{"lower case without dashes", "k7qf3mzp9xra"},
		{"with spaces instead of dashes", "K7QF 3MZP 9XRA"},
		{"with white space around", "  K7QF-3MZP-9XRA\n"},
		{"with dashes elsewhere", "K7-QF3M-ZP9X-RA"},
	}
	for _, tt := range accepted {
		t.Run("accepts "+tt.name, func(t *testing.T) {
			got, err := account.ParseRegistrationCode(tt.input)
			if err != nil || got != want {
				t.Errorf("ParseRegistrationCode(%q) = %q, %v; want %q", tt.input, got, err, want)
			}
		})
	}

	refused := []struct{ name, input string }{
		{"the empty string", ""},
		{"only dashes", "----"},
		{"a zero", "K7QF-3MZP-9XR0"},
		{"a one", "K7QF-3MZP-9XR1"},
		{"an O", "K7QF-3MZP-9XRO"},
		{"an I", "K7QF-3MZP-9XRI"},
		{"an L", "K7QF-3MZP-9XRL"},
		{"a U", "K7QF-3MZP-9XRU"},
		{"a lower-case o", "k7qf-3mzp-9xro"},
		{"11 characters", "K7QF-3MZP-9XR"},
		{"13 characters", "K7QF-3MZP-9XRAB"},
		{"punctuation", "K7QF_3MZP_9XRA"},
		{"a non-ASCII letter that upper-cases to S", "K7QF-3MZP-9XRſ"},
		{"a full-width letter", "K7QF-3MZP-9XRＡ"},
		{"invalid UTF-8", "K7QF-3MZP-9XR\xff"},
	}
	for _, tt := range refused {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			got, err := account.ParseRegistrationCode(tt.input)
			var invalid *account.ValidationError
			if !errors.Is(err, account.ErrInvalid) || !errors.As(err, &invalid) || invalid.Field != "registration_code" {
				t.Errorf("ParseRegistrationCode(%q) = %q, %v; want a registration_code validation error", tt.input, got, err)
			}
		})
	}
}

func TestRegistrationCodeCompact(t *testing.T) {
	if got, want := account.RegistrationCode("K7QF-3MZP-9XRA").Compact(), "K7QF3MZP9XRA"; got != want {
		t.Errorf("Compact() = %q, want %q", got, want)
	}
}

func ExampleParseRegistrationCode() {
	code, err := account.ParseRegistrationCode("k7qf 3mzp 9xra")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(code)
	fmt.Println("regcode-" + code.Compact())
	// Output:
	// K7QF-3MZP-9XRA
	// regcode-K7QF3MZP9XRA
}
