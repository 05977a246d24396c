package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/internal/pgtest"
)

// TestEndToEnd builds the real binary and uses it as an operator and a client would: its command
// line, then the HTTP API across a restart and a read model rebuild, on one database.
func TestEndToEnd(t *testing.T) {
	bin := buildBinary(t)

	t.Run("help", func(t *testing.T) {
		for _, arg := range []string{"--help", "help", "-h"} {
			res := runBinary(t, bin, nil, arg)
			if res.code != 0 {
				t.Fatalf("accounts %s exited %d\n%s", arg, res.code, res.output())
			}
			for _, want := range []string{"serve", "migrate", "projections rebuild", "ACCOUNTS_DATABASE_URL"} {
				if !strings.Contains(res.stdout, want) {
					t.Errorf("accounts %s does not mention %q:\n%s", arg, want, res.stdout)
				}
			}
		}
	})

	t.Run("bad command lines", func(t *testing.T) {
		for _, args := range [][]string{{"frobnicate"}, {}, {"projections"}, {"projections", "drop"}} {
			res := runBinary(t, bin, nil, args...)
			if res.code == 0 {
				t.Errorf("accounts %q exited 0, want an error\n%s", args, res.output())
			}
			if !strings.Contains(res.stderr, "Usage:") {
				t.Errorf("accounts %q does not show the usage on stderr:\n%s", args, res.output())
			}
		}
		if res := runBinary(t, bin, nil, "frobnicate"); !strings.Contains(res.stderr, `unknown command "frobnicate"`) {
			t.Errorf("stderr does not name the unknown command:\n%s", res.stderr)
		}
	})

	t.Run("serve, restart, rebuild", func(t *testing.T) {
		dbURL := pgtest.NewDatabase(t)
		dataDir := t.TempDir()
		env := []string{
			"ACCOUNTS_DATABASE_URL=" + dbURL,
			"ACCOUNTS_DATA_DIR=" + dataDir,
		}

		// First run: an empty database. The newcomer sets the administrator's password from the
		// printed invitation and signs in.
		srv := startServer(t, bin, env)
		srv.acceptMailedInvitation(t)
		srv.signIn(t)
		var self me
		_, raw := srv.call(t, http.MethodGet, "/v1/me", nil, http.StatusOK, nil)
		decodeStrict(t, raw, &self)
		if self.ID != srv.admin || self.AccountID != account.PlatformRootID || self.Username != "admin" || self.Status != "active" ||
			len(self.GroupIDs) == 0 || len(self.Permissions) == 0 || self.CreatedAt.IsZero() {
			t.Fatalf("GET /v1/me as the platform administrator: %s", raw)
		}
		var partner, customer created
		partnerPos := srv.post(t, "/v1/accounts", map[string]any{
			"kind": "partner", "name": "Northwind Partners",
			"address":    map[string]string{"line1": "1 Harbour St", "city": "Sydney", "country": "AU"},
			"first_user": map[string]string{"email": "ops@northwind.example"},
		}, &partner)
		customerPos := srv.post(t, "/v1/accounts", map[string]any{
			"parent_id": partner.ID, "kind": "customer", "name": "Corner Shop",
			"address":    map[string]string{"line1": "2 High St", "city": "Perth", "country": "au", "postal_code": "6000"},
			"first_user": map[string]string{"email": "owner@cornershop.example"},
		}, &customer)
		if partnerPos == "" || customerPos == "" || partnerPos == customerPos {
			t.Fatalf("X-Position %q then %q", partnerPos, customerPos)
		}

		srv.readBack(t, partner, customer, partnerPos, customerPos)
		// The partner's first user was invited by e-mail: the embedded default writes the message
		// into the data folder's outbox.
		invitation := waitForMail(t, filepath.Join(dataDir, "outbox"), "ops@northwind.example")
		if !strings.Contains(invitation, "accept-invitation?token=") {
			t.Errorf("the invitation mail has no accept link:\n%s", invitation)
		}
		api := srv.snapshot(t, customerPos, account.PlatformRootID, partner.ID, customer.ID)
		db := readModel(t, dbURL)
		srv.stop(t)
		if out := srv.out.String(); !strings.Contains(out, "created the platform root account") || !strings.Contains(out, "serving http://") {
			t.Errorf("the first run did not report serving and creating the platform root:\n%s", out)
		}

		// Rebuild the read model from the events while nothing serves: same rows.
		if res := runBinary(t, bin, env, "projections", "rebuild"); res.code != 0 || !strings.Contains(res.stderr, "read models rebuilt") {
			t.Fatalf("accounts projections rebuild exited %d\n%s", res.code, res.output())
		}
		if got := readModel(t, dbURL); got != db {
			t.Errorf("read model after rebuild differs:\n got %s\nwant %s", got, db)
		}
		if res := runBinary(t, bin, env, "migrate"); res.code != 0 {
			t.Fatalf("accounts migrate on a migrated database exited %d\n%s", res.code, res.output())
		}

		// Second run on the same database: nothing new, nothing lost; the password still works.
		restart(t, bin, env, dbURL, customerPos, api, db, partner.ID, customer.ID, func() int { return eventCount(t, dbURL) })
	})
}

// readBack reads the partner ("Northwind Partners", under the root) and its customer ("Corner
// Shop", in AU) back over HTTP, as of the positions their creation reached, with the tree they form.
func (s *server) readBack(t *testing.T, partner, customer created, partnerPos, customerPos string) {
	t.Helper()
	gotPartner := s.getAccount(t, partner.ID, partnerPos)
	gotCustomer := s.getAccount(t, customer.ID, customerPos)
	if gotPartner.ParentID != account.PlatformRootID || gotPartner.Kind != "partner" || gotPartner.Name != "Northwind Partners" ||
		gotPartner.RegistrationCode != partner.RegistrationCode || gotPartner.Revision != 0 {
		t.Errorf("partner reads back as %+v", gotPartner)
	}
	if gotCustomer.ParentID != partner.ID || gotCustomer.Kind != "customer" || gotCustomer.Name != "Corner Shop" ||
		gotCustomer.Address["country"] != "AU" || gotCustomer.RegistrationCode != customer.RegistrationCode {
		t.Errorf("customer reads back as %+v", gotCustomer)
	}
	if kids := s.children(t, partner.ID, customerPos); len(kids) != 1 || kids[0].ID != customer.ID {
		t.Errorf("partner's children: %+v, want only the customer", kids)
	}
	if kids := s.children(t, account.PlatformRootID, customerPos); len(kids) != 1 || kids[0].ID != partner.ID {
		t.Errorf("root's children: %+v, want only the partner", kids)
	}
}

// restart starts the service again on the same stores and checks that nothing was lost or added:
// the same API answers (api, for the root, partnerID and customerID), the same read model rows
// (db), the same number of events, the root not created again, and the administrator's password
// still good.
func restart(t *testing.T, bin string, env []string, dbURL, minPosition, api, db, partnerID, customerID string, events func() int) {
	t.Helper()
	before := events()
	srv := startServer(t, bin, env)
	if strings.Contains(srv.out.String(), "invitations:accept") {
		t.Errorf("the second run printed an invitation although the administrator has a password")
	}
	srv.signIn(t)
	if got := srv.snapshot(t, minPosition, account.PlatformRootID, partnerID, customerID); got != api {
		t.Errorf("after the restart the API answers\n %s\nwant\n %s", got, api)
	}
	if kids := srv.children(t, account.PlatformRootID, minPosition); len(kids) != 1 || kids[0].ID != partnerID {
		t.Errorf("root's children after the restart: %+v, want only the partner", kids)
	}
	if got := events(); got != before {
		t.Errorf("the restart appended %d events (the platform root twice?)", got-before)
	}
	srv.stop(t)
	if out := srv.out.String(); strings.Contains(out, "created the platform root account") {
		t.Errorf("the second run created the platform root again:\n%s", out)
	}
	if got := readModel(t, dbURL); got != db {
		t.Errorf("read model after the second run differs:\n got %s\nwant %s", got, db)
	}
}

// waitForMail waits for an .eml file addressed to recipient in dir and returns its content.
func waitForMail(t *testing.T, dir, recipient string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err == nil && strings.Contains(string(raw), recipient) {
				return string(raw)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail to %s in %s after 10s (found %v)", recipient, dir, files)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// buildBinary builds the accounts command into a temporary folder.
func buildBinary(t *testing.T) string {
	t.Helper()
	goCmd, err := exec.LookPath("go") // go test puts its own GOROOT/bin first on PATH
	if err != nil {
		t.Fatalf("find the go command: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "accounts")
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goCmd, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// baseEnv is the test's environment without any ACCOUNTS_ variable, so that the developer's own
// settings cannot steer the binary.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ACCOUNTS_") {
			env = append(env, kv)
		}
	}
	return env
}

// lockedBuffer collects a process's output while the process writes it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type result struct {
	code           int
	stdout, stderr string
}

func (r result) output() string { return "stdout:\n" + r.stdout + "\nstderr:\n" + r.stderr }

// runBinary runs a command of the binary that ends by itself and returns how it ended.
func runBinary(t *testing.T, bin string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(baseEnv(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && ctx.Err() == nil:
		res.code = exit.ExitCode()
	default:
		t.Fatalf("accounts %q: %v\n%s", args, err, res.output())
	}
	t.Logf("accounts %s: exit %d", strings.Join(args, " "), res.code)
	return res
}

// server is a running `accounts serve`.
type server struct {
	cmd    *exec.Cmd
	base   string
	client *http.Client
	out    *lockedBuffer
	done   chan struct{} // closed when the process has exited
	err    error         // how it exited, once done is closed
	token  string        // the signed-in administrator's bearer token, sent with every call
	admin  string        // the platform administrator's user ID, as accepting the invitation named it
	data   string        // ACCOUNTS_DATA_DIR: the file outbox is its outbox folder
}

// rootPassword is what the platform administrator chooses when accepting the printed invitation.
const rootPassword = "Harbour lights at 9 o'clock"

// mailedToken finds an invitation's token in its mail's accept link ("=3D" is '=' in
// quoted-printable; soft line breaks are taken out first).
var mailedToken = regexp.MustCompile(`accept-invitation\?token=(?:3D)?([A-Za-z0-9_-]+)`)

// acceptMailedInvitation accepts the invitation mailed to the platform administrator (serve
// prints its link only on a terminal: its output is a log otherwise), as a newcomer would.
func (s *server) acceptMailedInvitation(t *testing.T) {
	t.Helper()
	if out := s.out.String(); strings.Contains(out, `"token":"`) || strings.Contains(out, "?token=") {
		t.Errorf("serve printed the invitation's token to output that is no terminal:\n%s", s.out.String())
	}
	mail := strings.NewReplacer("=\r\n", "", "=\n", "").Replace(waitForMail(t, filepath.Join(s.data, "outbox"), "admin@localhost.localdomain"))
	m := mailedToken.FindStringSubmatch(mail)
	if m == nil {
		t.Fatalf("the administrator's invitation has no accept link:\n%s", mail)
	}
	var terms struct {
		Version string `json:"version"`
	}
	s.call(t, http.MethodGet, "/v1/terms", nil, http.StatusOK, &terms)
	h, raw := s.call(t, http.MethodPost, "/v1/invitations:accept", map[string]any{
		"token": m[1], "password": rootPassword, "password_confirmation": rootPassword,
		"age_confirmed": true, "terms_version": terms.Version,
	}, http.StatusOK, nil)
	// Every command answers the resource it changed (here the user the link belongs to), with
	// the revision and position of its headers.
	var answer commandAnswer
	decodeStrict(t, raw, &answer)
	if answer.ID == "" || h.Get("ETag") != fmt.Sprintf(`"%d"`, answer.Revision) || h.Get("X-Position") != answer.Position {
		t.Fatalf("accepting the invitation answered %s with ETag %q and X-Position %q", raw, h.Get("ETag"), h.Get("X-Position"))
	}
	s.admin = answer.ID
}

// signIn signs in as the platform administrator.
func (s *server) signIn(t *testing.T) {
	t.Helper()
	var in struct {
		Token string `json:"token"`
	}
	s.call(t, http.MethodPost, "/v1/sign-in", map[string]string{"username": "admin", "password": rootPassword}, http.StatusOK, &in)
	s.token = in.Token
}

// startServer starts `accounts serve` on a free port and waits until it is ready. The process
// is killed when the test ends if it is still running, and its output is logged if the test
// failed.
func startServer(t *testing.T, bin string, env []string) *server {
	t.Helper()
	addr := freeAddr(t)
	s := &server{
		base:   "http://" + addr,
		client: &http.Client{Timeout: 10 * time.Second},
		out:    &lockedBuffer{},
		done:   make(chan struct{}),
	}
	for _, kv := range append(baseEnv(), env...) {
		if dir, ok := strings.CutPrefix(kv, "ACCOUNTS_DATA_DIR="); ok {
			s.data = dir
		}
	}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env = append(append(baseEnv(), env...), "ACCOUNTS_HTTP_ADDR="+addr)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start accounts serve: %v", err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			_ = s.cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			t.Logf("output of accounts serve on %s:\n%s", addr, s.out.String())
		}
	})

	deadline := time.Now().Add(20 * time.Second)
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		resp, err := s.client.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case <-s.done:
			t.Fatalf("accounts serve exited before it was ready: %v", s.err)
		case <-time.After(delay):
		}
		if time.Now().After(deadline) {
			t.Fatalf("accounts serve not ready after 20s (last: %v)", err)
		}
	}
}

// stop sends SIGTERM and requires a clean exit within a few seconds.
func (s *server) stop(t *testing.T) {
	t.Helper()
	start := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("accounts serve still running 10s after SIGTERM")
	}
	if s.err != nil {
		t.Fatalf("accounts serve exited with %v after SIGTERM", s.err)
	}
	t.Logf("accounts serve stopped %v after SIGTERM", time.Since(start).Round(time.Millisecond))
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}

// commandAnswer is every command's answer.
type commandAnswer struct {
	ID       string `json:"id"`
	Revision uint64 `json:"revision"`
	Position string `json:"position"`
}

// created is the answer of POST /v1/accounts: a command answer with the first user and the code.
type created struct {
	commandAnswer
	FirstUserID      string `json:"first_user_id"`
	RegistrationCode string `json:"registration_code"`
}

// me is GET /v1/me: a user's fields, and what only the user sees.
type me struct {
	ID                  string     `json:"id"`
	AccountID           string     `json:"account_id"`
	Username            string     `json:"username"`
	Email               string     `json:"email"`
	Status              string     `json:"status"`
	GroupIDs            []string   `json:"group_ids"`
	TimeFormat          string     `json:"time_format"`
	TimeZone            string     `json:"time_zone"`
	InvitationExpiresAt *time.Time `json:"invitation_expires_at"`
	Revision            uint64     `json:"revision"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
	PendingEmail        string     `json:"pending_email"`
	Permissions         []string   `json:"permissions"`
}

// decodeStrict decodes an answer the test knows every field of: a field added or renamed fails.
func decodeStrict(t *testing.T, raw []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}

type accountDoc struct {
	ID               string            `json:"id"`
	ParentID         string            `json:"parent_id"`
	Kind             string            `json:"kind"`
	Name             string            `json:"name"`
	Address          map[string]string `json:"address"`
	RegistrationCode string            `json:"registration_code"`
	Revision         uint64            `json:"revision"`
	CreatedAt        time.Time         `json:"created_at"`
	UpdatedAt        time.Time         `json:"updated_at"`
}

// call does a request and decodes a JSON answer with the wanted status into v; it returns the
// answer's headers and raw body.
func (s *server) call(t *testing.T, method, path string, body any, want int, v any) (http.Header, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.base+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	if v != nil {
		if err := json.Unmarshal(raw, v); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
	return resp.Header, raw
}

// post creates an account and returns its X-Position.
func (s *server) post(t *testing.T, path string, body any, v *created) string {
	t.Helper()
	h, raw := s.call(t, http.MethodPost, path, body, http.StatusCreated, nil)
	decodeStrict(t, raw, v)
	if v.FirstUserID == "" {
		t.Errorf("POST %s: no first_user_id in %s", path, raw)
	}
	if h.Get("Location") != "/v1/accounts/"+v.ID || h.Get("ETag") != `"0"` || h.Get("X-Position") != v.Position {
		t.Errorf("POST %s: Location %q, ETag %q, X-Position %q for %+v", path, h.Get("Location"), h.Get("ETag"), h.Get("X-Position"), *v)
	}
	return h.Get("X-Position")
}

func (s *server) getAccount(t *testing.T, id, minPosition string) accountDoc {
	t.Helper()
	var a accountDoc
	s.call(t, http.MethodGet, "/v1/accounts/"+id+"?min_position="+minPosition, nil, http.StatusOK, &a)
	return a
}

// children lists every child of id, following next_cursor two at a time.
func (s *server) children(t *testing.T, id, minPosition string) []accountDoc {
	t.Helper()
	var all []accountDoc
	cursor := ""
	for range 100 {
		var page struct {
			Items []accountDoc `json:"items"`
			Next  string       `json:"next_cursor"`
		}
		s.call(t, http.MethodGet, fmt.Sprintf("/v1/accounts/%s/children?limit=2&min_position=%s&cursor=%s", id, minPosition, cursor), nil, http.StatusOK, &page)
		all = append(all, page.Items...)
		if page.Next == "" {
			return all
		}
		cursor = page.Next
	}
	t.Fatalf("children of %s: more than 100 pages", id)
	return nil
}

// snapshot is what the API answers for the accounts, as raw JSON bodies with their ETags.
func (s *server) snapshot(t *testing.T, minPosition string, ids ...string) string {
	t.Helper()
	var b strings.Builder
	for _, id := range ids {
		h, raw := s.call(t, http.MethodGet, "/v1/accounts/"+id+"?min_position="+minPosition, nil, http.StatusOK, nil)
		fmt.Fprintf(&b, "%s %s", h.Get("ETag"), raw)
	}
	return b.String()
}

// readModel dumps the accounts read model's rows.
func readModel(t *testing.T, dbURL string) string {
	t.Helper()
	var accounts, tree string
	query(t, dbURL, func(conn *pgx.Conn) error {
		err := conn.QueryRow(t.Context(), `SELECT coalesce(json_agg(a ORDER BY a.id), '[]')::text FROM accounts a`).Scan(&accounts)
		if err != nil {
			return err
		}
		return conn.QueryRow(t.Context(), `SELECT coalesce(json_agg(t ORDER BY t.ancestor_id, t.descendant_id), '[]')::text FROM account_tree t`).Scan(&tree)
	})
	return accounts + "\n" + tree
}

// eventCount counts the events in the store.
func eventCount(t *testing.T, dbURL string) int {
	t.Helper()
	var n int
	query(t, dbURL, func(conn *pgx.Conn) error {
		return conn.QueryRow(t.Context(), `SELECT count(*) FROM events`).Scan(&n)
	})
	return n
}

func query(t *testing.T, dbURL string, f func(*pgx.Conn) error) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	defer conn.Close(context.Background())
	if err := f(conn); err != nil {
		t.Fatalf("query the test database: %v", err)
	}
}
