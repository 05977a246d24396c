package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/camcloud/accounts/support/supportcmd"
	"github.com/camcloud/accounts/support/supporthttp"
	"github.com/camcloud/accounts/support/supportview"

	"github.com/camcloud/accounts/identity/clientview"

	"github.com/camcloud/accounts/billing/billingcmd"
	"github.com/camcloud/accounts/billing/billinghttp"
	"github.com/camcloud/accounts/billing/billingview"

	"github.com/camcloud/accounts/recorders/recordercmd"
	"github.com/camcloud/accounts/recorders/recorderhttp"
	"github.com/camcloud/accounts/recorders/recorderview"

	"github.com/camcloud/accounts/accounts/accounthttp"
	"github.com/camcloud/accounts/adapters/httpkit"
	"github.com/camcloud/accounts/identity/identityhttp"

	"github.com/camcloud/accounts/identity/identitycmd"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/alexedwards/argon2id"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/accounts/accountcmd"
	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/adapters/httpapi"
	"github.com/camcloud/accounts/adapters/password"
	"github.com/camcloud/accounts/adapters/sessionstore"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/postgres"
	"github.com/camcloud/accounts/identity/identityview"
	"github.com/camcloud/accounts/internal/pgtest"
	"github.com/camcloud/accounts/internal/tcpproxy"
	"github.com/camcloud/accounts/projections"
)

// rootID is the platform root account every harness starts with.
var rootID = account.PlatformRootID

// harness is the real stack on a fresh database: the PostgreSQL event store, the projection
// pipeline running in the background, the command handlers and the HTTP API behind a test server.
type harness struct {
	cfg      apiConfig // what srv was built with, for tests that need a variant
	srv      *httptest.Server
	pool     *pgxpool.Pool
	store    *postgres.Store
	queries  *accountview.Queries
	identity *identitycmd.Commands
	links    *identitycmd.Links
	token    string // the root administrator's; sent unless a request sets Authorization itself
	handler  *command.Handler
	deps     identitycmd.Deps
	recorder *recordingStore // what each request appended, by its X-Request-ID
}

// variant returns a second server on the same database and sessions whose identity settings are
// cfg (terms version "t1" unless set), acting with the same token.
func (h *harness) variant(t *testing.T, cfg identitycmd.Config) *harness {
	t.Helper()
	if cfg.TermsVersion == "" {
		cfg.TermsVersion = "t1"
	}
	other := *h
	other.identity = identitycmd.New(h.handler, cfg, h.deps)
	other.cfg.Identity = other.identity
	other.srv = httptest.NewServer(other.cfg.api())
	t.Cleanup(other.srv.Close)
	return &other
}

// apiConfig is what the API of a harness is made of; tests change a part (the identity commands,
// the wait) and build a variant.
type apiConfig struct {
	Accounts    *accountcmd.Commands
	Identity    *identitycmd.Commands
	Authz       *access.Authorizer
	Queries     *accountview.Queries
	Users       *identityview.Queries
	Checkpoints *projections.Checkpoints
	Ready       func(context.Context) error
	MaxWait     time.Duration
	// RequestTimeout bounds a request's work, as ACCOUNTS_REQUEST_TIMEOUT does (0: unbounded).
	RequestTimeout time.Duration
	Requests       httpkit.RequestObserver
	Recorders      *recordercmd.Commands
	RecorderQ      *recorderview.Queries
	Billing        *billingcmd.Commands
	BillingQ       *billingview.Queries
	ClientQ        *clientview.Queries
	Support        *supportcmd.Commands
	SupportQ       *supportview.Queries
}

// api assembles the API as cmd/accounts does.
func (c apiConfig) api() http.Handler {
	kit := httpkit.NewKit(nil, c.Checkpoints, c.MaxWait)
	kit.RequestTimeout = c.RequestTimeout
	return httpapi.New(httpapi.Config{
		Kit: kit, Ready: c.Ready, Requests: c.Requests,
		Authenticator: httpkit.Authenticators{recordercmd.Authenticator{Credentials: c.RecorderQ},
			identitycmd.ClientAuthenticator{Keys: c.ClientQ}, c.Identity},
		SupportAgents: c.Support,
		Routes: []httpkit.Routes{
			&identityhttp.Handlers{Kit: kit, Identity: c.Identity, Users: identityview.NewReader(c.Users, c.Authz), Clients: clientview.NewReader(c.ClientQ, c.Authz)},
			&accounthttp.Handlers{Kit: kit, Accounts: c.Accounts, Queries: accountview.NewReader(c.Queries, c.Users, c.RecorderQ)},
			&recorderhttp.Handlers{Kit: kit, Recorders: c.Recorders, Queries: recorderview.NewReader(c.RecorderQ, c.Authz)},
			&billinghttp.Handlers{Kit: kit, Billing: c.Billing, Queries: billingview.NewReader(c.BillingQ, c.Authz), Accounts: c.Queries},
			&supporthttp.Handlers{Kit: kit, Support: c.Support, Queries: supportview.NewReader(c.SupportQ, c.Authz, c.Support), TimeZone: c.Users.TimeZone},
		},
	})
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessOn(t, pgtest.NewPool(t))
}

// newHarnessBehindProxy is a harness on a database of its own reached through a TCP proxy, for
// tests of outages: cut, frozen, back.
func newHarnessBehindProxy(t *testing.T) (*harness, *tcpproxy.Proxy) {
	t.Helper()
	dbURL, proxy := tcpproxy.ForURL(t, pgtest.NewDatabase(t))
	pool, err := pgxpool.New(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return newHarnessOn(t, pool), proxy
}

// newHarnessOn is newHarness on a pool of an empty database the test made (for example through a
// proxy it can cut).
func newHarnessOn(t *testing.T, pool *pgxpool.Pool) *harness {
	t.Helper()
	ctx := t.Context()
	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatalf("migrate the event store: %v", err)
	}
	store := postgres.New(pool)
	codec := eventstore.NewCodec(domain.Events()...)
	if err := sessionstore.Migrate(ctx, pool); err != nil {
		t.Fatalf("migrate the sessions: %v", err)
	}
	pipeline := projections.NewPipeline(store, pool, codec, watermill.NopLogger{}, accountview.Projector{}, identityview.Projector{}, clientview.Projector{}, recorderview.Projector{}, billingview.Projector{}, supportview.Projector{})
	if err := pipeline.Migrate(ctx); err != nil {
		t.Fatalf("migrate the read models: %v", err)
	}

	// The pipeline runs until the test ends; cleanups run last-registered first, so it stops
	// before pgtest closes the pool and drops the database.
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- pipeline.Run(runCtx) }()
	t.Cleanup(func() {
		stop()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("projection pipeline: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("projection pipeline did not stop within 15s of its context ending")
		}
	})

	recorder := newRecordingStore(store)
	handler := command.NewHandler(recorder, codec)
	root := account.Address{Line1: "1 Platform Way", City: "Springfield", Country: "US"}
	if _, err := accountcmd.New(handler, nil, nil).EnsurePlatformRoot(ctx, command.Service("test"), "Platform", root); err != nil {
		t.Fatalf("create the platform root: %v", err)
	}
	links, err := identitycmd.NewLinks(bytes.Repeat([]byte("k"), 32))
	if err != nil {
		t.Fatal(err)
	}
	accountQueries := accountview.NewQueries(pool)
	users := identityview.NewQueries(pool)
	authz := access.NewAuthorizer(accountQueries)
	deps := identitycmd.Deps{
		Links:    links,
		Hasher:   password.NewHasherWithParams(cheapArgon2),
		Policy:   policy{},
		Sessions: sessionstore.New(pool),
		Members:  users,
		Authz:    authz,
	}
	ident := identitycmd.New(handler, identitycmd.Config{TermsVersion: "t1"}, deps)
	accounts := accountcmd.New(handler, authz, ident)
	recorderQueries := recorderview.NewQueries(pool)
	recorders := recordercmd.New(handler, authz, accountQueries, recorderQueries, nil) // attempt budgets in memory, as identity's here

	checkpoints := projections.NewCheckpoints(pool)
	cfg := apiConfig{
		Accounts:    accounts,
		Identity:    ident,
		Authz:       authz,
		Queries:     accountQueries,
		Users:       users,
		Checkpoints: checkpoints,
		Ready:       pool.Ping,
		Recorders:   recorders,
		RecorderQ:   recorderQueries,
		Billing:     billingcmd.New(handler, authz, recorderQueries),
		BillingQ:    billingview.NewQueries(pool),
		ClientQ:     clientview.NewQueries(pool),
		Support:     supportcmd.New(handler, authz, recorderQueries, accountQueries),
		SupportQ:    supportview.NewQueries(pool),
	}
	srv := httptest.NewServer(cfg.api())
	t.Cleanup(srv.Close)

	h := &harness{cfg: cfg, srv: srv, pool: pool, store: store, queries: accountQueries, identity: ident, links: links, handler: handler, deps: deps, recorder: recorder}
	// Registered after the database's cleanup, so it runs before the database is dropped.
	t.Cleanup(func() { checkAuditTrail(t, store) })
	// The root's administrator accepts their invitation and signs in; requests carry their token.
	invitation, err := ident.EnsureRootAdministrator(ctx, command.Service("bootstrap"), "admin", "admin@example.test")
	if err != nil {
		t.Fatalf("invite the root administrator: %v", err)
	}
	h.token = h.acceptAndSignIn(t, invitation, "admin")
	// Let the read models see the root before any test reads it without min_position.
	if err := checkpoints.WaitFor(ctx, h.lastPosition(t), 10*time.Second, accountview.Name, identityview.Name); err != nil {
		t.Fatalf("read models did not catch up with the platform root: %v", err)
	}
	return h
}

// firstUser is the first_user of an account created in a test: a fresh e-mail address each time.
func firstUser() map[string]string {
	return map[string]string{"email": "first-" + uuid.NewString() + "@example.test"}
}

// cheapArgon2 keeps password hashing fast in tests; production uses the OWASP parameters.
var cheapArgon2 = &argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// policy is the production password policy, adapted as cmd/accounts adapts it.
type policy struct{ password.Policy }

func (p policy) Check(plain string, inputs ...string) identitycmd.Strength {
	s := p.Policy.Check(plain, inputs...)
	return identitycmd.Strength{Score: s.Score, Acceptable: s.Acceptable, Problems: s.Problems, Hints: s.Hints}
}

// strongPassword passes the policy.
const strongPassword = "correct horse battery staple 42"

// acceptAndSignIn accepts an invitation over HTTP with strongPassword and signs in.
func (h *harness) acceptAndSignIn(t *testing.T, invitation, username string) string {
	t.Helper()
	h.do(t, req{Method: http.MethodPost, Path: "/v1/invitations:accept", Body: map[string]any{
		"token": invitation, "password": strongPassword, "password_confirmation": strongPassword,
		"age_confirmed": true, "terms_version": "t1",
	}, Header: map[string]string{"Authorization": ""}}).expect(t, http.StatusOK, nil)
	return h.signIn(t, username, strongPassword)
}

// signIn signs in over HTTP and returns the bearer token.
func (h *harness) signIn(t *testing.T, username, pw string) string {
	t.Helper()
	var out struct {
		Token   string          `json:"token"`
		Session json.RawMessage `json:"session"`
	}
	h.do(t, req{Method: http.MethodPost, Path: "/v1/sign-in", Body: map[string]string{"username": username, "password": pw},
		Header: map[string]string{"Authorization": ""}}).expect(t, http.StatusOK, &out)
	return out.Token
}

// response is an HTTP answer with its body read.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// req is one request: Body is sent as is when it is a string or []byte, else as JSON. A request
// with a body gets Content-Type application/json unless Header says otherwise.
type req struct {
	Method string
	Path   string
	Body   any
	Header map[string]string
}

func (h *harness) do(t *testing.T, r req) response {
	t.Helper()
	var body io.Reader
	switch b := r.Body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode request body: %v", err)
		}
		body = bytes.NewReader(raw)
	}
	httpReq, err := http.NewRequestWithContext(t.Context(), r.Method, h.srv.URL+r.Path, body)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if body != nil {
		httpReq.Header.Set("Content-Type", "application/json")
	}
	if h.token != "" {
		httpReq.Header.Set("Authorization", "Bearer "+h.token)
	}
	httpReq.Header.Set("X-Request-ID", "test-"+uuid.NewString())
	for k, v := range r.Header {
		if v == "" {
			httpReq.Header.Del(k)
		} else {
			httpReq.Header.Set(k, v)
		}
	}
	requestID := httpReq.Header.Get("X-Request-ID")
	resp, err := h.srv.Client().Do(httpReq)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", r.Method, r.Path, err)
	}
	got := response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
	checkOpenAPI(t, httpReq, got)
	h.checkRefusalWroteNothing(t, r, got, requestID)
	return got
}

// expect fails the test unless the answer has the status, and then decodes its JSON body into v
// (when v is not nil), insisting on the application/json media type.
func (r response) expect(t *testing.T, status int, v any) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	if v == nil {
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	if err := decodeStrict(bytes.NewReader(r.Body), v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// decodeStrict decodes exactly one JSON value with no fields the test does not know of, so that a
// field added to or renamed in an answer shows up here.
func decodeStrict(body io.Reader, v any) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}

// problem is an RFC 9457 problem document as the API writes it.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Field  string `json:"field"`
}

// expectProblem fails the test unless the answer is a problem+json document with the status
// and the stable type, and returns it.
func (r response) expectProblem(t *testing.T, status int, typ string) problem {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json; body: %s", ct, r.Body)
	}
	var p problem
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("decode problem %s: %v", r.Body, err)
	}
	if p.Type != typ {
		t.Fatalf("problem type %q, want %q; problem: %+v", p.Type, typ, p)
	}
	if p.Status != status {
		t.Fatalf("problem status %d, want %d (the HTTP status)", p.Status, status)
	}
	if p.Title == "" {
		t.Fatalf("problem has no title: %s", r.Body)
	}
	return p
}

// created is the body of a 201 from POST /v1/accounts.
type created struct {
	ID               string `json:"id"`
	FirstUserID      string `json:"first_user_id"`
	RegistrationCode string `json:"registration_code"`
	Revision         uint64 `json:"revision"`
	Position         string `json:"position"`
}

// commandAnswer is the body of a successful PATCH.
type commandAnswer struct {
	ID       string `json:"id"`
	Revision uint64 `json:"revision"`
	Position string `json:"position"`
}

// accountDoc is an account as GET /v1/accounts/{id} returns it.
type accountDoc struct {
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

type page struct {
	Items      []accountDoc `json:"items"`
	NextCursor string       `json:"next_cursor"`
}

var testAddress = account.Address{Line1: "10 Main Street", City: "Lyon", PostalCode: "69001", Country: "FR"}

// create creates an account through the API and returns the answer and its X-Position.
func (h *harness) create(t *testing.T, parentID, kind, name string) (created, string) {
	t.Helper()
	body := map[string]any{"kind": kind, "name": name, "address": testAddress, "first_user": firstUser()}
	if parentID != "" {
		body["parent_id"] = parentID
	}
	var c created
	resp := h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts", Body: body})
	resp.expect(t, http.StatusCreated, &c)
	return c, resp.Header.Get("X-Position")
}

// get reads an account once the read model reached minPosition ("" for no wait).
func (h *harness) get(t *testing.T, id, minPosition string) (accountDoc, response) {
	t.Helper()
	path := "/v1/accounts/" + id
	if minPosition != "" {
		path += "?min_position=" + minPosition
	}
	var a accountDoc
	resp := h.do(t, req{Method: http.MethodGet, Path: path})
	resp.expect(t, http.StatusOK, &a)
	return a, resp
}

// children lists every child of id, following next_cursor, and returns them with the pages' sizes.
func (h *harness) children(t *testing.T, id, minPosition string, limit int) (kids []accountDoc, sizes []int) {
	t.Helper()
	cursor := ""
	for range 1000 {
		path := fmt.Sprintf("/v1/accounts/%s/children?limit=%d", id, limit)
		if minPosition != "" {
			path += "&min_position=" + minPosition
		}
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		var p page
		h.do(t, req{Method: http.MethodGet, Path: path}).expect(t, http.StatusOK, &p)
		if p.Items == nil {
			t.Fatalf("GET %s: items is null, want a list", path)
		}
		kids = append(kids, p.Items...)
		sizes = append(sizes, len(p.Items))
		if p.NextCursor == "" {
			return kids, sizes
		}
		cursor = p.NextCursor
	}
	t.Fatalf("listing the children of %s did not end after 1000 pages", id)
	return nil, nil
}

// lastPosition is the position of the last event in the store.
func (h *harness) lastPosition(t *testing.T) eventstore.Position {
	t.Helper()
	last, err := h.store.ReadAll(t.Context(), eventstore.EndOfAll, eventstore.Backwards, 1)
	if err != nil {
		t.Fatalf("read the last event: %v", err)
	}
	if len(last) == 0 {
		return eventstore.Start
	}
	return last[0].Position
}

// eventCount is the number of events in the store.
func (h *harness) eventCount(t *testing.T) int {
	t.Helper()
	events, err := h.store.ReadAll(t.Context(), eventstore.Start, eventstore.Forwards, 100000)
	if err != nil {
		t.Fatalf("read all events: %v", err)
	}
	return len(events)
}

// streamRevision is the revision of an account's stream (-1 when it has no event).
func (h *harness) streamRevision(t *testing.T, id string) int64 {
	t.Helper()
	last, err := h.store.ReadStream(t.Context(), accountcmd.AccountStream(id), eventstore.End, eventstore.Backwards, 1)
	if err != nil {
		t.Fatalf("read stream of %s: %v", id, err)
	}
	if len(last) == 0 {
		return -1
	}
	return int64(last[0].Revision)
}

func etag(revision uint64) string { return fmt.Sprintf(`"%d"`, revision) }
