package password

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"github.com/trustelem/zxcvbn/match"
)

// Policy defaults.
const (
	DefaultMinLength = 8
	DefaultMaxLength = 128
	DefaultMinScore  = 1
)

// Policy is what a new password must satisfy. The zero value is the default policy: 8 to 128
// characters, not on the common-password list, and a zxcvbn score of at least 1.
type Policy struct {
	// MinLength is the least number of characters (Unicode code points); 0 means 8. The user
	// guide's historical rule of six is MinLength: 6.
	MinLength int
	// MaxLength is the most number of characters; 0 means 128.
	MaxLength int
	// MinScore is the least zxcvbn score (0..4) accepted; 0 means 1, so that only passwords
	// guessable in under a thousand tries are refused. A negative value turns the check off.
	MinScore int
}

// Strength is the verdict on a candidate password: its zxcvbn score, whether the policy accepts
// it, why not (Problems) and how to make it stronger (Hints). Problems and Hints are short
// English sentences for the user; they never quote the password.
type Strength struct {
	Score      int      `json:"score"` // 0 (guessable at once) .. 4 (very strong)
	Acceptable bool     `json:"acceptable"`
	Problems   []string `json:"problems"`
	Hints      []string `json:"hints"`
}

func (p Policy) minLength() int {
	if p.MinLength <= 0 {
		return DefaultMinLength
	}
	return p.MinLength
}

func (p Policy) maxLength() int {
	if p.MaxLength <= 0 {
		return DefaultMaxLength
	}
	return max(p.MaxLength, p.minLength())
}

func (p Policy) minScore() int {
	if p.MinScore == 0 {
		return DefaultMinScore
	}
	return p.MinScore
}

// Check judges plain against the policy. userInputs are words the user is known by (username,
// e-mail address, name): a password built on them scores lower, and one that contains any of
// them whole, or the local part of an e-mail address among them, is refused (ignoring case).
// Check also refuses a password that is shorter than MinLength, longer than MaxLength, on the
// shipped list of common passwords (ignoring case) or scores below MinScore; it always returns
// the score and hints.
func (p Policy) Check(plain string, userInputs ...string) Strength {
	s := Strength{Problems: []string{}, Hints: []string{}}
	n := utf8.RuneCountInString(plain)
	minLen, maxLen := p.minLength(), p.maxLength()
	if n < minLen {
		s.Problems = append(s.Problems, fmt.Sprintf("The password must contain at least %d characters.", minLen))
	}
	if n > maxLen {
		// Not estimated: the estimate's cost grows with the length, and the answer is no anyway.
		s.Problems = append(s.Problems, fmt.Sprintf("The password must contain at most %d characters.", maxLen))
		return s
	}
	if !utf8.ValidString(plain) {
		s.Problems = append(s.Problems, "The password contains invalid characters.")
		return s
	}

	result := zxcvbn.PasswordStrength(plain, expandUserInputs(userInputs))
	s.Score = result.Score
	common := isCommon(plain)
	if common {
		s.Score = 0
		s.Problems = append(s.Problems, "This is one of the most commonly used passwords.")
	}
	findings := analyse(result.Sequence)
	contains := containsUserInput(plain, userInputs)
	if contains {
		s.Problems = append(s.Problems, "The password must not contain your username or e-mail address.")
	}
	if !common && !contains && s.Score < p.minScore() {
		if findings.userInput {
			s.Problems = append(s.Problems, "The password is too easy to guess: it is based on your username or e-mail address.")
		} else {
			s.Problems = append(s.Problems, "The password is too easy to guess.")
		}
	}
	s.Acceptable = len(s.Problems) == 0
	s.Hints = hints(plain, n, s.Score, findings)
	return s
}

// findings are what zxcvbn recognised in a password.
type findings struct {
	userInput, commonPassword, word, l33t, reversed, keyboard, repeat, sequence, date bool
}

func analyse(seq []*match.Match) findings {
	var f findings
	for _, m := range seq {
		switch m.Pattern {
		case "dictionary":
			switch m.DictionaryName {
			case "user_inputs":
				f.userInput = true
			case "passwords":
				f.commonPassword = true
			default:
				f.word = true
			}
			f.l33t = f.l33t || m.L33t
			f.reversed = f.reversed || m.Reversed
		case "spatial":
			f.keyboard = true
		case "repeat":
			f.repeat = true
		case "sequence":
			f.sequence = true
		case "date":
			f.date = true
		case "regex":
			if m.RegexName == "recent_year" {
				f.date = true
			}
		}
	}
	return f
}

// hints says how to make a password stronger; a very strong one gets none.
func hints(plain string, length, score int, f findings) []string {
	h := []string{}
	if score >= 4 {
		return h
	}
	if f.userInput {
		h = append(h, "Avoid your username, name and e-mail address.")
	}
	if f.commonPassword {
		h = append(h, "Avoid common passwords and their variations.")
	}
	if f.keyboard {
		h = append(h, "Avoid keyboard patterns such as qwerty or asdf.")
	}
	if f.sequence {
		h = append(h, "Avoid sequences such as abc or 1234.")
	}
	if f.repeat {
		h = append(h, "Avoid repeated characters or words such as aaa or abcabc.")
	}
	if f.date {
		h = append(h, "Avoid dates and years.")
	}
	if f.word && !f.commonPassword && !f.userInput {
		h = append(h, "A single word or name is easy to guess: combine several unrelated words.")
	}
	if f.l33t {
		h = append(h, "Predictable substitutions such as @ for a do not help much.")
	}
	if f.reversed {
		h = append(h, "Reversed words are not much harder to guess.")
	}
	if score <= 2 {
		if missing := missingClasses(plain); missing != "" {
			h = append(h, "Add "+missing+".")
		}
		if length < 12 {
			h = append(h, "Make it longer: a few unrelated words make a strong password.")
		}
	}
	return h
}

// missingClasses names the character classes the user guide recommends (upper- and lower-case
// letters and digits) that plain lacks, e.g. "upper-case letters and digits"; "" when none.
func missingClasses(plain string) string {
	var upper, lower, digit bool
	for _, r := range plain {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		}
	}
	var letters string
	switch {
	case !upper && !lower:
		letters = "upper- and lower-case letters"
	case !upper:
		letters = "upper-case letters"
	case !lower:
		letters = "lower-case letters"
	}
	switch {
	case letters != "" && !digit:
		return letters + " and digits"
	case letters != "":
		return letters
	case !digit:
		return "digits"
	}
	return ""
}

// minContainedRunes is the shortest user input a password may not contain. Shorter ones (a
// two-letter local part) would refuse half the passwords anyone thinks of; Active Directory's
// complexity rule draws the line at three too.
const minContainedRunes = 3

// containsUserInput reports whether plain contains, ignoring case, one of userInputs whole or the
// local part of one that is an e-mail address. The dotted pieces of a name are not refused
// ("Alice rides purple giraffes" is a fine password for alice.smith); they only lower the score.
func containsUserInput(plain string, userInputs []string) bool {
	lower := strings.ToLower(plain)
	contains := func(s string) bool {
		s = strings.ToLower(strings.TrimSpace(s))
		return utf8.RuneCountInString(s) >= minContainedRunes && strings.Contains(lower, s)
	}
	for _, in := range userInputs {
		if contains(in) {
			return true
		}
		if local, _, isEmail := strings.Cut(in, "@"); isEmail && contains(local) {
			return true
		}
	}
	return false
}

// expandUserInputs adds to the words a user is known by the parts a password is likely built
// from: the local part of an e-mail address and the pieces of a dotted or dashed name.
func expandUserInputs(inputs []string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		s = strings.ToLower(strings.TrimSpace(s))
		if utf8.RuneCountInString(s) < 3 || seen[s] {
			return
		}
		seen[s] = true
		out = append(out, s)
	}
	for _, in := range inputs {
		add(in)
		local, domain, isEmail := strings.Cut(in, "@")
		if isEmail {
			add(local)
			if label, _, ok := strings.Cut(domain, "."); ok {
				add(label)
			}
		}
		for _, part := range strings.FieldsFunc(local, func(r rune) bool {
			return r == '.' || r == '_' || r == '-' || r == '+' || unicode.IsSpace(r)
		}) {
			add(part)
		}
	}
	return out
}
