package httpapi_test

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/accounts/accountcmd"
	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/identity/group"
)

const (
	lcOwnAccount       = "/problems/own-account"
	lcAccountClosed    = "/problems/account-closed"
	lcAccountSuspended = "/problems/account-suspended"
)

// lcAccount is an account as GET /v1/accounts/{id} returns it, with its status.
type lcAccount struct {
	ID               string          `json:"id"`
	ParentID         string          `json:"parent_id"`
	Kind             string          `json:"kind"`
	Name             string          `json:"name"`
	Address          account.Address `json:"address"`
	RegistrationCode string          `json:"registration_code"`
	Status           string          `json:"status"`
	EffectiveStatus  string          `json:"effective_status"`
	Revision         uint64          `json:"revision"`
	CreatedAt        time.Time       `json:"created_at"`
	UpdatedAt        time.Time       `json:"updated_at"`
}

// lcStatus changes an account's status as the harness's user: action is suspend, reactivate or
// close; body nil sends none.
func (h *harness) lcStatus(t *testing.T, id, action string, body any, header map[string]string) response {
	t.Helper()
	return h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + id + ":" + action, Body: body, Header: header})
}

// lcAccountDoc reads an account (as the harness's user) with its status.
func (h *harness) lcAccountDoc(t *testing.T, id string) lcAccount {
	t.Helper()
	var a lcAccount
	h.do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + id}).expect(t, http.StatusOK, &a)
	return a
}

func (a lcAccount) expectStatus(t *testing.T, status, effective string) {
	t.Helper()
	if a.Status != status || a.EffectiveStatus != effective {
		t.Fatalf("%s is %s, effectively %s; want %s, %s", a.Name, a.Status, a.EffectiveStatus, status, effective)
	}
}

// lcEvents counts the events of type in an account's stream.
func (h *harness) lcEvents(t *testing.T, id, typ string) int {
	t.Helper()
	events, err := h.store.ReadStream(t.Context(), accountcmd.AccountStream(id), 0, eventstore.Forwards, 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range events {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// TestPartnerSuspendsACustomer: a partner administrator suspends a customer below them; the
// customer's users are turned away at once (their sessions answer 401, sign-in 403) and nothing
// is lost: reactivation lets the same sessions and passwords in again.
func TestPartnerSuspendsACustomer(t *testing.T) {
	w := newAuthzTree(t)
	partnerAdmin := w.withPerms(t, w.p, group.AccountsManage)
	customerAdmin := w.withPerms(t, w.c, group.AccountsManage, group.UsersManage)
	asPartner := w.h.as(partnerAdmin.token)

	var ans commandAnswer
	resp := asPartner.lcStatus(t, w.c, "suspend", map[string]string{"reason": "unpaid invoices"}, nil)
	resp.expect(t, http.StatusOK, &ans)
	if ans.ID != w.c || resp.Header.Get("ETag") != etag(ans.Revision) || resp.Header.Get("X-Position") == "" {
		t.Fatalf("answer %+v, headers %v", ans, resp.Header)
	}
	asPartner.lcAccountDoc(t, w.c).expectStatus(t, "suspended", "suspended")
	asPartner.lcAccountDoc(t, w.p).expectStatus(t, "active", "active")

	if w.h.identAuthenticated(t, customerAdmin.token) {
		t.Fatal("the suspended customer's administrator is still authenticated")
	}
	w.h.identSignInAnswer(t, customerAdmin.username, strongPassword).expectProblem(t, http.StatusForbidden, lcAccountSuspended)
	w.h.identRefuseSignIn(t, customerAdmin.username, "wrong password") // a wrong password learns nothing more

	// Reactivation (no body) undoes it: the old session and the password work again.
	asPartner.lcStatus(t, w.c, "reactivate", nil, nil).expect(t, http.StatusOK, &ans)
	asPartner.lcAccountDoc(t, w.c).expectStatus(t, "active", "active")
	if !w.h.identAuthenticated(t, customerAdmin.token) {
		t.Fatal("the reactivated customer's administrator's session is refused")
	}
	w.h.identSignIn(t, customerAdmin.username, strongPassword)
	if got := w.h.lcEvents(t, w.c, "account.suspended.v1"); got != 1 {
		t.Errorf("%d suspensions recorded, want 1", got)
	}
}

// TestSuspendingAPartnerSuspendsItsSubAccounts: the users of every account below a suspended
// partner are turned away; other partners' users are not.
func TestSuspendingAPartnerSuspendsItsSubAccounts(t *testing.T) {
	w := newAuthzTree(t)
	deep := w.signedIn(t, w.sc)   // below P's sub-partner S
	partner := w.signedIn(t, w.p) // P's own user
	other := w.signedIn(t, w.d)   // below Q, P's sibling

	w.h.lcStatus(t, w.p, "suspend", map[string]string{}, nil).expect(t, http.StatusOK, nil)
	w.h.lcAccountDoc(t, w.sc).expectStatus(t, "active", "suspended")
	w.h.lcAccountDoc(t, w.s).expectStatus(t, "active", "suspended")
	w.h.lcAccountDoc(t, w.d).expectStatus(t, "active", "active")
	for _, u := range []azUser{deep, partner} {
		if w.h.identAuthenticated(t, u.token) {
			t.Errorf("%s, below a suspended partner, is still authenticated", u.username)
		}
		w.h.identSignInAnswer(t, u.username, strongPassword).expectProblem(t, http.StatusForbidden, lcAccountSuspended)
	}
	if !w.h.identAuthenticated(t, other.token) {
		t.Error("a user of another partner's customer is refused")
	}

	// A suspension below a suspended partner ends only with both.
	w.h.lcStatus(t, w.s, "suspend", nil, nil).expect(t, http.StatusOK, nil)
	w.h.lcStatus(t, w.p, "reactivate", map[string]string{}, nil).expect(t, http.StatusOK, nil)
	if w.h.identAuthenticated(t, deep.token) {
		t.Error("a user below a suspended sub-partner is authenticated once the partner is reactivated")
	}
	if !w.h.identAuthenticated(t, partner.token) {
		t.Error("the reactivated partner's user is refused")
	}
	w.h.lcStatus(t, w.s, "reactivate", nil, nil).expect(t, http.StatusOK, nil)
	if !w.h.identAuthenticated(t, deep.token) {
		t.Error("a user below the reactivated sub-partner is refused")
	}
}

// TestCloseIsTerminal: a closed account is never reactivated or changed, holds no new accounts,
// its code stops resolving and its users stay out; closing it again changes nothing.
func TestCloseIsTerminal(t *testing.T) {
	w := newAuthzTree(t)
	h := w.h
	user := w.signedIn(t, w.sc)
	code := h.lcAccountDoc(t, w.sc).RegistrationCode
	if _, err := h.queries.ByRegistrationCode(t.Context(), account.RegistrationCode(code)); err != nil {
		t.Fatalf("the code resolves to nothing before the closure: %v", err)
	}

	var closed commandAnswer
	h.lcStatus(t, w.s, "close", map[string]string{"reason": "contract ended"}, nil).expect(t, http.StatusOK, &closed)
	h.lcAccountDoc(t, w.s).expectStatus(t, "closed", "closed")
	h.lcAccountDoc(t, w.sc).expectStatus(t, "active", "closed")
	if h.identAuthenticated(t, user.token) {
		t.Error("a user below a closed account is authenticated")
	}
	h.identSignInAnswer(t, user.username, strongPassword).expectProblem(t, http.StatusForbidden, lcAccountClosed)
	for _, id := range []string{w.s, w.sc} {
		a := h.lcAccountDoc(t, id)
		if _, err := h.queries.ByRegistrationCode(t.Context(), account.RegistrationCode(a.RegistrationCode)); !errors.Is(err, accountview.ErrNotFound) {
			t.Errorf("the code of %s (effectively closed) resolves: %v", a.Name, err)
		}
	}

	h.lcStatus(t, w.s, "reactivate", nil, nil).expectProblem(t, http.StatusConflict, lcAccountClosed)
	h.lcStatus(t, w.s, "suspend", nil, nil).expectProblem(t, http.StatusConflict, lcAccountClosed)
	h.do(t, req{Method: http.MethodPatch, Path: "/v1/accounts/" + w.s, Body: map[string]any{"name": "Reopened"}}).expectProblem(t, http.StatusConflict, lcAccountClosed)
	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + w.s + "/registration-code:rotate"}).expectProblem(t, http.StatusConflict, lcAccountClosed)
	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts", Body: map[string]any{
		"parent_id": w.s, "kind": "customer", "name": "Late", "address": testAddress, "first_user": firstUser(),
	}}).expectProblem(t, http.StatusConflict, lcAccountClosed)

	var again commandAnswer
	h.lcStatus(t, w.s, "close", nil, nil).expect(t, http.StatusOK, &again)
	if again.Revision != closed.Revision {
		t.Errorf("closing again moved the revision from %d to %d", closed.Revision, again.Revision)
	}
	if got := h.lcEvents(t, w.s, "account.closed.v1"); got != 1 {
		t.Errorf("%d closures recorded, want 1", got)
	}
}

// TestStatusIsChangedFromAbove: nobody changes the status of their own account; accounts out of
// reach are not found; the permission is needed; the body and If-Match are checked.
func TestStatusIsChangedFromAbove(t *testing.T) {
	w := newAuthzTree(t)
	h := w.h
	customerAdmin := w.withPerms(t, w.c, group.AccountsManage)
	partnerAdmin := w.withPerms(t, w.p, group.AccountsManage)
	partnerViewer := w.signedIn(t, w.p, w.viewers(t, w.p))
	asCustomer, asPartner := h.as(customerAdmin.token), h.as(partnerAdmin.token)

	for _, action := range []string{"suspend", "reactivate", "close"} {
		t.Run(action, func(t *testing.T) {
			asCustomer.lcStatus(t, w.c, action, nil, nil).expectProblem(t, http.StatusForbidden, lcOwnAccount)
			asPartner.lcStatus(t, w.p, action, nil, nil).expectProblem(t, http.StatusForbidden, lcOwnAccount)
			h.lcStatus(t, rootID, action, nil, nil).expectProblem(t, http.StatusForbidden, lcOwnAccount)
			asCustomer.lcStatus(t, w.s, action, nil, nil).expectProblem(t, http.StatusNotFound, identNotFound) // a sibling
			asCustomer.lcStatus(t, w.p, action, nil, nil).expectProblem(t, http.StatusNotFound, identNotFound) // above
			asPartner.lcStatus(t, w.q, action, nil, nil).expectProblem(t, http.StatusNotFound, identNotFound)  // another partner
			asPartner.lcStatus(t, "6f1c1e8e-8a43-4f0e-b0a4-1d2c3b4a5f60", action, nil, nil).expectProblem(t, http.StatusNotFound, identNotFound)
			h.as(partnerViewer.token).lcStatus(t, w.c, action, nil, nil).expectProblem(t, http.StatusForbidden, identForbidden)
		})
	}
	asPartner.lcStatus(t, w.sc, "suspend", map[string]string{"reason": strings.Repeat("é", 501)}, nil).expectProblem(t, http.StatusUnprocessableEntity, identValidation)
	asPartner.lcStatus(t, w.c, "suspend", map[string]string{"reason": strings.Repeat("é", 500)}, nil).expect(t, http.StatusOK, nil)
	asPartner.lcStatus(t, w.sc, "suspend", map[string]string{"reason": "two\nlines"}, nil).expectProblem(t, http.StatusUnprocessableEntity, identValidation)
	asPartner.lcStatus(t, w.sc, "suspend", map[string]any{"reason": "x", "until": "monday"}, nil).expectProblem(t, http.StatusBadRequest, "/problems/malformed-request")
	asPartner.lcStatus(t, w.c, "reactivate", map[string]string{"reason": "paid"}, nil).expectProblem(t, http.StatusBadRequest, "/problems/malformed-request")

	a := asPartner.lcAccountDoc(t, w.sc)
	asPartner.lcStatus(t, w.sc, "suspend", nil, map[string]string{"If-Match": etag(a.Revision + 1)}).expectProblem(t, http.StatusPreconditionFailed, "/problems/revision-mismatch")
	asPartner.lcStatus(t, w.sc, "suspend", nil, map[string]string{"If-Match": etag(a.Revision)}).expect(t, http.StatusOK, nil)
	asPartner.lcAccountDoc(t, w.sc).expectStatus(t, "suspended", "suspended")
}

// TestConcurrentSuspensions: ten suspensions of one account at once all succeed, and one is
// recorded.
func TestConcurrentSuspensions(t *testing.T) {
	w := newAuthzTree(t)
	asPartner := w.h.as(w.withPerms(t, w.p, group.AccountsManage).token)
	var wg sync.WaitGroup
	answers := make([]response, 10)
	for i := range answers {
		wg.Go(func() { answers[i] = asPartner.lcStatus(t, w.c, "suspend", map[string]string{"reason": "race"}, nil) })
	}
	wg.Wait()
	for i, resp := range answers {
		if resp.Status != http.StatusOK {
			t.Errorf("suspension %d: status %d: %s", i, resp.Status, resp.Body)
		}
	}
	if got := w.h.lcEvents(t, w.c, "account.suspended.v1"); got != 1 {
		t.Errorf("%d suspensions recorded, want exactly 1", got)
	}
}
