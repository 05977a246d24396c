package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/internal/pgtest"
)

// httpFigures serve the API as `accounts serve` wires it (config from the environment, the
// projections and the mail dispatcher running, mail into the file outbox) on a real HTTP server,
// and drive it with 16 clients signed in as the platform administrator.
func httpFigures(ctx context.Context, b *testing.B, s benchSettings, rep *report) {
	progress("HTTP: starting the service")
	run := startBenchService(ctx, b, &http.Transport{MaxIdleConnsPerHost: 64}, 30*time.Second)
	cfg, c := run.cfg, run.admin

	// Accounts are created by the create figure; the first 16 are made first, so that every
	// rename client has one of its own from the start.
	var (
		mu       sync.Mutex
		accounts []string
	)
	create := func(ctx context.Context, worker, i int) error {
		var out struct{ ID string }
		_, err := c.do(ctx, http.MethodPost, "/v1/accounts", map[string]any{
			"kind": "customer", "name": fmt.Sprintf("Bench customer %d-%d", worker, i),
			"address":    map[string]string{"line1": "1 Main St", "city": "Springfield", "country": "US"},
			"first_user": map[string]string{"email": "first-" + uuid.NewString() + "@example.test"},
		}, http.StatusCreated, &out)
		if err == nil {
			mu.Lock()
			accounts = append(accounts, out.ID)
			mu.Unlock()
		}
		return err
	}
	for i := range 16 {
		if err := create(ctx, 99, i); err != nil {
			b.Fatal(err)
		}
	}
	// Client w renames and reads accounts w, w+16, w+32, ... of those made before the figure.
	mine := func(worker, i int) string {
		mu.Lock()
		defer mu.Unlock()
		n := len(accounts) / 16 * 16
		return accounts[(worker+16*i)%n]
	}
	rename := func(ctx context.Context, worker, i int) error {
		_, err := c.do(ctx, http.MethodPatch, "/v1/accounts/"+mine(worker, i), map[string]string{"name": fmt.Sprintf("Renamed %d-%d", worker, i)}, http.StatusOK, nil)
		return err
	}
	get := func(ctx context.Context, worker, i int) error {
		_, err := c.do(ctx, http.MethodGet, "/v1/accounts/"+mine(worker, i), nil, http.StatusOK, nil)
		return err
	}
	var renames, creates, gets measurement
	for round := range s.rounds {
		progress("HTTP, round %d", round+1)
		renames.run(ctx, 16, s.phase, rename)
		creates.run(ctx, 16, s.phase, create)
		gets.run(ctx, 16, s.phase, get)
	}
	for _, f := range []struct {
		m      *measurement
		name   string
		target string
	}{
		{&renames, "HTTP PATCH rename, 16 clients", ">= 0.25, p99 < 50ms"},
		{&creates, "HTTP POST create account, 16 clients", ">= 0.05"},
		{&gets, "HTTP GET account, 16 clients", ">= 0.5"},
	} {
		fig := rep.add(&figure{name: f.name, reference: rep.raw16, target: f.target, latencies: true})
		f.m.into(fig)
	}
	entries, _ := os.ReadDir(cfg.DataDir + "/outbox")
	rep.footer = append(rep.footer, fmt.Sprintf("HTTP: pool of %d connections, %d accounts created, %d mails in the outbox at the end", cfg.MaxConns, len(accounts), len(entries)))
}

// benchClient sends JSON requests with the bearer token.
type benchClient struct {
	base, token string
	http        *http.Client
}

// do sends a request and decodes the answer into out when it has the status wanted.
func (c *benchClient) do(ctx context.Context, method, path string, body any, want int, out any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return res, err
	}
	if res.StatusCode != want {
		return res, fmt.Errorf("%s %s: %d, want %d: %s", method, path, res.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return res, errors.Join(fmt.Errorf("%s %s: decode the answer", method, path), err)
		}
	}
	return res, nil
}

// benchRun is the whole service of a part of the report, on a database of its own, served over
// HTTP with its projections and mail dispatcher running, and its platform administrator signed in.
type benchRun struct {
	cfg    config
	svc    *service
	logger *slog.Logger
	admin  *benchClient // the platform administrator, on the service's URL
}

// startBenchService starts the service for a part of the report; b's cleanup stops it.
func startBenchService(ctx context.Context, b *testing.B, transport http.RoundTripper, timeout time.Duration) benchRun {
	b.Setenv("ACCOUNTS_DATABASE_URL", pgtest.NewDatabase(b))
	b.Setenv("ACCOUNTS_DATA_DIR", b.TempDir())
	cfg, err := loadConfig()
	if err != nil {
		b.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	svc, err := open(ctx, cfg, logger)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(svc.close)
	a, err := wire(ctx, cfg, svc, logger)
	if err != nil {
		b.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	var background sync.WaitGroup
	b.Cleanup(func() { stop(); background.Wait() })
	background.Go(func() { _ = svc.pipeline.Run(runCtx) })
	background.Go(func() { _ = a.dispatcher.Run(runCtx, time.Second) })
	srv := httptest.NewServer(a.api)
	b.Cleanup(srv.Close)

	admin := &benchClient{base: srv.URL, http: &http.Client{Transport: transport, Timeout: timeout}}
	const pw = "bench horse battery staple 42"
	if _, err := admin.do(ctx, http.MethodPost, "/v1/invitations:accept", map[string]any{"token": a.invitation, "password": pw,
		"password_confirmation": pw, "age_confirmed": true, "terms_version": cfg.Identity.TermsVersion}, http.StatusOK, nil); err != nil {
		b.Fatal(err)
	}
	var signedIn struct{ Token string }
	if _, err := admin.do(ctx, http.MethodPost, "/v1/sign-in", map[string]string{"username": cfg.RootUsername, "password": pw}, http.StatusOK, &signedIn); err != nil {
		b.Fatal(err)
	}
	admin.token = signedIn.Token
	return benchRun{cfg: cfg, svc: svc, logger: logger, admin: admin}
}
