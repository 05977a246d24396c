package password

import (
	"slices"
	"strings"
	"testing"
)

func TestPolicyCheck(t *testing.T) {
	const username, email = "alicesmith", "alice.smith@example.com"
	tests := []struct {
		name       string
		policy     Policy
		password   string
		userInputs []string
		acceptable bool
		problem    string // a substring of one of the problems; "" when acceptable
		hint       string // a substring of one of the hints, if any is expected
	}{
		{name: "too short", password: "Ab3$x", acceptable: false, problem: "at least 8 characters"},
		{name: "seven characters", password: "Vq9#tLw", acceptable: false, problem: "at least 8 characters"},
		{name: "too long", password: strings.Repeat("Vq9#tLw-", 17), acceptable: false, problem: "at most 128 characters"},
		{name: "length counts characters, not bytes", password: strings.Repeat("ü", 128) + "x", acceptable: false, problem: "at most 128 characters"},
		{name: "common: password1", password: "password1", acceptable: false, problem: "most commonly used"},
		{name: "common: qwerty123", password: "qwerty123", acceptable: false, problem: "most commonly used"},
		{name: "common list ignores case", password: "PassWord1", acceptable: false, problem: "most commonly used"},
		{name: "common list ignores case, upper", password: "QWERTY123", acceptable: false, problem: "most commonly used"},
		{name: "score 0: a single name", password: "jennifer", acceptable: false, problem: "too easy to guess"},
		{name: "score 0: repeated character", password: "aaaaaaaaaaaa", acceptable: false, problem: "too easy to guess", hint: "repeated"},
		{name: "the username itself", password: "AliceSmith", userInputs: []string{username, email},
			acceptable: false, problem: "must not contain your username or e-mail address", hint: "username"},
		{name: "the e-mail's local part", password: "alice.smith", userInputs: []string{username, email},
			acceptable: false, problem: "must not contain your username or e-mail address"},
		{name: "containing the username", password: "alicesmith!", userInputs: []string{username, email},
			acceptable: false, problem: "must not contain your username or e-mail address", hint: "Avoid your username"},
		{name: "containing the username, other case, in a strong password", password: "Purple giraffes ride ALICESMITH home",
			userInputs: []string{username, email}, acceptable: false, problem: "must not contain your username"},
		{name: "containing the e-mail address", password: "Alice.Smith@Example.com is me", userInputs: []string{username, email},
			acceptable: false, problem: "must not contain your username or e-mail address"},
		{name: "containing the e-mail's local part", password: "Otters love alice.smith 42", userInputs: []string{username, email},
			acceptable: false, problem: "must not contain your username or e-mail address"},
		{name: "a username that is an e-mail address: its local part", password: "Otters love opsteam 42",
			userInputs: []string{"OpsTeam@acme.example", "opsteam@acme.example"}, acceptable: false, problem: "must not contain your username"},
		{name: "a two-letter local part is not refused", password: "mellow otter carpet drifts",
			userInputs: []string{"ot@acme.example"}, acceptable: true},
		{name: "a strong passphrase with a piece of the e-mail's domain", password: "example otters carpet drifts",
			userInputs: []string{username, email}, acceptable: true},
		{name: "a strong passphrase", password: "mellow otter carpet drifts", acceptable: true},
		{name: "a strong passphrase with the username's first name", password: "Alice rides purple giraffes",
			userInputs: []string{username, email}, acceptable: true},
		{name: "weak but not refused gets hints", password: "sunshine2019", acceptable: true, hint: "Add upper-case letters."},
		{name: "lower-case only gets the guide's advice", password: "bluecarpet", acceptable: true, hint: "Add upper-case letters and digits."},
		{name: "the guide's rule of six as a setting", policy: Policy{MinLength: 6}, password: "Vq9#tL", acceptable: true},
		{name: "a stricter score", policy: Policy{MinScore: 3}, password: "sunshine2019", acceptable: false, problem: "too easy to guess"},
		{name: "score check off", policy: Policy{MinScore: -1}, password: "jennifer", acceptable: true},
		{name: "a larger maximum", policy: Policy{MaxLength: 256}, password: strings.Repeat("Vq9#tLw-", 17), acceptable: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.policy.Check(tt.password, tt.userInputs...)
			if got.Acceptable != tt.acceptable {
				t.Fatalf("Acceptable = %v, want %v (%+v)", got.Acceptable, tt.acceptable, got)
			}
			if tt.acceptable && len(got.Problems) != 0 {
				t.Errorf("acceptable, yet problems %q", got.Problems)
			}
			if tt.problem != "" && !containsSubstring(got.Problems, tt.problem) {
				t.Errorf("problems %q, want one containing %q", got.Problems, tt.problem)
			}
			if tt.hint != "" && !containsSubstring(got.Hints, tt.hint) {
				t.Errorf("hints %q, want one containing %q", got.Hints, tt.hint)
			}
			if got.Score < 0 || got.Score > 4 {
				t.Errorf("score %d out of 0..4", got.Score)
			}
			for _, s := range slices.Concat(got.Problems, got.Hints) {
				if strings.Contains(strings.ToLower(s), strings.ToLower(tt.password)) {
					t.Errorf("%q quotes the password", s)
				}
			}
			if got.Problems == nil || got.Hints == nil {
				t.Errorf("nil slices (they are JSON arrays): %+v", got)
			}
		})
	}
}

func TestUserInputsLowerTheScore(t *testing.T) {
	var p Policy
	without := p.Check("Alicesmith77")
	with := p.Check("Alicesmith77", "alicesmith", "alice.smith@example.com")
	if with.Score >= without.Score {
		t.Fatalf("score with the username %d, without %d: the username should lower it", with.Score, without.Score)
	}
	if !containsSubstring(with.Hints, "username") {
		t.Errorf("hints %q do not mention the username", with.Hints)
	}
	// The e-mail address alone is enough: its local part is what passwords are built from.
	if s := p.Check("alice.smith", "alice.smith@example.com"); s.Acceptable {
		t.Errorf("the e-mail's local part is accepted: %+v", s)
	}
}

func TestStrongPasswordsGetNoHints(t *testing.T) {
	s := Policy{}.Check("correct horse battery staple")
	if s.Score != 4 || !s.Acceptable || len(s.Hints) != 0 {
		t.Fatalf("got %+v, want score 4, acceptable, no hints", s)
	}
}

func TestCommonList(t *testing.T) {
	if n := len(commonPasswords()); n < 9_000 || n > commonListSize {
		t.Fatalf("common list has %d entries, want about %d", n, commonListSize)
	}
	for _, p := range []string{"123456", "password", "password1", "qwerty123", "Dragon", "iloveyou"} {
		if !isCommon(p) {
			t.Errorf("%q is not on the common list", p)
		}
	}
	for _, p := range []string{"mellow otter carpet drifts", "Vq9#tLw-"} {
		if isCommon(p) {
			t.Errorf("%q is on the common list", p)
		}
	}
}

func TestMissingClasses(t *testing.T) {
	for in, want := range map[string]string{
		"abcdefgh": "upper-case letters and digits",
		"ABCDEFGH": "lower-case letters and digits",
		"12345678": "upper- and lower-case letters",
		"abcdefg1": "upper-case letters",
		"ABCDEFGh": "digits",
		"!!!!!!!!": "upper- and lower-case letters and digits",
		"Abcdefg1": "",
		"Äbcdefg1": "",
	} {
		if got := missingClasses(in); got != want {
			t.Errorf("missingClasses(%q) = %q, want %q", in, got, want)
		}
	}
}

func containsSubstring(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
