package httpkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
)

// sample is a body with the shapes request bodies have: members, a nested object, a list of
// objects, and a member that tells null from absent.
type sample struct {
	Kind    string `json:"kind"`
	Address *struct {
		City string `json:"city"`
	} `json:"address"`
	Entries []struct {
		Day   string `json:"day"`
		Bytes int64  `json:"stored_bytes"`
	} `json:"entries"`
	Note MergeMember[string] `json:"note"`
}

// TestDecodeRefusals: every way a body can be malformed is a 400 (413, 415) that says what is
// wrong and where, without echoing the body; nothing else is decoded.
func TestDecodeRefusals(t *testing.T) {
	tests := []struct {
		name, body, contentType string
		status                  int
		field, detailHas        string
	}{
		{name: "a key twice", body: `{"kind":"a","kind":"b"}`, status: 400, field: "kind", detailHas: `key "kind" appears more than once`},
		{name: "a key twice, once escaped", body: `{"kind":"a","\u006bind":"b"}`, status: 400, field: "kind", detailHas: "more than once"},
		{name: "a nested key twice", body: `{"address":{"city":"a","city":"b"}}`, status: 400, field: "address.city", detailHas: "more than once"},
		{name: "a key twice in a list's object", body: `{"entries":[{"day":"x"},{"day":"x","day":"y"}]}`, status: 400, field: "entries[1].day", detailHas: "more than once"},
		{name: "a hidden key twice is quoted in ASCII and not named", body: `{"\u202ex":1,"\u202ex":2}`, status: 400, detailHas: `"\u202ex"`},
		{name: "a key in another case is unknown, not a second kind", body: `{"kind":"a","KIND":"b"}`, status: 400, detailHas: `unknown field "KIND"`},
		{name: "a key folded with the Kelvin sign is unknown", body: `{"kind":"a","\u212aind":"b"}`, status: 400, detailHas: `unknown field "\u212aind"`},
		{name: "an unknown nested key", body: `{"address":{"zip":"1"}}`, status: 400, detailHas: `unknown field "zip"`},
		{name: "a member of the wrong type", body: `{"kind":5}`, status: 400, field: "kind", detailHas: `field "kind" has the wrong type (got a JSON number)`},
		{name: "a list entry of the wrong type", body: `{"entries":[{"stored_bytes":"x"}]}`, status: 400, field: "entries[0].stored_bytes", detailHas: "got a JSON string"},
		{name: "a fraction for a whole number", body: `{"entries":[{"stored_bytes":1.5}]}`, status: 400, field: "entries[0].stored_bytes", detailHas: "must be a whole number"},
		{name: "an exponent for a whole number", body: `{"entries":[{"stored_bytes":1e3}]}`, status: 400, field: "entries[0].stored_bytes", detailHas: "without fraction or exponent"},
		{name: "a whole number too large", body: `{"entries":[{"stored_bytes":9223372036854775808}]}`, status: 400, field: "entries[0].stored_bytes", detailHas: "within 64 bits"},
		{name: "an array for the object", body: `[]`, status: 400, detailHas: "must be a JSON object, not a JSON array"},
		{name: "not JSON", body: `{"kind" "a"}`, status: 400, detailHas: "not valid JSON (at byte 8)"},
		{name: "ends early", body: `{"kind":`, status: 400, detailHas: "ends early"},
		{name: "two values", body: `{"kind":"a"} {}`, status: 400, detailHas: "not valid JSON (at byte 13)"},
		{name: "empty", body: ``, status: 400, detailHas: "empty"},
		{name: "blank", body: " \n", status: 400, detailHas: "empty"},
		{name: "invalid UTF-8 in a string", body: "{\"kind\":\"a\xffb\"}", status: 400, detailHas: "not valid UTF-8 (at byte 10)"},
		{name: "a lone surrogate", body: `{"kind":"\ud800"}`, status: 400, detailHas: "not valid JSON"},
		{name: "too large", body: `{"kind":"` + strings.Repeat("a", maxBody) + `"}`, status: 413, detailHas: fmt.Sprintf("larger than %d bytes", maxBody)},
		{name: "not JSON's media type", body: `{}`, contentType: "text/plain", status: 415},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", "application/json")
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			w := httptest.NewRecorder()
			var v sample
			if Decode(w, r, &v) {
				t.Fatalf("decoded %+v", v)
			}
			var p Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if w.Code != tt.status || p.Field != tt.field || !strings.Contains(p.Detail, tt.detailHas) {
				t.Fatalf("%d %+v; want %d, field %q, detail with %q", w.Code, p, tt.status, tt.field, tt.detailHas)
			}
		})
	}
}

// TestDecodeAccepts: a good body decodes whole, with or without a declared length, and a
// member sent as null is told from one left out.
func TestDecodeAccepts(t *testing.T) {
	body := `{"kind":"a","address":{"city":"Zürich"},"entries":[{"day":"2026-10-01","stored_bytes":5}],"note":null}`
	for _, declared := range []bool{true, false} {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json; charset=utf-8")
		if !declared {
			r.ContentLength = -1
		}
		w := httptest.NewRecorder()
		var v sample
		if !Decode(w, r, &v) {
			t.Fatalf("refused: %s", w.Body)
		}
		if v.Kind != "a" || v.Address.City != "Zürich" || len(v.Entries) != 1 || v.Entries[0].Bytes != 5 || !v.Note.Present || !v.Note.Null {
			t.Fatalf("decoded %+v", v)
		}
	}
}

func BenchmarkDecodeUsage(b *testing.B) {
	var body strings.Builder
	body.WriteString(`{"batch_id":"b1","sequence":1,"entries":[`)
	for i := range 500 {
		if i > 0 {
			body.WriteString(",")
		}
		fmt.Fprintf(&body, `{"camera_id":"0b0e6f4e-7b4e-5a43-9a4f-%012d","day":"2026-10-%02d","in_service":true,"recorded_seconds":86400,"stored_bytes":123456789}`, i, i%28+1)
	}
	body.WriteString("]}")
	type entry struct {
		CameraID        string `json:"camera_id"`
		Day             string `json:"day"`
		InService       bool   `json:"in_service"`
		RecordedSeconds int64  `json:"recorded_seconds"`
		StoredBytes     int64  `json:"stored_bytes"`
	}
	var v struct {
		BatchID  string  `json:"batch_id"`
		Sequence uint64  `json:"sequence"`
		Entries  []entry `json:"entries"`
	}
	b.SetBytes(int64(body.Len()))
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body.String()))
		r.Header.Set("Content-Type", "application/json")
		if !DecodeUpTo(httptest.NewRecorder(), r, &v, 1<<20) {
			b.Fatal("refused")
		}
	}
}

// TestDecodeShortBody: a body shorter than its declared length is refused (a server's body
// ends early), and reading reserves room for at most 64 KiB, whatever was declared.
func TestDecodeShortBody(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"kind":"a"}`))
	r.ContentLength = 16 << 20
	raw, err := readBody(httptest.NewRecorder(), r, 16<<20)
	if err != nil || string(raw) != `{"kind":"a"}` || cap(raw) > maxBody+bytes.MinRead {
		t.Fatalf("read %q (room for %d), %v; want the body in at most 64 KiB", raw, cap(raw), err)
	}
	r = httptest.NewRequest(http.MethodPost, "/", io.MultiReader(strings.NewReader(`{"kind":`), iotest.ErrReader(io.ErrUnexpectedEOF)))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	if Decode(w, r, &sample{}) || w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "could not be read") {
		t.Fatalf("%d %s; want 400, body could not be read", w.Code, w.Body)
	}
}
