package httpapi_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/accounts/accountcmd"
	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/adapters/sessionstore"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/identity/identitycmd"
	"github.com/camcloud/accounts/identity/identityview"
	"github.com/camcloud/accounts/projections"
	"github.com/camcloud/accounts/support/supportview"
)

// TestDatabaseOutage runs the whole stack through a TCP proxy to PostgreSQL and cuts it, as a
// stopped server would: every kind of request answers 503 /problems/unavailable with Retry-After
// (never a 500), every component's error says ErrUnavailable, and once the proxy is back the same
// requests work again.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	h, proxy := newHarnessBehindProxy(t)
	pool := h.pool
	partner, pos := h.create(t, "", "partner", "Outage Partner")
	h.get(t, partner.ID, pos)
	userID := h.invite(t, partner.ID, "outage.user", "outage.user@example.test")
	var grant commandAnswer // the root administrator holds support.act: an agent under it
	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + partner.ID + "/support-grants", Body: map[string]any{"whole_account": true}}).expect(t, http.StatusCreated, &grant)

	anonymous := map[string]string{"Authorization": ""}
	requests := []struct {
		name string
		req  req
		ok   int // the status once the database is back
	}{
		{"sign-in", req{Method: http.MethodPost, Path: "/v1/sign-in", Body: map[string]string{"username": "admin", "password": strongPassword}, Header: anonymous}, http.StatusOK},
		{"authenticated GET", req{Method: http.MethodGet, Path: "/v1/accounts/" + partner.ID}, http.StatusOK},
		{"GET with min_position", req{Method: http.MethodGet, Path: "/v1/accounts/" + partner.ID + "?min_position=" + pos}, http.StatusOK},
		{"listing", req{Method: http.MethodGet, Path: "/v1/accounts/" + partner.ID + "/users"}, http.StatusOK},
		{"profile", req{Method: http.MethodGet, Path: "/v1/me"}, http.StatusOK},
		{"PATCH command", req{Method: http.MethodPatch, Path: "/v1/accounts/" + partner.ID, Body: map[string]any{"name": "Outage Partner 2"}}, http.StatusOK},
		{"POST command", req{Method: http.MethodPost, Path: "/v1/accounts", Body: map[string]any{"kind": "customer", "name": "During", "address": testAddress, "parent_id": partner.ID, "first_user": firstUser()}}, http.StatusCreated},
		{"user command", req{Method: http.MethodPost, Path: "/v1/users/" + userID + "/invitation:resend"}, http.StatusAccepted},
		{"support agent", req{Method: http.MethodGet, Path: "/v1/accounts/" + partner.ID + "/items", Header: map[string]string{"X-Support-Grant": grant.ID}}, http.StatusOK},
		{"live grants", req{Method: http.MethodGet, Path: "/v1/support/grants"}, http.StatusOK},
		{"grant activity", req{Method: http.MethodGet, Path: "/v1/support-grants/" + grant.ID + "/activity"}, http.StatusOK},
		{"readiness", req{Method: http.MethodGet, Path: "/readyz", Header: anonymous}, http.StatusOK},
	}

	proxy.Cut()
	for _, tt := range requests {
		t.Run("down/"+tt.name, func(t *testing.T) {
			resp := h.do(t, tt.req)
			resp.expectProblem(t, http.StatusServiceUnavailable, "/problems/unavailable")
			if resp.Header.Get("Retry-After") == "" && tt.name != "readiness" {
				t.Errorf("no Retry-After")
			}
		})
	}

	// Each component that reads PostgreSQL says ErrUnavailable itself, so the 503 does not hang
	// on the HTTP layer recognising driver errors.
	ctx := t.Context()
	someID := uuid.NewString()
	components := []struct {
		name string
		call func() error
	}{
		{"event store append", func() error {
			_, err := h.store.Append(ctx, "outage-"+someID, eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: "outage.v1", Data: []byte(`{}`)})
			return err
		}},
		{"event store read", func() error {
			_, err := h.store.ReadStream(ctx, accountcmd.AccountStream(partner.ID), 0, eventstore.Forwards, 10)
			return err
		}},
		{"session lookup", func() error {
			_, err := sessionstore.New(pool).Lookup(ctx, []byte("digest"), time.Now(), time.Hour)
			return err
		}},
		{"session create", func() error {
			return sessionstore.New(pool).Create(ctx, identitycmd.Session{ID: someID, UserID: someID, AccountID: someID, CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}, []byte("digest"))
		}},
		{"accounts query", func() error { _, err := accountview.NewQueries(pool).Get(ctx, partner.ID); return err }},
		{"accounts scope", func() error { _, err := accountview.NewQueries(pool).IsWithin(ctx, rootID, partner.ID); return err }},
		{"identity member", func() error { _, _, _, err := identityview.NewQueries(pool).Member(ctx, userID); return err }},
		{"identity users", func() error { _, err := identityview.NewQueries(pool).Users(ctx, partner.ID); return err }},
		{"identity groups", func() error { _, err := identityview.NewQueries(pool).Groups(ctx, partner.ID); return err }},
		{"support grants", func() error { _, err := supportview.NewQueries(pool).LiveGrants(ctx); return err }},
		{"support activity", func() error { _, err := supportview.NewQueries(pool).Activity(ctx, someID, "", 10); return err }},
		{"support staff", func() error { _, err := accountview.NewQueries(pool).SupportStaff(ctx, rootID); return err }},
		{"checkpoint", func() error { _, err := projections.NewCheckpoints(pool).Get(ctx, accountview.Name); return err }},
		{"wait for a position", func() error {
			return projections.NewCheckpoints(pool).WaitFor(ctx, eventstore.Position{Commit: 1 << 40, Prepare: 1 << 40}, time.Second, accountview.Name)
		}},
	}
	for _, c := range components {
		t.Run("down/"+c.name, func(t *testing.T) {
			if err := c.call(); !errors.Is(err, eventstore.ErrUnavailable) {
				t.Fatalf("error %v, want one matching eventstore.ErrUnavailable", err)
			}
		})
	}

	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range requests {
		t.Run("back/"+tt.name, func(t *testing.T) {
			// The pool drops its dead connections as it meets them; give it a few tries.
			deadline := time.Now().Add(10 * time.Second)
			for {
				resp := h.do(t, tt.req)
				if resp.Status == tt.ok {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("status %d after the database came back, want %d: %s", resp.Status, tt.ok, resp.Body)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}
