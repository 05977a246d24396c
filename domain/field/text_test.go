package field_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/camcloud/accounts/domain/field"
)

func TestText(t *testing.T) {
	tests := []struct {
		name     string
		value    string
		required bool
		want     string
		problem  string // a part of the refusal; "" when the value is accepted
		limit    int    // 20 when 0
	}{
		{name: "plain name", value: "Acme Security", required: true, want: "Acme Security"},
		{name: "trimmed", value: "  Acme \u3000", required: true, want: "Acme"},
		{name: "accents, composed", value: "Caf\u00e9 Lumi\u00e8re", required: true, want: "Caf\u00e9 Lumi\u00e8re"},
		{name: "accents, decomposed, are composed (NFC)", value: "Cafe\u0301", required: true, want: "Caf\u00e9"},
		{name: "Hangul jamo are composed", value: "\u1112\u1161\u11ab", required: true, want: "\ud55c"},
		{name: "Persian with zero width non-joiner", value: "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", required: true, want: "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"},
		{name: "emoji sequence with joiner and variation selector", value: "Team \U0001F469\u200d\U0001F4BB \u2764\ufe0f", required: true, want: "Team \U0001F469\u200d\U0001F4BB \u2764\ufe0f"},
		{name: "right-to-left script without controls", value: "\u05e9\u05dc\u05d5\u05dd", required: true, want: "\u05e9\u05dc\u05d5\u05dd"},
		{name: "optional and empty", value: "   ", required: false, want: ""},

		{name: "required and empty", value: " ", required: true, problem: "must not be empty"},
		{name: "invalid UTF-8", value: "Acme\xff", required: true, problem: "valid UTF-8"},
		{name: "too long after composing", value: strings.Repeat("e\u0301", 11), required: true, limit: 10, problem: "at most 10 characters, got 11"},
		{name: "line feed", value: "Acme\nEvil", required: true, problem: "U+000A"},
		{name: "tab", value: "Acme\tEvil", required: true, problem: "U+0009"},
		{name: "NUL", value: "Acme\x00", required: true, problem: "U+0000"},
		{name: "DEL", value: "Acme\x7f", required: true, problem: "U+007F"},
		{name: "C1 control", value: "Ac\u0085me", required: true, problem: "U+0085"},
		{name: "line separator", value: "Acme\u2028Evil", required: true, problem: "U+2028"},
		{name: "paragraph separator", value: "Acme\u2029Evil", required: true, problem: "U+2029"},
		{name: "right-to-left override", value: "Acme\u202egpj.exe", required: true, problem: "U+202E (a bidi control"},
		{name: "left-to-right embedding", value: "\u202aAcme", required: true, problem: "U+202A"},
		{name: "pop directional formatting", value: "Acme\u202c", required: true, problem: "U+202C"},
		{name: "first strong isolate", value: "Acme\u2068x", required: true, problem: "U+2068"},
		{name: "pop directional isolate", value: "Acme\u2069", required: true, problem: "U+2069"},
		{name: "left-to-right mark", value: "Acme\u200e", required: true, problem: "U+200E"},
		{name: "right-to-left mark", value: "\u200fAcme", required: true, problem: "U+200F"},
		{name: "Arabic letter mark", value: "Acme\u061c", required: true, problem: "U+061C"},
		{name: "zero width space inside", value: "Ac\u200bme", required: true, problem: "U+200B (an invisible character)"},
		{name: "byte order mark inside", value: "Ac\ufeffme", required: true, problem: "U+FEFF"},
		{name: "byte order mark in front", value: "\ufeffAcme", required: true, problem: "U+FEFF"},
		{name: "word joiner", value: "Ac\u2060me", required: true, problem: "U+2060"},
		{name: "soft hyphen", value: "Ac\u00adme", required: true, problem: "U+00AD"},
		{name: "tag characters smuggling ASCII", value: "Acme\U000E0041\U000E0042", required: true, problem: "U+E0041"},
		{name: "Hangul filler", value: "\u3164", required: true, problem: "U+3164"},
		{name: "combining grapheme joiner", value: "Ac\u034fme", required: true, problem: "U+034F"},
		{name: "replacement character", value: "Acme \ufffd", required: true, problem: "U+FFFD"},
		{name: "only zero width spaces", value: "\u200b\u200b\u200b", required: true, problem: "U+200B"},
		{name: "only joiners", value: "\u200d\u200c", required: true, problem: "visible character"},
		{name: "only a combining mark", value: "\u0301", required: true, problem: "visible character"},
		{name: "only a variation selector", value: "\ufe0f", required: true, problem: "visible character"},
		{name: "optional but invisible", value: "\u200d", required: false, problem: "visible character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limit := tt.limit
			if limit == 0 {
				limit = 20
			}
			got, err := field.Text("name", tt.value, tt.required, limit)
			if tt.problem == "" {
				if err != nil {
					t.Fatalf("Text(%q) refused: %v", tt.value, err)
				}
				if got != tt.want {
					t.Fatalf("Text(%q) = %q (%+q), want %q (%+q)", tt.value, got, got, tt.want, tt.want)
				}
				return
			}
			var fe *field.Error
			if !errors.As(err, &fe) || !errors.Is(err, field.ErrInvalid) {
				t.Fatalf("Text(%q) = %q, %v; want a field error", tt.value, got, err)
			}
			if fe.Field != "name" || !strings.Contains(fe.Problem, tt.problem) {
				t.Fatalf("Text(%q) refused with %q, want field name and a problem containing %q", tt.value, fe.Error(), tt.problem)
			}
			if strings.ContainsFunc(fe.Problem, field.Hidden) {
				t.Fatalf("the problem %q echoes a hidden character", fe.Problem)
			}
		})
	}
}
