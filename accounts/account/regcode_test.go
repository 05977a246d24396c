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

// canonicalCode is the form of a new code: three dashed groups of five symbols.
var canonicalCode = regexp.MustCompile(`^[2-9A-HJKMNP-TV-Z]{5}-[2-9A-HJKMNP-TV-Z]{5}-[2-9A-HJKMNP-TV-Z]{5}$`)

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
	// 1.5 million symbols over 30: each is expected 50,000 times with a standard deviation of
	// about 220, so a symbol outside ±2,200 (10 sigma) means a biased mapping, not bad luck.
	if len(symbols) != 30 {
		t.Errorf("%d distinct symbols drawn, want 30", len(symbols))
	}
	for r, n := range symbols {
		if n < 47_800 || n > 52_200 {
			t.Errorf("symbol %q drawn %d times, want about 50,000", r, n)
		}
	}
}

func TestNewRegistrationCodeRejectsBytesThatWouldBiasIt(t *testing.T) {
	// Bytes 240..255 would favour the first 16 symbols if reduced modulo 30: they are skipped,
	// even when a whole read consists of them. Bytes below 240 map modulo 30 (41 is symbol 11).
	random := bytes.NewReader(slices.Concat(
		bytes.Repeat([]byte{255}, 15),
		[]byte{0, 1, 2, 3, 4, 5, 240, 6, 7, 8, 9, 10, 11, 12, 13},
		[]byte{41, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	))
	code, err := account.NewRegistrationCode(random)
	if err != nil {
		t.Fatal(err)
	}
	if want := account.RegistrationCode("23456-789AB-CDEFD"); code != want {
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
	const (
		code   = account.RegistrationCode("K7QF3-MZP9X-RA2B4") // a new code: 15 symbols
		legacy = account.RegistrationCode("K7QF-3MZP-9XRA")    // a code drawn before: 12 symbols
	)
	accepted := []struct {
		name, input string
		want        account.RegistrationCode
	}{
		{"the canonical form", "K7QF3-MZP9X-RA2B4", code},
		{"lower case", "k7qf3-mzp9x-ra2b4", code},
		{"mixed case", "K7qF3-mZp9X-rA2b4", code},
		{"without dashes", "K7QF3MZP9XRA2B4", code},
		{"lower case without dashes", "k7qf3mzp9xra2b4", code},
		{"with spaces instead of dashes", "K7QF3 MZP9X RA2B4", code},
		{"with white space around", "  K7QF3-MZP9X-RA2B4\n", code},
		{"with dashes elsewhere", "K7-QF3M-ZP9X-RA2-B4", code},
		{"in groups of four", "K7QF-3MZP-9XRA-2B4", code},
		{"an older code in its canonical form", "K7QF-3MZP-9XRA", legacy},
		{"an older code in lower case", "k7qf-3mzp-9xra", legacy},
		{"an older code in mixed case", "K7qf-3MzP-9xRa", legacy},
		{"an older code without dashes", "K7QF3MZP9XRA", legacy},
		{"an older code with spaces instead of dashes", "K7QF 3MZP 9XRA", legacy},
		{"an older code with white space around", "  K7QF-3MZP-9XRA\n", legacy},
		{"an older code with dashes elsewhere", "K7-QF3M-ZP9X-RA", legacy},
		{"an older code in groups of five", "K7QF3-MZP9X-RA", legacy},
	}
	for _, tt := range accepted {
		t.Run("accepts "+tt.name, func(t *testing.T) {
			got, err := account.ParseRegistrationCode(tt.input)
			if err != nil || got != tt.want {
				t.Errorf("ParseRegistrationCode(%q) = %q, %v; want %q", tt.input, got, err, tt.want)
			}
		})
	}

	refused := []struct{ name, input string }{
		{"the empty string", ""},
		{"only dashes", "----"},
		{"a zero", "K7QF3-MZP9X-RA2B0"},
		{"a one", "K7QF3-MZP9X-RA2B1"},
		{"an O", "K7QF3-MZP9X-RA2BO"},
		{"an I", "K7QF3-MZP9X-RA2BI"},
		{"an L", "K7QF3-MZP9X-RA2BL"},
		{"a U", "K7QF3-MZP9X-RA2BU"},
		{"a lower-case o", "k7qf3-mzp9x-ra2bo"},
		{"a zero in an older code", "K7QF-3MZP-9XR0"},
		{"11 characters", "K7QF-3MZP-9XR"},
		{"13 characters", "K7QF-3MZP-9XRAB"},
		{"14 characters", "K7QF3-MZP9X-RA2B"},
		{"16 characters", "K7QF3-MZP9X-RA2B4-5"},
		{"punctuation", "K7QF3_MZP9X_RA2B4"},
		{"a non-ASCII letter that upper-cases to S", "K7QF3-MZP9X-RA2Bſ"},
		{"a full-width letter", "K7QF3-MZP9X-RA2BＡ"},
		{"invalid UTF-8", "K7QF3-MZP9X-RA2B\xff"},
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
	tests := []struct {
		name string
		code account.RegistrationCode
		want string
	}{
		{"a new code", "K7QF3-MZP9X-RA2B4", "K7QF3MZP9XRA2B4"},
		{"an older code keeps its reservation stream's name", "K7QF-3MZP-9XRA", "K7QF3MZP9XRA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.code.Compact(); got != tt.want {
				t.Errorf("Compact() = %q, want %q", got, tt.want)
			}
		})
	}
}

func ExampleParseRegistrationCode() {
	for _, typed := range []string{"k7qf3 mzp9x ra2b4", "k7qf 3mzp 9xra"} { // a new code, an older one
		code, err := account.ParseRegistrationCode(typed)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(code, "regcode-"+code.Compact())
	}
	// Output:
	// K7QF3-MZP9X-RA2B4 regcode-K7QF3MZP9XRA2B4
	// K7QF-3MZP-9XRA regcode-K7QF3MZP9XRA
}
