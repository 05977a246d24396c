package httpapi_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/camcloud/accounts/accounts/account"
)

// TestPatchAccountIsAMergePatch: PATCH /v1/accounts/{id} is a JSON merge patch (RFC 7396): a
// member left out stays as it is, null clears it where an account may lack it, and the address
// is merged field by field. A refused patch writes nothing.
func TestPatchAccountIsAMergePatch(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	full := account.Address{Line1: "10 Main Street", Line2: "Building B", City: "Lyon", PostalCode: "69001", Region: "Rhône", Country: "FR"}
	with := func(change func(*account.Address)) account.Address {
		a := full
		change(&a)
		return a
	}
	tests := []struct {
		name     string
		body     any
		status   int
		problem  string // problem type of a refusal
		field    string // the field a validation problem names
		wantName string
		wantAddr account.Address
		events   int
	}{
		{name: "only the city", body: `{"address":{"city":"Villeurbanne"}}`, status: http.StatusOK,
			wantAddr: with(func(a *account.Address) { a.City = "Villeurbanne" }), events: 1},
		{name: "only the postal code and the country, lower-case", body: `{"address":{"postal_code":"1000","country":"be"}}`, status: http.StatusOK,
			wantAddr: with(func(a *account.Address) { a.PostalCode, a.Country = "1000", "BE" }), events: 1},
		{name: "null clears an optional field", body: `{"address":{"line2":null,"region":null}}`, status: http.StatusOK,
			wantAddr: with(func(a *account.Address) { a.Line2, a.Region = "", "" }), events: 1},
		{name: "the name alone keeps the address", body: `{"name":"Renamed"}`, status: http.StatusOK,
			wantName: "Renamed", wantAddr: full, events: 1},
		{name: "name and one address field", body: `{"name":"Both","address":{"line1":"2 Quai"}}`, status: http.StatusOK,
			wantName: "Both", wantAddr: with(func(a *account.Address) { a.Line1 = "2 Quai" }), events: 2},
		{name: "an empty address patch changes nothing", body: `{"address":{}}`, status: http.StatusOK, wantAddr: full},
		{name: "the same value changes nothing", body: `{"address":{"city":" Lyon "}}`, status: http.StatusOK, wantAddr: full},
		{name: "null for a required field", body: `{"address":{"city":null}}`, status: http.StatusUnprocessableEntity,
			problem: "/problems/validation-failed", field: "address.city"},
		{name: "empty required field", body: `{"address":{"line1":"  "}}`, status: http.StatusUnprocessableEntity,
			problem: "/problems/validation-failed", field: "address.line1"},
		{name: "a bad field among good ones changes none", body: `{"address":{"city":"Paris","country":"France"}}`, status: http.StatusUnprocessableEntity,
			problem: "/problems/validation-failed", field: "address.country"},
		{name: "null address", body: `{"address":null}`, status: http.StatusUnprocessableEntity,
			problem: "/problems/validation-failed", field: "address"},
		{name: "null name", body: `{"name":null}`, status: http.StatusUnprocessableEntity,
			problem: "/problems/validation-failed", field: "name"},
		{name: "unknown address field", body: `{"address":{"town":"Paris"}}`, status: http.StatusBadRequest,
			problem: "/problems/malformed-request"},
		{name: "address of the wrong type", body: `{"address":{"city":5}}`, status: http.StatusBadRequest,
			problem: "/problems/malformed-request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var acc created
			h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts", Body: map[string]any{
				"kind": "customer", "name": "Patched", "address": full, "first_user": firstUser(),
			}}).expect(t, http.StatusCreated, &acc)
			before, _ := h.get(t, acc.ID, h.lastPosition(t).String())
			events := h.eventCount(t)

			resp := h.do(t, req{Method: http.MethodPatch, Path: "/v1/accounts/" + acc.ID, Body: tc.body})
			if tc.status != http.StatusOK {
				p := resp.expectProblem(t, tc.status, tc.problem)
				if tc.field != "" && p.Field != tc.field {
					t.Errorf("problem names field %q, want %q", p.Field, tc.field)
				}
				if n := h.eventCount(t); n != events {
					t.Fatalf("a refused patch appended %d events", n-events)
				}
				if after, _ := h.get(t, acc.ID, h.lastPosition(t).String()); after != before {
					t.Fatalf("a refused patch changed the account: %+v, was %+v", after, before)
				}
				return
			}
			var ans commandAnswer
			resp.expect(t, http.StatusOK, &ans)
			if n := h.eventCount(t) - events; n != tc.events {
				t.Errorf("%d events appended, want %d", n, tc.events)
			}
			after, _ := h.get(t, acc.ID, ans.Position)
			wantName := tc.wantName
			if wantName == "" {
				wantName = before.Name
			}
			if after.Address != tc.wantAddr || after.Name != wantName {
				t.Fatalf("after the patch: name %q, address %+v; want %q, %+v", after.Name, after.Address, wantName, tc.wantAddr)
			}
		})
	}
}

// TestConcurrentAddressPatchesKeepEachOther: two clients patching different fields of the address
// at once both see their change kept; the merge happens on the address as it is when the change
// is decided, not on what the client last read.
func TestConcurrentAddressPatchesKeepEachOther(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	acc, _ := h.create(t, "", "customer", "Concurrent")
	patches := []map[string]any{
		{"city": "Villeurbanne"}, {"postal_code": "69100"}, {"line2": "Floor 3"}, {"region": "Auvergne-Rhône-Alpes"},
	}
	var wg sync.WaitGroup
	answers := make([]response, len(patches))
	for i, p := range patches {
		wg.Go(func() {
			answers[i] = h.do(t, req{Method: http.MethodPatch, Path: "/v1/accounts/" + acc.ID, Body: map[string]any{"address": p}})
		})
	}
	wg.Wait()
	for i, resp := range answers {
		if resp.Status != http.StatusOK {
			t.Fatalf("patch %d: status %d: %s", i, resp.Status, resp.Body)
		}
	}
	got, _ := h.get(t, acc.ID, h.lastPosition(t).String())
	want := account.Address{Line1: testAddress.Line1, Line2: "Floor 3", City: "Villeurbanne", PostalCode: "69100", Region: "Auvergne-Rhône-Alpes", Country: testAddress.Country}
	if got.Address != want {
		t.Fatalf("address %+v, want every patch kept: %+v", got.Address, want)
	}
}
