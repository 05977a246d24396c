package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/accounts/accountcmd"
	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/adapters/httpapi"
	"github.com/camcloud/accounts/eventstore"
)

var regCodePattern = regexp.MustCompile(`^[2-9A-HJKMNP-TV-Z]{5}-[2-9A-HJKMNP-TV-Z]{5}-[2-9A-HJKMNP-TV-Z]{5}$`)

func TestCreateAndGetAccount(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ids := map[string]string{"root": rootID}

	tests := []struct {
		name   string
		key    string // remembers the new account's id under this key
		parent string // key of the parent; "" sends no parent_id
		body   map[string]any
		want   accountDoc // the test fills in the id, parent, code and times
	}{
		{
			name: "partner under the default parent (platform root)",
			key:  "partner",
			body: map[string]any{"kind": "partner", "name": "Acme Security", "address": testAddress, "first_user": firstUser()},
			want: accountDoc{Kind: "partner", Name: "Acme Security", Address: testAddress},
		},
		{
			name:   "customer under that partner",
			key:    "customer",
			parent: "partner",
			body:   map[string]any{"kind": "customer", "name": "Bakery Dupont", "address": testAddress, "first_user": firstUser()},
			want:   accountDoc{Kind: "customer", Name: "Bakery Dupont", Address: testAddress},
		},
		{
			name:   "sub-partner under that partner",
			key:    "subpartner",
			parent: "partner",
			body:   map[string]any{"kind": "partner", "name": "Acme Sud", "address": testAddress, "first_user": firstUser()},
			want:   accountDoc{Kind: "partner", Name: "Acme Sud", Address: testAddress},
		},
		{
			name:   "explicit platform root parent, input normalized",
			key:    "normalized",
			parent: "root",
			body: map[string]any{"kind": "customer", "name": "  Café Ünïcode  ", "first_user": firstUser(), "address": map[string]string{
				"line1": " 1 Rue Haute ", "city": "Genève", "country": "ch", "postal_code": "1204",
			}},
			want: accountDoc{Kind: "customer", Name: "Café Ünïcode", Address: account.Address{
				Line1: "1 Rue Haute", City: "Genève", Country: "CH", PostalCode: "1204",
			}},
		},
		{
			name:   "name of exactly 200 runes",
			key:    "long",
			parent: "root",
			body:   map[string]any{"kind": "customer", "name": strings.Repeat("é", 200), "address": testAddress, "first_user": firstUser()},
			want:   accountDoc{Kind: "customer", Name: strings.Repeat("é", 200), Address: testAddress},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantParent := rootID
			if tc.parent != "" {
				wantParent = ids[tc.parent]
				tc.body["parent_id"] = wantParent
			}
			before := h.eventCount(t)

			resp := h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts", Body: tc.body})
			var c created
			resp.expect(t, http.StatusCreated, &c)
			if _, err := uuid.Parse(c.ID); err != nil {
				t.Fatalf("id %q is not a UUID", c.ID)
			}
			ids[tc.key] = c.ID
			if got, want := resp.Header.Get("Location"), "/v1/accounts/"+c.ID; got != want {
				t.Errorf("Location %q, want %q", got, want)
			}
			if got := resp.Header.Get("ETag"); got != etag(0) {
				t.Errorf("ETag %q, want %q", got, etag(0))
			}
			pos := resp.Header.Get("X-Position")
			if _, err := eventstore.ParsePosition(pos); err != nil {
				t.Fatalf("X-Position %q: %v", pos, err)
			}
			if c.Position != pos || c.Revision != 0 {
				t.Errorf("body says revision %d position %q, headers say 0 and %q", c.Revision, c.Position, pos)
			}
			if !regCodePattern.MatchString(c.RegistrationCode) {
				t.Errorf("registration code %q is not canonical", c.RegistrationCode)
			}
			// The account and its code reservation; the first user's username and e-mail
			// reservations and invitation.
			if got := h.eventCount(t); got != before+5 {
				t.Errorf("%d events appended, want 5", got-before)
			}

			got, getResp := h.get(t, c.ID, pos) // read-your-writes
			want := tc.want
			want.ID, want.ParentID, want.RegistrationCode = c.ID, wantParent, c.RegistrationCode
			want.CreatedAt, want.UpdatedAt = got.CreatedAt, got.UpdatedAt
			want.Status, want.EffectiveStatus = "active", "active"
			if got != want {
				t.Errorf("GET returned\n %+v\nwant\n %+v", got, want)
			}
			if got.CreatedAt.IsZero() || !got.UpdatedAt.Equal(got.CreatedAt) {
				t.Errorf("created_at %v, updated_at %v: want equal and set", got.CreatedAt, got.UpdatedAt)
			}
			if et := getResp.Header.Get("ETag"); et != etag(0) {
				t.Errorf("GET ETag %q, want %q", et, etag(0))
			}
		})
	}

	t.Run("tree", func(t *testing.T) {
		kids, _ := h.children(t, rootID, "", 50)
		var names []string
		for _, k := range kids {
			names = append(names, k.Name)
		}
		want := []string{"Acme Security", "Café Ünïcode", strings.Repeat("é", 200)}
		if !slices.Equal(names, want) {
			t.Errorf("root's children %q, want %q", names, want)
		}
		kids, _ = h.children(t, ids["partner"], "", 50)
		names = names[:0]
		for _, k := range kids {
			names = append(names, k.Name)
		}
		if want := []string{"Acme Sud", "Bakery Dupont"}; !slices.Equal(names, want) {
			t.Errorf("partner's children %q, want %q", names, want)
		}
	})
}

func TestGetPlatformRoot(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	root, resp := h.get(t, rootID, "")
	if root.ID != rootID || root.ParentID != "" || root.Kind != "partner" || root.Name != "Platform" || root.Revision != 0 {
		t.Errorf("root is %+v", root)
	}
	if resp.Header.Get("ETag") != etag(0) {
		t.Errorf("ETag %q", resp.Header.Get("ETag"))
	}
}

func TestUpdateAccount(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	acc, _ := h.create(t, "", "partner", "Before")
	newAddress := account.Address{Line1: "5 New Road", City: "Leeds", Country: "GB"}

	tests := []struct {
		name     string
		body     map[string]any
		ifMatch  func(current uint64) string // "" sends none
		wantBump uint64                      // how many events the PATCH adds
		wantName string
		wantAddr account.Address
	}{
		{name: "rename", body: map[string]any{"name": "Renamed"}, wantBump: 1, wantName: "Renamed", wantAddr: testAddress},
		{name: "new address", body: map[string]any{"address": newAddress}, wantBump: 1, wantName: "Renamed", wantAddr: newAddress},
		{
			name:     "both with a matching If-Match",
			body:     map[string]any{"name": "Both", "address": testAddress},
			ifMatch:  func(cur uint64) string { return etag(cur) },
			wantBump: 2, wantName: "Both", wantAddr: testAddress,
		},
		{
			name:     "If-Match *",
			body:     map[string]any{"name": "Star"},
			ifMatch:  func(uint64) string { return "*" },
			wantBump: 1, wantName: "Star", wantAddr: testAddress,
		},
		{
			name:     "unchanged name adds nothing",
			body:     map[string]any{"name": "  Star "},
			wantBump: 0, wantName: "Star", wantAddr: testAddress,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			current, _ := h.get(t, acc.ID, h.lastPosition(t).String())
			before := h.eventCount(t)
			r := req{Method: http.MethodPatch, Path: "/v1/accounts/" + acc.ID, Body: tc.body}
			if tc.ifMatch != nil {
				r.Header = map[string]string{"If-Match": tc.ifMatch(current.Revision)}
			}
			resp := h.do(t, r)
			var ans commandAnswer
			resp.expect(t, http.StatusOK, &ans)
			wantRev := current.Revision + tc.wantBump
			if ans.ID != acc.ID || ans.Revision != wantRev {
				t.Errorf("answer %+v, want id %s revision %d", ans, acc.ID, wantRev)
			}
			if got := resp.Header.Get("ETag"); got != etag(wantRev) {
				t.Errorf("ETag %q, want %q", got, etag(wantRev))
			}
			if got := resp.Header.Get("X-Position"); got != ans.Position {
				t.Errorf("X-Position %q, body position %q", got, ans.Position)
			}
			if got := h.eventCount(t) - before; got != int(tc.wantBump) {
				t.Errorf("%d events appended, want %d", got, tc.wantBump)
			}
			got, getResp := h.get(t, acc.ID, ans.Position)
			if got.Name != tc.wantName || got.Address != tc.wantAddr || got.Revision != wantRev {
				t.Errorf("after PATCH: %+v, want name %q address %+v revision %d", got, tc.wantName, tc.wantAddr, wantRev)
			}
			if et := getResp.Header.Get("ETag"); et != etag(wantRev) {
				t.Errorf("GET ETag %q, want %q", et, etag(wantRev))
			}
			if tc.wantBump > 0 && !got.UpdatedAt.After(got.CreatedAt) {
				t.Errorf("updated_at %v not after created_at %v", got.UpdatedAt, got.CreatedAt)
			}
		})
	}
	t.Run("weak ETag in If-Match matches nothing", func(t *testing.T) {
		// If-Match compares strongly (RFC 9110, 13.1.1).
		current, _ := h.get(t, acc.ID, h.lastPosition(t).String())
		before := h.eventCount(t)
		h.do(t, req{Method: http.MethodPatch, Path: "/v1/accounts/" + acc.ID, Body: map[string]any{"name": "Weak"},
			Header: map[string]string{"If-Match": "W/" + etag(current.Revision)}}).expectProblem(t, http.StatusPreconditionFailed, "/problems/revision-mismatch")
		if got := h.eventCount(t) - before; got != 0 {
			t.Errorf("%d events appended, want none", got)
		}
	})

	t.Run("stale If-Match", func(t *testing.T) {
		current, _ := h.get(t, acc.ID, h.lastPosition(t).String())
		before := h.eventCount(t)
		for _, stale := range []uint64{current.Revision - 1, current.Revision + 1, 0} {
			resp := h.do(t, req{
				Method: http.MethodPatch, Path: "/v1/accounts/" + acc.ID,
				Body:   map[string]any{"name": "Lost update"},
				Header: map[string]string{"If-Match": etag(stale)},
			})
			resp.expectProblem(t, http.StatusPreconditionFailed, "/problems/revision-mismatch")
		}
		if got := h.eventCount(t); got != before {
			t.Errorf("%d events appended by refused PATCHes", got-before)
		}
		if after, _ := h.get(t, acc.ID, h.lastPosition(t).String()); after != current {
			t.Errorf("account changed: %+v, was %+v", after, current)
		}
	})
}

func TestRotateRegistrationCode(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	acc, pos := h.create(t, "", "customer", "Rotating")
	before, _ := h.get(t, acc.ID, pos)
	oldCode := account.RegistrationCode(acc.RegistrationCode)

	resp := h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + acc.ID + "/registration-code:rotate"})
	var ans struct {
		commandAnswer
		RegistrationCode string `json:"registration_code"`
	}
	resp.expect(t, http.StatusOK, &ans)
	if ans.RegistrationCode == acc.RegistrationCode || !regCodePattern.MatchString(ans.RegistrationCode) {
		t.Fatalf("new code %q (old %q)", ans.RegistrationCode, acc.RegistrationCode)
	}
	if ans.Revision != 1 || resp.Header.Get("ETag") != etag(1) || resp.Header.Get("X-Position") != ans.Position {
		t.Errorf("answer %+v, headers ETag %q X-Position %q", ans, resp.Header.Get("ETag"), resp.Header.Get("X-Position"))
	}

	after, getResp := h.get(t, acc.ID, ans.Position)
	if after.RegistrationCode != ans.RegistrationCode || after.Revision != 1 || getResp.Header.Get("ETag") != etag(1) {
		t.Errorf("after rotation GET says %+v", after)
	}
	if after.Name != before.Name || after.Address != before.Address {
		t.Errorf("rotation changed more than the code: %+v, was %+v", after, before)
	}

	ctx := t.Context()
	if _, err := h.queries.ByRegistrationCode(ctx, oldCode); !errors.Is(err, accountview.ErrNotFound) {
		t.Errorf("old code %s still resolves (err %v)", oldCode, err)
	}
	if a, err := h.queries.ByRegistrationCode(ctx, account.RegistrationCode(ans.RegistrationCode)); err != nil || a.ID != acc.ID {
		t.Errorf("new code resolves to %+v, %v; want account %s", a, err, acc.ID)
	}

	t.Run("If-Match", func(t *testing.T) {
		count := h.eventCount(t)
		stale := h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + acc.ID + "/registration-code:rotate", Header: map[string]string{"If-Match": etag(0)}})
		stale.expectProblem(t, http.StatusPreconditionFailed, "/problems/revision-mismatch")
		if got := h.eventCount(t); got != count {
			t.Errorf("stale rotation appended %d events", got-count)
		}
		ok := h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + acc.ID + "/registration-code:rotate", Header: map[string]string{"If-Match": etag(1)}})
		ok.expect(t, http.StatusOK, nil)
		if ok.Header.Get("ETag") != etag(2) {
			t.Errorf("ETag %q, want %q", ok.Header.Get("ETag"), etag(2))
		}
	})
}

func TestListChildrenPaginated(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		name      string
		children  []string
		limit     int
		wantSizes []int
	}{
		{name: "five children two at a time", children: []string{"echo", "alpha", "charlie", "bravo", "delta"}, limit: 2, wantSizes: []int{2, 2, 1}},
		{name: "a full last page ends without an empty page", children: []string{"d", "c", "b", "a"}, limit: 2, wantSizes: []int{2, 2}},
		{name: "equal names are neither repeated nor skipped", children: []string{"same", "same", "same", "other", "same"}, limit: 2, wantSizes: []int{2, 2, 1}},
		{name: "one page of one", children: []string{"only"}, limit: 1, wantSizes: []int{1}},
		{name: "the largest page", children: []string{"x", "y", "z"}, limit: 500, wantSizes: []int{3}},
		{name: "no children", limit: 2, wantSizes: []int{0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parent, pos := h.create(t, "", "partner", "Parent "+tc.name)
			want := map[string]string{} // id -> name
			for _, name := range tc.children {
				c, p := h.create(t, parent.ID, "customer", name)
				want[c.ID], pos = name, p
			}
			got, sizes := h.children(t, parent.ID, pos, tc.limit)
			if !slices.Equal(sizes, tc.wantSizes) {
				t.Errorf("page sizes %v, want %v", sizes, tc.wantSizes)
			}
			seen := map[string]bool{}
			for i, a := range got {
				if seen[a.ID] {
					t.Errorf("%s (%s) listed twice", a.ID, a.Name)
				}
				seen[a.ID] = true
				if want[a.ID] != a.Name || a.ParentID != parent.ID {
					t.Errorf("listed %+v, which is not a child created here", a)
				}
				if i > 0 {
					prev := got[i-1]
					if prev.Name > a.Name || prev.Name == a.Name && prev.ID >= a.ID {
						t.Errorf("not in (name, id) order: %q/%s before %q/%s", prev.Name, prev.ID, a.Name, a.ID)
					}
				}
			}
			if len(seen) != len(want) {
				t.Errorf("listed %d children, want %d", len(seen), len(want))
			}
		})
	}

	t.Run("default limit", func(t *testing.T) {
		var p page
		h.do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + rootID + "/children"}).expect(t, http.StatusOK, &p)
		if len(p.Items) != len(tests) || p.NextCursor != "" {
			t.Errorf("root lists %d children (next %q), want %d on one page", len(p.Items), p.NextCursor, len(tests))
		}
	})
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, tc := range []struct{ path, status string }{{"/healthz", "ok"}, {"/readyz", "ready"}} {
		t.Run(tc.path, func(t *testing.T) {
			var body map[string]string
			h.do(t, req{Method: http.MethodGet, Path: tc.path}).expect(t, http.StatusOK, &body)
			if body["status"] != tc.status {
				t.Errorf("body %v, want status %q", body, tc.status)
			}
		})
	}

	t.Run("not ready", func(t *testing.T) {
		srv := httptest.NewServer(httpapi.New(httpapi.Config{Ready: func(context.Context) error { return errors.New("database down") }}))
		defer srv.Close()
		down := &harness{srv: srv}
		resp := down.do(t, req{Method: http.MethodGet, Path: "/readyz"})
		p := resp.expectProblem(t, http.StatusServiceUnavailable, "/problems/unavailable")
		if strings.Contains(string(resp.Body), "database down") || p.Detail != "" {
			t.Errorf("readiness problem leaks the cause: %s", resp.Body)
		}
		// Liveness does not depend on the database.
		down.do(t, req{Method: http.MethodGet, Path: "/healthz"}).expect(t, http.StatusOK, nil)
	})
}

func TestRequestIDBecomesCorrelationID(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		name, sent string
		echoed     bool
	}{
		{"sane id is kept", "req-42.abc", true},
		{"id with a space is replaced", "req 42", false},
		{"overlong id is replaced", strings.Repeat("a", 65), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := h.do(t, req{
				Method: http.MethodPost, Path: "/v1/accounts",
				Body:   map[string]any{"kind": "customer", "name": tc.name, "address": testAddress, "first_user": firstUser()},
				Header: map[string]string{"X-Request-ID": tc.sent},
			})
			var c created
			resp.expect(t, http.StatusCreated, &c)
			id := resp.Header.Get("X-Request-ID")
			if (id == tc.sent) != tc.echoed || id == "" {
				t.Errorf("sent X-Request-ID %q, got back %q", tc.sent, id)
			}
			events, err := h.store.ReadStream(t.Context(), accountcmd.AccountStream(c.ID), 0, eventstore.Forwards, 10)
			if err != nil || len(events) != 1 {
				t.Fatalf("stream: %d events, %v", len(events), err)
			}
			if m := events[0].Metadata; m.CorrelationID != id || m.Actor == "" || m.AccountID != c.ID {
				t.Errorf("event metadata %+v, want correlation id %q", m, id)
			}
		})
	}
}

// TestConcurrentPatches renames one account from many clients at once, without If-Match: the
// command layer reloads and decides again on a conflict, so every rename lands or, after too many
// conflicts, is refused with 409; none is lost or applied twice.
func TestConcurrentPatches(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	acc, _ := h.create(t, "", "partner", "Contended")

	const clients = 10
	type outcome struct {
		status   int
		revision uint64
		position string
		name     string
		body     string
	}
	outcomes := make(chan outcome, clients)
	start := make(chan struct{})
	client := h.srv.Client()
	for i := range clients {
		go func() {
			<-start
			name := "Name " + strconv.Itoa(i)
			r, err := http.NewRequest(http.MethodPatch, h.srv.URL+"/v1/accounts/"+acc.ID, strings.NewReader(`{"name":"`+name+`"}`))
			if err != nil {
				outcomes <- outcome{body: err.Error()}
				return
			}
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+h.token)
			resp, err := client.Do(r)
			if err != nil {
				outcomes <- outcome{body: err.Error()}
				return
			}
			defer resp.Body.Close()
			var ans commandAnswer
			o := outcome{status: resp.StatusCode, name: name}
			if resp.StatusCode == http.StatusOK {
				if err := decodeStrict(resp.Body, &ans); err != nil {
					o.body = err.Error()
				}
				o.revision, o.position = ans.Revision, ans.Position
			} else {
				o.body = resp.Header.Get("Content-Type")
			}
			outcomes <- o
		}()
	}
	close(start)

	var succeeded, conflicted int
	revisions := map[uint64]string{}
	var last outcome
	for range clients {
		o := <-outcomes
		switch o.status {
		case http.StatusOK:
			succeeded++
			if other, dup := revisions[o.revision]; dup {
				t.Errorf("%q and %q both report revision %d", other, o.name, o.revision)
			}
			revisions[o.revision] = o.name
			if o.revision >= last.revision {
				last = o
			}
		case http.StatusConflict:
			conflicted++
			if o.body != "application/problem+json" {
				t.Errorf("409 with Content-Type %q", o.body)
			}
		default:
			t.Errorf("PATCH %q: status %d (%s)", o.name, o.status, o.body)
		}
	}
	t.Logf("%d renames succeeded, %d gave up with 409", succeeded, conflicted)
	if succeeded == 0 {
		t.Fatal("no rename succeeded")
	}

	streamRev := h.streamRevision(t, acc.ID)
	if streamRev != int64(succeeded) {
		t.Errorf("stream at revision %d after %d successful renames of a new account", streamRev, succeeded)
	}
	final, resp := h.get(t, acc.ID, h.lastPosition(t).String())
	if int64(final.Revision) != streamRev || resp.Header.Get("ETag") != etag(uint64(streamRev)) {
		t.Errorf("read model at revision %d (ETag %s), stream at %d", final.Revision, resp.Header.Get("ETag"), streamRev)
	}
	if final.Name != last.name || last.revision != final.Revision {
		t.Errorf("final name %q, want %q: the rename that reported the highest revision (%d)", final.Name, last.name, last.revision)
	}
}

// TestMinPositionNotReached asks for a position the read models will not reach in time: the
// answer is a 503 problem with Retry-After, not stale data.
func TestMinPositionNotReached(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	cfg := h.cfg
	cfg.MaxWait = 50 * time.Millisecond
	impatient := &harness{srv: httptest.NewServer(cfg.api()), token: h.token}
	defer impatient.srv.Close()

	future := eventstore.Position{Commit: 1 << 40, Prepare: 1 << 40}.String()
	for name, path := range map[string]string{"account": "/v1/accounts/" + rootID, "children": "/v1/accounts/" + rootID + "/children"} {
		t.Run(name, func(t *testing.T) {
			resp := impatient.do(t, req{Method: http.MethodGet, Path: path + "?min_position=" + future})
			resp.expectProblem(t, http.StatusServiceUnavailable, "/problems/not-yet-consistent")
			if resp.Header.Get("Retry-After") == "" {
				t.Error("no Retry-After")
			}
			// A position already reached answers at once.
			impatient.do(t, req{Method: http.MethodGet, Path: path + "?min_position=" + h.lastPosition(t).String()}).expect(t, http.StatusOK, nil)
		})
	}
}
