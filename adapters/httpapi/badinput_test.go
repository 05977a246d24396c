package httpapi_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestBadInput sends requests the API must refuse: each gets a problem+json answer with the
// right status and stable type, and changes nothing (no event appended, no account changed).
func TestBadInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	partner, _ := h.create(t, "", "partner", "Partner")
	customer, pos := h.create(t, partner.ID, "customer", "Customer")
	h.get(t, customer.ID, pos) // the read model has both

	address := map[string]any{"line1": "1 Road", "city": "Oslo", "country": "NO"}
	without := func(field string) map[string]any {
		a := map[string]any{}
		for k, v := range address {
			if k != field {
				a[k] = v
			}
		}
		return a
	}
	with := func(field string, value any) map[string]any {
		a := without(field)
		a[field] = value
		return a
	}
	create := func(kind, name string, addr map[string]any) map[string]any {
		return map[string]any{"kind": kind, "name": name, "address": addr}
	}
	cursor := func(raw string) string { return base64.RawURLEncoding.EncodeToString([]byte(raw)) }

	const (
		malformed      = "/problems/malformed-request"
		validation     = "/problems/validation-failed"
		notFound       = "/problems/not-found"
		unknownParent  = "/problems/unknown-parent"
		notPartner     = "/problems/parent-not-partner"
		mediaType      = "/problems/unsupported-media-type"
		methodNotAllow = "/problems/method-not-allowed"
	)
	accountPath := "/v1/accounts/" + customer.ID
	childrenPath := "/v1/accounts/" + partner.ID + "/children"

	tests := []struct {
		name      string
		req       req
		status    int
		typ       string
		field     string // the problem's field, when it names one
		detailHas string // a piece of the detail, when it matters
	}{
		// POST /v1/accounts: the body.
		{name: "malformed JSON", req: req{Method: "POST", Path: "/v1/accounts", Body: `{"kind" "customer"}`}, status: 400, typ: malformed, detailHas: "not valid JSON"},
		{name: "truncated JSON", req: req{Method: "POST", Path: "/v1/accounts", Body: `{"kind": "customer", "name":`}, status: 400, typ: malformed},
		{name: "empty body", req: req{Method: "POST", Path: "/v1/accounts", Body: ""}, status: 400, typ: malformed, detailHas: "empty"},
		{name: "JSON array", req: req{Method: "POST", Path: "/v1/accounts", Body: `[]`}, status: 400, typ: malformed},
		{name: "two JSON values", req: req{Method: "POST", Path: "/v1/accounts", Body: `{"kind":"customer","name":"A","address":{"line1":"1","city":"c","country":"US"}} {}`}, status: 400, typ: malformed},
		{name: "unknown field", req: req{Method: "POST", Path: "/v1/accounts", Body: `{"kind":"customer","name":"A","nickname":"a"}`}, status: 400, typ: malformed, detailHas: "nickname"},
		{name: "unknown address field", req: req{Method: "POST", Path: "/v1/accounts", Body: map[string]any{"kind": "customer", "name": "A", "address": with("zip", "1")}}, status: 400, typ: malformed, detailHas: "zip"},
		{name: "name of the wrong type", req: req{Method: "POST", Path: "/v1/accounts", Body: `{"kind":"customer","name":5}`}, status: 400, typ: malformed, field: "name", detailHas: "name"},
		{name: "text/plain body", req: req{Method: "POST", Path: "/v1/accounts", Body: `{}`, Header: map[string]string{"Content-Type": "text/plain"}}, status: 415, typ: mediaType},
		{name: "form body", req: req{Method: "POST", Path: "/v1/accounts", Body: "kind=customer", Header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, status: 415, typ: mediaType},
		{name: "no Content-Type", req: req{Method: "POST", Path: "/v1/accounts", Body: `{}`, Header: map[string]string{"Content-Type": ""}}, status: 415, typ: mediaType},
		{name: "body over 64 KiB", req: req{Method: "POST", Path: "/v1/accounts", Body: create("customer", strings.Repeat("a", 65<<10), address)}, status: 413, typ: "/problems/request-too-large", detailHas: "larger than 65536 bytes"},

		// POST /v1/accounts: the content.
		{name: "empty name", req: req{Method: "POST", Path: "/v1/accounts", Body: create("customer", "", address)}, status: 422, typ: validation, field: "name"},
		{name: "blank name", req: req{Method: "POST", Path: "/v1/accounts", Body: create("customer", " \t ", address)}, status: 422, typ: validation, field: "name"},
		{name: "missing name", req: req{Method: "POST", Path: "/v1/accounts", Body: map[string]any{"kind": "customer", "address": address}}, status: 422, typ: validation, field: "name"},
		{name: "201-rune name", req: req{Method: "POST", Path: "/v1/accounts", Body: create("customer", strings.Repeat("é", 201), address)}, status: 422, typ: validation, field: "name", detailHas: "201"},
		{name: "name with a line break", req: req{Method: "POST", Path: "/v1/accounts", Body: create("customer", "two\nlines", address)}, status: 422, typ: validation, field: "name"},
		{name: "missing address", req: req{Method: "POST", Path: "/v1/accounts", Body: map[string]any{"kind": "customer", "name": "A"}}, status: 422, typ: validation, field: "address.line1"},
		{name: "missing line1", req: req{Method: "POST", Path: "/v1/accounts", Body: create("customer", "A", without("line1"))}, status: 422, typ: validation, field: "address.line1"},
		{name: "missing city", req: req{Method: "POST", Path: "/v1/accounts", Body: create("customer", "A", without("city"))}, status: 422, typ: validation, field: "address.city"},
		{name: "missing country", req: req{Method: "POST", Path: "/v1/accounts", Body: create("customer", "A", without("country"))}, status: 422, typ: validation, field: "address.country"},
		{name: "three-letter country", req: req{Method: "POST", Path: "/v1/accounts", Body: create("customer", "A", with("country", "USA"))}, status: 422, typ: validation, field: "address.country"},
		{name: "country with a digit", req: req{Method: "POST", Path: "/v1/accounts", Body: create("customer", "A", with("country", "U1"))}, status: 422, typ: validation, field: "address.country"},
		{name: "unknown kind", req: req{Method: "POST", Path: "/v1/accounts", Body: create("reseller", "A", address)}, status: 422, typ: validation, field: "kind"},
		{name: "no first user", req: req{Method: "POST", Path: "/v1/accounts", Body: create("customer", "A", address)}, status: 422, typ: validation, field: "first_user.email"},
		{name: "first user without e-mail", req: req{Method: "POST", Path: "/v1/accounts", Body: map[string]any{"kind": "customer", "name": "A", "address": address, "first_user": map[string]string{"username": "someone"}}}, status: 422, typ: validation, field: "first_user.email"},
		{name: "first user's e-mail malformed", req: req{Method: "POST", Path: "/v1/accounts", Body: map[string]any{"kind": "customer", "name": "A", "address": address, "first_user": map[string]string{"email": "not an address"}}}, status: 422, typ: validation, field: "first_user.email"},
		{name: "first user's e-mail taken", req: req{Method: "POST", Path: "/v1/accounts", Body: map[string]any{"kind": "customer", "name": "A", "address": address, "first_user": map[string]string{"email": "admin@example.test"}}}, status: 409, typ: "/problems/already-taken", field: "first_user.email"},
		{name: "missing kind", req: req{Method: "POST", Path: "/v1/accounts", Body: map[string]any{"name": "A", "address": address}}, status: 422, typ: validation, field: "kind"},
		{name: "unknown parent", req: req{Method: "POST", Path: "/v1/accounts", Body: map[string]any{"parent_id": uuid.NewString(), "kind": "customer", "name": "A", "address": address}}, status: 404, typ: notFound},
		{name: "parent that is not a UUID", req: req{Method: "POST", Path: "/v1/accounts", Body: map[string]any{"parent_id": "not-a-uuid", "kind": "customer", "name": "A", "address": address}}, status: 404, typ: notFound},
		{name: "customer as parent", req: req{Method: "POST", Path: "/v1/accounts", Body: map[string]any{"parent_id": customer.ID, "kind": "customer", "name": "A", "address": address}}, status: 422, typ: notPartner, field: "parent_id"},

		// GET /v1/accounts/{id}.
		{name: "GET a missing account", req: req{Method: "GET", Path: "/v1/accounts/" + uuid.NewString()}, status: 404, typ: notFound},
		{name: "GET a non-UUID id", req: req{Method: "GET", Path: "/v1/accounts/nope"}, status: 404, typ: notFound},
		{name: "min_position not a number", req: req{Method: "GET", Path: accountPath + "?min_position=abc"}, status: 400, typ: malformed, field: "min_position"},
		{name: "min_position negative", req: req{Method: "GET", Path: accountPath + "?min_position=-1"}, status: 400, typ: malformed, field: "min_position"},
		{name: "min_position with a bad prepare part", req: req{Method: "GET", Path: accountPath + "?min_position=1/x"}, status: 400, typ: malformed, field: "min_position"},

		// GET /v1/accounts/{id}/children.
		{name: "limit 0", req: req{Method: "GET", Path: childrenPath + "?limit=0"}, status: 400, typ: malformed, field: "limit"},
		{name: "limit 501", req: req{Method: "GET", Path: childrenPath + "?limit=501"}, status: 400, typ: malformed, field: "limit"},
		{name: "limit x", req: req{Method: "GET", Path: childrenPath + "?limit=x"}, status: 400, typ: malformed, field: "limit"},
		{name: "limit -1", req: req{Method: "GET", Path: childrenPath + "?limit=-1"}, status: 400, typ: malformed, field: "limit"},
		{name: "cursor not base64", req: req{Method: "GET", Path: childrenPath + "?cursor=!!!"}, status: 400, typ: malformed, field: "cursor"},
		{name: "cursor not JSON", req: req{Method: "GET", Path: childrenPath + "?cursor=" + cursor("hello")}, status: 400, typ: malformed, field: "cursor"},
		{name: "cursor without an id", req: req{Method: "GET", Path: childrenPath + "?cursor=" + cursor(`{"n":"a"}`)}, status: 400, typ: malformed, field: "cursor"},
		{name: "cursor with a forged id", req: req{Method: "GET", Path: childrenPath + "?cursor=" + cursor(`{"n":"a","i":"'; DROP TABLE accounts; --"}`)}, status: 400, typ: malformed, field: "cursor"},
		{name: "children of a missing account", req: req{Method: "GET", Path: "/v1/accounts/" + uuid.NewString() + "/children"}, status: 404, typ: notFound},
		{name: "children with bad min_position", req: req{Method: "GET", Path: childrenPath + "?min_position=abc"}, status: 400, typ: malformed, field: "min_position"},

		// PATCH /v1/accounts/{id}.
		{name: "PATCH with neither field", req: req{Method: "PATCH", Path: accountPath, Body: `{}`}, status: 422, typ: validation},
		{name: "PATCH with null fields", req: req{Method: "PATCH", Path: accountPath, Body: `{"name":null,"address":null}`}, status: 422, typ: validation, field: "name"}, // merge patch: null clears, and a name cannot be cleared
		{name: "PATCH with malformed If-Match", req: req{Method: "PATCH", Path: accountPath, Body: `{"name":"B"}`, Header: map[string]string{"If-Match": `"abc"`}}, status: 400, typ: malformed},
		{name: "PATCH with empty name", req: req{Method: "PATCH", Path: accountPath, Body: `{"name":""}`}, status: 422, typ: validation, field: "name"},
		{name: "PATCH with bad country", req: req{Method: "PATCH", Path: accountPath, Body: map[string]any{"address": with("country", "XYZ")}}, status: 422, typ: validation, field: "address.country"},
		{name: "PATCH with an unknown field", req: req{Method: "PATCH", Path: accountPath, Body: `{"name":"B","kind":"partner"}`}, status: 400, typ: malformed},
		{name: "PATCH malformed JSON", req: req{Method: "PATCH", Path: accountPath, Body: `{"name":`}, status: 400, typ: malformed},
		{name: "PATCH text/plain", req: req{Method: "PATCH", Path: accountPath, Body: `{"name":"B"}`, Header: map[string]string{"Content-Type": "text/plain"}}, status: 415, typ: mediaType},
		{name: "PATCH a missing account", req: req{Method: "PATCH", Path: "/v1/accounts/" + uuid.NewString(), Body: `{"name":"B"}`}, status: 404, typ: notFound},
		{name: "PATCH a non-UUID id", req: req{Method: "PATCH", Path: "/v1/accounts/nope", Body: `{"name":"B"}`}, status: 404, typ: notFound},
		{name: "PATCH body over 64 KiB", req: req{Method: "PATCH", Path: accountPath, Body: map[string]any{"name": strings.Repeat("a", 65<<10)}}, status: 413, typ: "/problems/request-too-large"},

		// POST /v1/accounts/{id}/registration-code:rotate.
		{name: "rotate with malformed If-Match", req: req{Method: "POST", Path: accountPath + "/registration-code:rotate", Header: map[string]string{"If-Match": "yesterday"}}, status: 400, typ: malformed},
		{name: "rotate a missing account", req: req{Method: "POST", Path: "/v1/accounts/" + uuid.NewString() + "/registration-code:rotate"}, status: 404, typ: notFound},
		{name: "rotate a non-UUID id", req: req{Method: "POST", Path: "/v1/accounts/nope/registration-code:rotate"}, status: 404, typ: notFound},
	}

	snapshot := func(t *testing.T) (events int, p, c accountDoc, kids int) {
		t.Helper()
		events = h.eventCount(t)
		last := h.lastPosition(t).String()
		p, _ = h.get(t, partner.ID, last)
		c, _ = h.get(t, customer.ID, last)
		all, _ := h.children(t, partner.ID, last, 500)
		return events, p, c, len(all)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			events, p, c, kids := snapshot(t)

			resp := h.do(t, tc.req)
			got := resp.expectProblem(t, tc.status, tc.typ)
			if got.Field != tc.field {
				t.Errorf("problem field %q, want %q", got.Field, tc.field)
			}
			if !strings.Contains(got.Detail, tc.detailHas) {
				t.Errorf("problem detail %q does not mention %q", got.Detail, tc.detailHas)
			}
			if resp.Header.Get("ETag") != "" || resp.Header.Get("X-Position") != "" || resp.Header.Get("Location") != "" {
				t.Errorf("a refused request answered with ETag %q, X-Position %q, Location %q",
					resp.Header.Get("ETag"), resp.Header.Get("X-Position"), resp.Header.Get("Location"))
			}

			events2, p2, c2, kids2 := snapshot(t)
			if events2 != events {
				t.Errorf("%d events appended", events2-events)
			}
			if p2 != p || c2 != c {
				t.Errorf("accounts changed:\n %+v\n %+v\nwere\n %+v\n %+v", p2, c2, p, c)
			}
			if kids2 != kids {
				t.Errorf("partner has %d children, had %d", kids2, kids)
			}
		})
	}
}

// TestRouting checks the answers of the router itself: a known path with a method it does not
// serve is 405, an unknown path 404, both as problems.
func TestRouting(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	accountPath := "/v1/accounts/" + rootID
	tests := []struct {
		name   string
		req    req
		status int
		typ    string
	}{
		{name: "DELETE an account", req: req{Method: "DELETE", Path: accountPath}, status: 405, typ: "/problems/method-not-allowed"},
		{name: "PUT an account", req: req{Method: "PUT", Path: accountPath, Body: `{}`}, status: 405, typ: "/problems/method-not-allowed"},
		{name: "GET the account collection", req: req{Method: "GET", Path: "/v1/accounts"}, status: 405, typ: "/problems/method-not-allowed"},
		{name: "POST to children", req: req{Method: "POST", Path: accountPath + "/children", Body: `{}`}, status: 405, typ: "/problems/method-not-allowed"},
		{name: "GET rotate", req: req{Method: "GET", Path: accountPath + "/registration-code:rotate"}, status: 405, typ: "/problems/method-not-allowed"},
		{name: "POST to healthz", req: req{Method: "POST", Path: "/healthz", Body: `{}`}, status: 405, typ: "/problems/method-not-allowed"},
		{name: "unknown path", req: req{Method: "GET", Path: "/v2/accounts"}, status: 404, typ: "/problems/not-found"},
		{name: "unknown path under v1", req: req{Method: "GET", Path: "/v1/users"}, status: 404, typ: "/problems/not-found"},
		{name: "unknown account action", req: req{Method: "POST", Path: accountPath + "/registration-code:reveal"}, status: 404, typ: "/problems/not-found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := h.eventCount(t)
			h.do(t, tc.req).expectProblem(t, tc.status, tc.typ)
			if got := h.eventCount(t); got != before {
				t.Errorf("%d events appended", got-before)
			}
		})
	}
}
