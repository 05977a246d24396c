package httpkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// tokenDuplicateKey is the scan duplicateKey replaced (json.Decoder.Token, an allocation a token): the reference of TestDuplicateKeyAgreesWithTheTokenScan.
func tokenDuplicateKey(raw []byte) (path, key string, found bool) {
	// A frame is an object or array being read. Its path is built only for the answer, when a
	// key repeats: a batch of 100,000 entries reads 100,000 objects, and naming each would cost
	// more than checking it. An object's keys are few, so a slice beats a map.
	type frame struct {
		object bool
		keys   []string        // folded, while few
		many   map[string]bool // folded, once there are many: no body makes the check quadratic
		key    string          // the member being read, in an object
		index  int             // the element being read, in an array
		parent *frame
	}
	var name func(f *frame) string
	name = func(f *frame) string {
		prefix := ""
		if f.parent != nil {
			prefix = name(f.parent)
		}
		if !f.object {
			return prefix + "[" + strconv.Itoa(f.index) + "]"
		}
		if prefix == "" {
			return f.key
		}
		return prefix + "." + f.key
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var top *frame
	// wantKey is true where the next string token of an object is a key rather than a value.
	wantKey := false
	valueDone := func() {
		if top == nil {
			return
		}
		if top.object {
			wantKey = true
		} else {
			top.index++
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", "", false // io.EOF at the end; raw was decoded before, so nothing else
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				top = &frame{object: t == '{', parent: top}
				wantKey = t == '{'
			case '}', ']':
				top = top.parent
				valueDone()
			}
		case string:
			if wantKey {
				// encoding/json matches a key to a field whatever its case (Unicode simple folding,
				// so "KIND" and "\u212aind" both fill kind): keys are compared folded the same way.
				folded := foldKey(t)
				top.key = t
				if top.many[folded] || slices.Contains(top.keys, folded) {
					return name(top), t, true
				}
				if top.many == nil && len(top.keys) < 16 {
					top.keys = append(top.keys, folded)
				} else {
					if top.many == nil {
						top.many = make(map[string]bool, 32)
						for _, k := range top.keys {
							top.many[k] = true
						}
						top.keys = nil
					}
					top.many[folded] = true
				}
				wantKey = false
				continue
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

// TestDuplicateKeyAgreesWithTheTokenScan: the byte scan finds the same first duplicate, at the
// same path, as the token scan it replaced, on hand-picked bodies and on random ones.
func TestDuplicateKeyAgreesWithTheTokenScan(t *testing.T) {
	bodies := []string{
		`{}`, `[]`, `"x"`, `12`, `null`, `{"a":1,"b":2}`, `{"a":1,"a":2}`, `{"a":1,"A":2}`,
		`{"kind":"x","\u212aind":"y"}`, `{"kind":"x","\u006bind":"y"}`, `{"a\"b":1,"a\"B":2}`,
		`{"first_user":{"email":"x","EMAIL":"y"}}`, `{"items":[{"a":1},{"b":2,"b":3}]}`,
		`[[1,2,{"x":[true,false,null,{"y":1,"y":2}]}]]`, ` { "a" : "}" , "b" : "{\"a\":1,\"a\":2}" } `,
		`{"s":"\\","t":"\\\"","s":1}`, `{"n":-1.5e+10,"m":0,"n":2}`, `{"ſ":1,"S":2}`,
	}
	var many strings.Builder
	many.WriteString(`{`)
	for i := range 40 {
		fmt.Fprintf(&many, `"k%d":%d,`, i, i)
	}
	many.WriteString(`"K39":1}`)
	bodies = append(bodies, many.String())
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		bodies = append(bodies, randomJSON(rng, 0))
	}
	duplicates := 0
	for _, b := range bodies {
		raw := []byte(b)
		if !json.Valid(raw) {
			t.Fatalf("not JSON: %s", b)
		}
		wantPath, wantKey, wantFound := tokenDuplicateKey(raw)
		path, key, found := duplicateKey(raw)
		if path != wantPath || key != wantKey || found != wantFound {
			t.Errorf("%s: (%q, %q, %v), the token scan (%q, %q, %v)", b, path, key, found, wantPath, wantKey, wantFound)
		}
		if found {
			duplicates++
		}
	}
	if duplicates < len(bodies)/10 {
		t.Errorf("only %d of %d bodies repeat a key: the comparison says little", duplicates, len(bodies))
	}
	t.Logf("%d of %d bodies repeat a key", duplicates, len(bodies))
}

// randomJSON makes a small JSON value whose objects often repeat a key in another case.
func randomJSON(rng *rand.Rand, depth int) string {
	keys := []string{"a", "A", "b", "kind", `\u212aind`, "x y", `q\"`, "é", "É"}
	n := rng.IntN(4)
	switch k := rng.IntN(6); {
	case depth > 3 || k == 0:
		return []string{`1`, `-2.5e3`, `"s"`, `"}{]["`, `true`, `false`, `null`, `"\\"`}[rng.IntN(8)]
	case k%2 == 0:
		parts := make([]string, n)
		for i := range parts {
			parts[i] = randomJSON(rng, depth+1)
		}
		return "[" + strings.Join(parts, ",") + "]"
	default:
		parts := make([]string, n)
		for i := range parts {
			parts[i] = `"` + keys[rng.IntN(len(keys))] + `" : ` + randomJSON(rng, depth+1)
		}
		return "{" + strings.Join(parts, " ,") + "}"
	}
}

func BenchmarkDuplicateKey(b *testing.B) {
	var body strings.Builder
	body.WriteString(`{"batch_id":"b1","sequence":1,"entries":[`)
	for i := range 500 {
		if i > 0 {
			body.WriteString(",")
		}
		fmt.Fprintf(&body, `{"camera_id":"0b0e6f4e-7b4e-5a43-9a4f-%012d","day":"2026-10-%02d","in_service":true,"recorded_seconds":86400,"stored_bytes":123456789}`, i, i%28+1)
	}
	body.WriteString("]}")
	raw := []byte(body.String())
	b.Run("bytes", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			duplicateKey(raw)
		}
	})
	b.Run("tokens", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			tokenDuplicateKey(raw)
		}
	})
}
