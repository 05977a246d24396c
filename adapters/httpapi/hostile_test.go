package httpapi_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestHostileText sends look-alike, invisible and broken text: each is refused with a clear
// problem naming the field, and writes nothing.
func TestHostileText(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := func(name, email string) string {
		return fmt.Sprintf(`{"kind":"customer","name":%q,"address":{"line1":"1 Road","city":"Oslo","country":"NO"},"first_user":{"username":"hostile.first","email":%q}}`, name, email)
	}
	const (
		malformed  = "/problems/malformed-request"
		validation = "/problems/validation-failed"
		mediaType  = "/problems/unsupported-media-type"
	)
	tests := []struct {
		name      string
		body      string
		header    map[string]string
		status    int
		typ       string
		field     string
		detailHas string
	}{
		{name: "name with a right-to-left override", body: body("Acme\u202eexe.gpj", "a@example.test"), status: 422, typ: validation, field: "name", detailHas: "U+202E"},
		{name: "name made of zero width spaces", body: body("\u200b\u200b", "a@example.test"), status: 422, typ: validation, field: "name", detailHas: "U+200B"},
		{name: "name with a byte order mark inside", body: body("Ac\ufeffme", "a@example.test"), status: 422, typ: validation, field: "name", detailHas: "U+FEFF"},
		{name: "name of joiners only", body: body("\u200d\u200c", "a@example.test"), status: 422, typ: validation, field: "name", detailHas: "visible"},
		{name: "address line with a bidi isolate", body: strings.Replace(body("Acme", "a@example.test"), "1 Road", "1 Road\u2067", 1), status: 422, typ: validation, field: "address.line1", detailHas: "U+2067"},
		{name: "e-mail with a right-to-left override", body: body("Acme", "\u202emoc.elpmaxe@enaj"), status: 422, typ: validation, field: "first_user.email", detailHas: "U+202E"},
		{name: "e-mail with a zero width space", body: body("Acme", "ja\u200bne@example.test"), status: 422, typ: validation, field: "first_user.email", detailHas: "U+200B"},
		{name: "invalid UTF-8 in a string", body: strings.Replace(body("Acme", "a@example.test"), "Acme", "Ac\xffme", 1), status: 400, typ: malformed, detailHas: "not valid UTF-8"},
		{name: "invalid UTF-8 outside strings", body: "\xfe" + body("Acme", "a@example.test"), status: 400, typ: malformed, detailHas: "not valid UTF-8 (at byte 0)"},
		{name: "a key twice", body: `{"kind":"customer","kind":"partner","name":"A","address":{"line1":"1","city":"c","country":"US"}}`, status: 400, typ: malformed, field: "kind", detailHas: `"kind"`},
		{name: "a key twice, once escaped", body: `{"kind":"customer","\u006bind":"partner","name":"A","address":{"line1":"1","city":"c","country":"US"}}`, status: 400, typ: malformed, field: "kind"},
		{name: "a key in another case is unknown, not a second kind", body: `{"kind":"customer","KIND":"partner","name":"A","address":{"line1":"1","city":"c","country":"US"}}`, status: 400, typ: malformed, detailHas: `unknown field "KIND"`},
		{name: "a key folded with the Kelvin sign is unknown", body: `{"kind":"customer","\u212aind":"partner","name":"A","address":{"line1":"1","city":"c","country":"US"}}`, status: 400, typ: malformed, detailHas: "unknown field"},
		{name: "a nested key twice", body: `{"kind":"customer","name":"A","address":{"line1":"1","city":"c","city":"d","country":"US"}}`, status: 400, typ: malformed, field: "address.city"},
		{name: "a key twice in the first user", body: `{"kind":"customer","name":"A","address":{"line1":"1","city":"c","country":"US"},"first_user":{"email":"a@example.test","email":"b@example.test"}}`, status: 400, typ: malformed, field: "first_user.email"},
		{name: "a hidden key is not echoed raw", body: `{"kind":"customer","name":"A","address":{"line1":"1","city":"c","country":"US"},"\u202ex":1,"\u202ex":2}`, status: 400, typ: malformed, detailHas: `"\u202ex"`},
		{name: "charset latin1", body: body("Acme", "a@example.test"), header: map[string]string{"Content-Type": "application/json; charset=latin1"}, status: 415, typ: mediaType, detailHas: "UTF-8"},
		{name: "charset utf-16", body: body("Acme", "a@example.test"), header: map[string]string{"Content-Type": "application/json; charset=utf-16"}, status: 415, typ: mediaType},
	}
	before := h.eventCount(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts", Body: tt.body, Header: tt.header})
			p := resp.expectProblem(t, tt.status, tt.typ)
			if tt.field != "" && p.Field != tt.field && !strings.HasSuffix(p.Field, "."+tt.field) {
				t.Errorf("problem field %q, want %q", p.Field, tt.field)
			}
			if !strings.Contains(p.Detail, tt.detailHas) {
				t.Errorf("detail %q, want it to contain %q", p.Detail, tt.detailHas)
			}
		})
	}
	if after := h.eventCount(t); after != before {
		t.Fatalf("refused requests wrote %d events", after-before)
	}

	t.Run("names are stored in NFC", func(t *testing.T) {
		c, pos := h.create(t, "", "partner", "Cafe\u0301 Lumie\u0300re")
		a, _ := h.get(t, c.ID, pos)
		if a.Name != "Caf\u00e9 Lumi\u00e8re" {
			t.Fatalf("name %+q, want the composed %+q", a.Name, "Caf\u00e9 Lumi\u00e8re")
		}
	})
	t.Run("charset utf-8 is accepted", func(t *testing.T) {
		h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts", Body: body("Charset", "first-charset@example.test"),
			Header: map[string]string{"Content-Type": "application/json; charset=UTF-8"}}).expect(t, http.StatusCreated, &created{})
	})
}

// TestSecurityHeaders: every answer, a resource, a problem or the router's own, carries
// Cache-Control: no-store and X-Content-Type-Options: nosniff.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, r := range []req{
		{Method: http.MethodGet, Path: "/v1/accounts/" + rootID},
		{Method: http.MethodGet, Path: "/v1/me"},
		{Method: http.MethodGet, Path: "/v1/sessions"},
		{Method: http.MethodGet, Path: "/v1/accounts/00000000-0000-4000-8000-000000000000"},
		{Method: http.MethodGet, Path: "/v1/me", Header: map[string]string{"Authorization": ""}},
		{Method: http.MethodPut, Path: "/v1/me"},
		{Method: http.MethodGet, Path: "/nowhere"},
		{Method: http.MethodGet, Path: "/healthz"},
		{Method: http.MethodPost, Path: "/v1/sign-in", Body: map[string]string{"username": "admin", "password": "wrong"}, Header: map[string]string{"Authorization": ""}},
	} {
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			resp := h.do(t, r)
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("status %d: Cache-Control %q, want no-store", resp.Status, got)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("status %d: X-Content-Type-Options %q, want nosniff", resp.Status, got)
			}
		})
	}
}

// rawGet sends path byte for byte (no client cleans or re-encodes it) and returns the answer.
func (h *harness) rawGet(t *testing.T, path string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n", path, h.token)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

// TestPathsAreNotCleaned: a path with dot segments, encoded slashes or doubled slashes answers a
// problem+json 404; the router never redirects to a cleaned path (a 301 to /etc/passwd).
func TestPathsAreNotCleaned(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, path := range []string{
		"/v1/accounts/..%2f..%2fetc%2fpasswd",
		"/v1/accounts/..%2F..%2Fetc%2Fpasswd",
		"/v1/accounts/../../etc/passwd",
		"/v1/accounts/" + rootID + "/../" + rootID,
		"/v1/./accounts/" + rootID,
		"//v1/accounts/" + rootID,
		"/v1/accounts/" + rootID + "%2fchildren",
		"/v1/users/%2e%2e",
		"/v1/accounts/%2e%2e/" + rootID,
	} {
		t.Run(path, func(t *testing.T) {
			resp := h.rawGet(t, path)
			if resp.StatusCode != http.StatusNotFound {
				t.Fatalf("status %d (Location %q), want 404", resp.StatusCode, resp.Header.Get("Location"))
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("Content-Type %q, want application/problem+json", ct)
			}
		})
	}
	if resp := h.rawGet(t, "/v1/accounts/"+rootID); resp.StatusCode != http.StatusOK {
		t.Fatalf("the clean path answers %d, want 200", resp.StatusCode)
	}
}

// TestSignInWithBrokenUserAgent: a User-Agent that is not UTF-8, or long enough to be cut in the
// middle of a multi-byte character, is stored as valid text; sign-in works (it answered 500 when
// PostgreSQL refused the bytes).
func TestSignInWithBrokenUserAgent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for name, ua := range map[string]string{
		"cut inside a character": strings.Repeat("a", 199) + strings.Repeat("\u00e9", 10),
		"not UTF-8":              "Browser/1.0 \xff\xfe",
		"a lone continuation":    "\x80" + strings.Repeat("\u20ac", 100),
	} {
		t.Run(name, func(t *testing.T) {
			var out struct {
				Token   string       `json:"token"`
				Session identSession `json:"session"`
			}
			h.do(t, req{Method: http.MethodPost, Path: "/v1/sign-in", Body: map[string]string{"username": "admin", "password": strongPassword},
				Header: map[string]string{"Authorization": "", "User-Agent": ua}}).expect(t, http.StatusOK, &out)
			if !utf8.ValidString(out.Session.UserAgent) || len(out.Session.UserAgent) > 200 {
				t.Fatalf("stored user agent %q: want valid UTF-8 of at most 200 bytes", out.Session.UserAgent)
			}
		})
	}
}
