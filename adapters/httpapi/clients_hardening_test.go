package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/camcloud/accounts/identity/group"
)

// chKey is the answer to POST /v1/accounts/{id}/service-clients.
type chKey struct {
	ID       string `json:"id"`
	Revision uint64 `json:"revision"`
	Position string `json:"position"`
	Token    string `json:"token"`
}

// chClient is a service client as GET /v1/accounts/{id}/service-clients lists it.
type chClient struct {
	ID        string     `json:"id"`
	AccountID string     `json:"account_id"`
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes"`
	ExpiresAt *time.Time `json:"expires_at"`
	Revoked   bool       `json:"revoked"`
	Revision  uint64     `json:"revision"`
	CreatedAt time.Time  `json:"created_at"`
}

// chCreate is the request creating a key of an account with scopes.
func chCreate(accountID string, scopes ...string) req {
	return req{Method: http.MethodPost, Path: "/v1/accounts/" + accountID + "/service-clients", Body: map[string]any{"name": "Billing job", "scopes": scopes}}
}

// chReads are the reads a key of both scopes makes on an account: its usage and its invoices.
func chReads(accountID string) []req {
	today := time.Now().UTC().Format(time.DateOnly)
	return []req{
		{Method: http.MethodGet, Path: "/v1/accounts/" + accountID + "/usage?from=" + today + "&to=" + today},
		{Method: http.MethodGet, Path: "/v1/accounts/" + accountID + "/invoices"},
	}
}

// chRefusedAtOnce sends r n times at once and expects each answer to be the problem; the store
// must be as it was (each request's own refusal is checked by do).
func (h *harness) chRefusedAtOnce(t *testing.T, r req, n, status int, typ string) {
	t.Helper()
	before := h.eventCount(t)
	parallel(n, n, func(int) {
		if resp := h.do(t, r); resp.Status != status || !strings.Contains(string(resp.Body), `"type":"`+typ+`"`) {
			t.Errorf("%s %s: status %d, want %d %s: %s", r.Method, r.Path, resp.Status, status, typ, resp.Body)
		}
	})
	if after := h.eventCount(t); after != before {
		t.Fatalf("%d refused requests wrote %d events", n, after-before)
	}
}

// TestServiceClientScopesNeedTheCreatorsPermissions: a user whose group holds only
// accounts.manage cannot read usage or invoices, so cannot make a key that reads them either
// (403 naming the scope, nothing written, also 20 times at once); with billing.view too, they can.
func TestServiceClientScopesNeedTheCreatorsPermissions(t *testing.T) {
	t.Parallel()
	w := newAuthzTree(t)
	h := w.h
	manager := h.as(w.withPerms(t, w.c, group.AccountsManage).token)
	partnerManager := h.as(w.withPerms(t, w.p, group.AccountsManage).token)
	for _, r := range chReads(w.c) {
		manager.do(t, r).expectProblem(t, http.StatusForbidden, "/problems/forbidden")
	}

	revision := h.streamRevision(t, w.c)
	for _, who := range []*harness{manager, partnerManager} {
		for _, scopes := range [][]string{{"usage.read", "billing.read"}, {"billing.read"}} {
			p := who.do(t, chCreate(w.c, scopes...)).expectProblem(t, http.StatusForbidden, "/problems/forbidden")
			if !strings.Contains(p.Detail, scopes[0]) || !strings.Contains(p.Detail, string(group.BillingView)) {
				t.Errorf("problem %+v does not name the scope %s and the permission it needs", p, scopes[0])
			}
		}
	}
	manager.chRefusedAtOnce(t, chCreate(w.c, "usage.read", "billing.read"), 20, http.StatusForbidden, "/problems/forbidden")
	var list struct {
		Items []chClient `json:"items"`
	}
	h.do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + w.c + "/service-clients"}).expect(t, http.StatusOK, &list)
	if len(list.Items) != 0 || h.streamRevision(t, w.c) != revision {
		t.Fatalf("refused keys left %d clients behind", len(list.Items))
	}

	var key chKey
	h.as(w.withPerms(t, w.c, group.AccountsManage, group.BillingView).token).do(t, chCreate(w.c, "usage.read", "billing.read")).expect(t, http.StatusCreated, &key)
	for _, r := range chReads(w.c) {
		h.as(key.Token).do(t, r).expect(t, http.StatusOK, nil)
	}
}

// TestServiceClientsOfSuspendedAndClosedAccounts: the key of a suspended account is refused as
// its recorders are (403 account-suspended) until it is reactivated, also when the suspended
// account is a partner above it; the key of a closed account is refused for good (403
// account-closed), and no key is made on a closed account (409 account-closed, nothing written,
// also 20 times at once). A partner's own key still reads a suspended or closed customer below
// it: only the key's own account counts.
func TestServiceClientsOfSuspendedAndClosedAccounts(t *testing.T) {
	t.Parallel()
	w := newAuthzTree(t)
	h := w.h
	var own, partners chKey
	h.do(t, chCreate(w.c, "usage.read", "billing.read")).expect(t, http.StatusCreated, &own)
	h.do(t, chCreate(w.p, "usage.read", "billing.read")).expect(t, http.StatusCreated, &partners)
	expect := func(token string, status int, typ string) {
		t.Helper()
		for _, r := range chReads(w.c) {
			if typ == "" {
				h.as(token).do(t, r).expect(t, status, nil)
			} else {
				h.as(token).do(t, r).expectProblem(t, status, typ)
			}
		}
	}
	expect(own.Token, http.StatusOK, "")

	for _, suspended := range []string{w.c, w.p} {
		h.lcStatus(t, suspended, "suspend", nil, nil).expect(t, http.StatusOK, nil)
		expect(own.Token, http.StatusForbidden, "/problems/account-suspended")
		if suspended == w.c {
			expect(partners.Token, http.StatusOK, "")
		}
		h.lcStatus(t, suspended, "reactivate", nil, nil).expect(t, http.StatusOK, nil)
		expect(own.Token, http.StatusOK, "")
	}

	h.lcStatus(t, w.c, "close", nil, nil).expect(t, http.StatusOK, nil)
	expect(own.Token, http.StatusForbidden, "/problems/account-closed")
	expect(partners.Token, http.StatusOK, "")
	revision := h.streamRevision(t, w.c)
	h.do(t, chCreate(w.c, "usage.read")).expectProblem(t, http.StatusConflict, "/problems/account-closed")
	h.chRefusedAtOnce(t, chCreate(w.c, "usage.read"), 20, http.StatusConflict, "/problems/account-closed")
	if h.streamRevision(t, w.c) != revision {
		t.Fatal("refused keys changed the closed account's stream")
	}
}

// TestServiceClientScopesCountOnce: a scope named twice is kept once, as a group's permissions
// are (the lists are sets, normalized where they are decided).
func TestServiceClientScopesCountOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shop, _ := h.create(t, "", "customer", "Twice Named Shop")
	var key chKey
	h.do(t, chCreate(shop.ID, "usage.read", "usage.read")).expect(t, http.StatusCreated, &key)
	var list struct {
		Items []chClient `json:"items"`
	}
	h.do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + shop.ID + "/service-clients?min_position=" + key.Position}).expect(t, http.StatusOK, &list)
	if len(list.Items) != 1 || !slices.Equal(list.Items[0].Scopes, []string{"usage.read"}) {
		t.Fatalf("clients %+v, want one with usage.read once", list.Items)
	}
}
