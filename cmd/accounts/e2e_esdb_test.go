package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/accounts/accountcmd"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/esdb"
	"github.com/camcloud/accounts/eventstore/esdb/esdbtest"
	"github.com/camcloud/accounts/internal/pgtest"
)

// TestEndToEndESDB runs the real binary with its events in EventStoreDB (the in-process test
// server that speaks its gRPC protocol) and its read models in PostgreSQL.
func TestEndToEndESDB(t *testing.T) {
	bin := buildBinary(t)
	t.Run("serve, rebuild, restart", func(t *testing.T) { testESDBServe(t, bin) })
	t.Run("event store outage", func(t *testing.T) { testESDBOutage(t, bin) })
}

// testESDBServe: commands, the projections fed by the subscription to $all, and the queries,
// across a read model rebuild and a restart of the binary.
func testESDBServe(t *testing.T, bin string) {
	es := esdbtest.Start(t)
	dbURL := pgtest.NewDatabase(t)
	env := []string{
		"ACCOUNTS_EVENTSTORE_URL=" + es.URL(),
		"ACCOUNTS_DATABASE_URL=" + dbURL,
		"ACCOUNTS_DATA_DIR=" + t.TempDir(),
	}

	srv := startServer(t, bin, env)
	srv.acceptMailedInvitation(t)
	srv.signIn(t)
	var partner, customer created
	partnerPos := srv.post(t, "/v1/accounts", map[string]any{
		"kind": "partner", "name": "Northwind Partners",
		"address":    map[string]string{"line1": "1 Harbour St", "city": "Sydney", "country": "AU"},
		"first_user": map[string]string{"email": "ops@northwind.example"},
	}, &partner)
	customerPos := srv.post(t, "/v1/accounts", customerBody(partner.ID, "Corner Shop"), &customer)
	// EventStoreDB positions are a commit and a prepare position: "c" or "c/p" in X-Position.
	if p, c := mustPosition(t, partnerPos), mustPosition(t, customerPos); p.Compare(c) >= 0 || p == eventstore.Start {
		t.Fatalf("X-Position %q then %q: want two increasing positions", partnerPos, customerPos)
	}

	srv.readBack(t, partner, customer, partnerPos, customerPos)
	api := srv.snapshot(t, customerPos, account.PlatformRootID, partner.ID, customer.ID)
	db := readModel(t, dbURL)
	srv.stop(t)

	// The events are in EventStoreDB, with their ids, types, data and metadata; none went to
	// PostgreSQL.
	store := openESDB(t, es.URL())
	for a, pos := range map[created]string{partner: partnerPos, customer: customerPos} {
		events, err := store.ReadStream(t.Context(), accountcmd.AccountStream(a.ID), 0, eventstore.Forwards, 100)
		if err != nil {
			t.Fatalf("read the stream of %s from the test server: %v", a.ID, err)
		}
		if len(events) != 1 || events[0].Type != "account.created.v1" || events[0].Revision != 0 ||
			events[0].Metadata.Actor == "" || events[0].Metadata.CorrelationID == "" || !json.Valid(events[0].Data) ||
			!bytes.Contains(events[0].Data, []byte(a.ID)) {
			t.Fatalf("stream of account %s in the test server: %+v", a.ID, events)
		}
		// X-Position is where the command's last append (account, reservations, invitations)
		// ended: at or after the account's event.
		if events[0].Position == eventstore.Start || events[0].Position.Compare(mustPosition(t, pos)) > 0 {
			t.Errorf("account %s: X-Position %q, but its event is at %v in $all", a.ID, pos, events[0].Position)
		}
	}

	if n := postgresEventCount(t, dbURL); n != 0 {
		t.Errorf("PostgreSQL holds %d events although the event store is EventStoreDB", n)
	}

	// Rebuild the read models from $all while nothing serves: same rows.
	if res := runBinary(t, bin, env, "projections", "rebuild"); res.code != 0 || !strings.Contains(res.stderr, "read models rebuilt") {
		t.Fatalf("accounts projections rebuild exited %d\n%s", res.code, res.output())
	}
	if got := readModel(t, dbURL); got != db {
		t.Errorf("read model after the rebuild from EventStoreDB differs:\n got %s\nwant %s", got, db)
	}

	// Second run on the same servers: nothing new, nothing lost.
	restart(t, bin, env, dbURL, customerPos, api, db, partner.ID, customer.ID, func() int { return esdbEventCount(t, store) })
	if n := postgresEventCount(t, dbURL); n != 0 {
		t.Errorf("PostgreSQL holds %d events after the second run", n)
	}
}

// testESDBOutage stops EventStoreDB while the binary serves: a command sent meanwhile either
// succeeds once the server is back or fails with 503 (retry later), and afterwards commands work
// again and the projections' subscription resumed from its checkpoint, losing no event and
// applying none twice.
func testESDBOutage(t *testing.T, bin string) {
	es := esdbtest.Start(t)
	dbURL := pgtest.NewDatabase(t)
	env := []string{
		"ACCOUNTS_EVENTSTORE_URL=" + es.URL(),
		"ACCOUNTS_DATABASE_URL=" + dbURL,
		"ACCOUNTS_DATA_DIR=" + t.TempDir(),
	}
	srv := startServer(t, bin, env)
	srv.acceptMailedInvitation(t)
	srv.signIn(t)

	var partner, before created
	srv.post(t, "/v1/accounts", map[string]any{
		"kind": "partner", "name": "Northwind Partners", "first_user": map[string]string{"email": "ops@northwind.example"},
		"address": map[string]string{"line1": "1 Harbour St", "city": "Sydney", "country": "AU"},
	}, &partner)
	beforePos := srv.post(t, "/v1/accounts", customerBody(partner.ID, "Before the outage"), &before)
	srv.getAccount(t, before.ID, beforePos) // projected: the subscription is live

	// The server goes away as a crashed node would, and comes back 300 ms later; a command is
	// sent meanwhile.
	es.Stop()
	back := make(chan error, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		back <- es.Restart()
	}()
	restarted := sync.OnceValue(func() error { return <-back })
	t.Cleanup(func() { restarted() }) // before the server's own cleanup stops it for good
	want := map[string]string{partner.ID: "Northwind Partners", before.ID: "Before the outage"}
	start := time.Now()
	status, header, body := srv.request(t, http.MethodPost, "/v1/accounts", customerBody(partner.ID, "During the outage"))
	t.Logf("POST during the outage: %d after %v: %s", status, time.Since(start).Round(time.Millisecond), body)
	var during created
	switch {
	case status == http.StatusCreated:
		if err := json.Unmarshal(body, &during); err != nil || during.ID == "" || header.Get("X-Position") == "" {
			t.Fatalf("POST during the outage: 201 with %s (X-Position %q)", body, header.Get("X-Position"))
		}
		want[during.ID] = "During the outage"
	case status == http.StatusServiceUnavailable:
		if ct := header.Get("Content-Type"); ct != "application/problem+json" || header.Get("Retry-After") == "" {
			t.Errorf("POST during the outage: 503 with Content-Type %q, Retry-After %q: %s", ct, header.Get("Retry-After"), body)
		}
	default:
		t.Fatalf("POST during the outage: %d %s, want 201 or 503 with Retry-After", status, body)
	}
	if err := restarted(); err != nil {
		t.Fatalf("restart the test server: %v", err)
	}

	var after created
	afterPos := srv.post(t, "/v1/accounts", customerBody(partner.ID, "After the outage"), &after)
	want[after.ID] = "After the outage"
	if got := srv.getAccount(t, after.ID, afterPos); got.Name != "After the outage" || got.ParentID != partner.ID {
		t.Errorf("the account created after the outage reads back as %+v", got)
	}
	if during.ID != "" {
		if got := srv.getAccount(t, during.ID, afterPos); got.Name != "During the outage" {
			t.Errorf("the account created during the outage reads back as %+v", got)
		}
	}
	seen := map[string]int{}
	names := map[string]int{}
	for _, kid := range srv.children(t, partner.ID, afterPos) {
		seen[kid.ID]++
		names[kid.Name]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("account %s is listed %d times among the partner's children", id, n)
		}
	}
	for name, n := range names {
		// A command that failed may still have been written (its answer was lost); it may
		// then show up once, never twice.
		if n != 1 {
			t.Errorf("%d children are named %q, want one", n, name)
		}
	}
	for id, name := range want {
		if id != partner.ID && seen[id] != 1 {
			t.Errorf("%q (%s) is not among the partner's children: %v", name, id, seen)
		}
	}
	if !strings.Contains(srv.out.String(), "subscribing again") {
		t.Errorf("the binary never logged resubscribing to $all; did the outage reach the subscription?")
	}

	// The read models hold each account once: the same rows as a rebuild from every event.
	db := readModel(t, dbURL)
	srv.stop(t)
	if res := runBinary(t, bin, env, "projections", "rebuild"); res.code != 0 {
		t.Fatalf("accounts projections rebuild exited %d\n%s", res.code, res.output())
	}
	if got := readModel(t, dbURL); got != db {
		t.Errorf("the read model after the outage differs from a rebuild:\nprojected %s\n  rebuilt %s", db, got)
	}
	accounts := 0
	query(t, dbURL, func(conn *pgx.Conn) error {
		return conn.QueryRow(t.Context(), `SELECT count(*) FROM accounts`).Scan(&accounts)
	})
	store := openESDB(t, es.URL())
	streams := map[string]bool{}
	all, err := store.ReadAll(t.Context(), eventstore.Start, eventstore.Forwards, 100_000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		if e.Type == "account.created.v1" {
			if streams[e.Stream] {
				t.Errorf("%s was created twice in EventStoreDB", e.Stream)
			}
			streams[e.Stream] = true
		}
	}
	if accounts != len(streams) {
		t.Errorf("%d accounts in the read model, %d account.created.v1 events in EventStoreDB", accounts, len(streams))
	}
	if n := postgresEventCount(t, dbURL); n != 0 {
		t.Errorf("PostgreSQL holds %d events although the event store is EventStoreDB", n)
	}
}

func customerBody(parentID, name string) map[string]any {
	return map[string]any{
		"parent_id": parentID, "kind": "customer", "name": name,
		"address":    map[string]string{"line1": "2 High St", "city": "Perth", "country": "AU"},
		"first_user": map[string]string{"email": strings.ReplaceAll(strings.ToLower(name), " ", ".") + "@shop.example"},
	}
}

// request does a call whose status the caller checks.
func (s *server) request(t *testing.T, method, path string, body any) (int, http.Header, []byte) {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.base+path, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, out
}

func mustPosition(t *testing.T, s string) eventstore.Position {
	t.Helper()
	p, err := eventstore.ParsePosition(s)
	if err != nil {
		t.Fatalf("X-Position: %v", err)
	}
	return p
}

// openESDB connects the test process to the event store the binary uses.
func openESDB(t *testing.T, url string) *esdb.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	store, err := esdb.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// esdbEventCount counts the events of $all, system events left out.
func esdbEventCount(t *testing.T, store *esdb.Store) int {
	t.Helper()
	all, err := store.ReadAll(t.Context(), eventstore.Start, eventstore.Forwards, 100_000)
	if err != nil {
		t.Fatalf("read $all from the test server: %v", err)
	}
	return len(all)
}

// postgresEventCount counts the rows of PostgreSQL's events table: 0 when it does not exist.
func postgresEventCount(t *testing.T, dbURL string) int {
	t.Helper()
	var n int
	query(t, dbURL, func(conn *pgx.Conn) error {
		var exists bool
		if err := conn.QueryRow(t.Context(), `SELECT to_regclass('events') IS NOT NULL`).Scan(&exists); err != nil || !exists {
			return err
		}
		return conn.QueryRow(t.Context(), `SELECT count(*) FROM events`).Scan(&n)
	})
	return n
}
