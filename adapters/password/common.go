package password

import (
	"strings"
	"sync"

	"github.com/trustelem/zxcvbn/frequency"
)

// commonListSize is how many of the most used passwords the policy refuses outright.
const commonListSize = 10_000

// commonPasswords is the shipped list of common passwords: the first 10,000 entries of the
// "passwords" frequency list compiled into zxcvbn (github.com/trustelem/zxcvbn/frequency, built by
// its data-scripts/build_frequency_lists.py from the xato.net 10-million-password corpus, most
// used first, lower case). It is part of the binary, like an embedded file, and stays in step
// with the list the strength estimate uses.
//
// That build keeps each token only in the list where it ranks best, so a few very common
// passwords that are also first names or English words (e.g. "jennifer") are in zxcvbn's name or
// word lists instead; those still score 0 and are refused as too easy to guess.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	list := frequency.FrequencyLists["passwords"]
	list = list[:min(len(list), commonListSize)]
	set := make(map[string]struct{}, len(list))
	for _, p := range list {
		set[strings.ToLower(p)] = struct{}{}
	}
	return set
})

// isCommon reports whether plain is, ignoring case, on the shipped list of common passwords.
func isCommon(plain string) bool {
	_, ok := commonPasswords()[strings.ToLower(plain)]
	return ok
}
