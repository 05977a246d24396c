package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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

	"github.com/camcloud/accounts/adapters/tracing"

	"github.com/camcloud/accounts/accounts/accounthttp"
	"github.com/camcloud/accounts/adapters/httpkit"
	"github.com/camcloud/accounts/identity/identityhttp"

	"github.com/camcloud/accounts/accounts/accountcmd"

	"github.com/camcloud/accounts/identity/identitycmd"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"
	"golang.org/x/term"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/adapters/attemptlimit"
	"github.com/camcloud/accounts/adapters/email"
	"github.com/camcloud/accounts/adapters/httpapi"
	"github.com/camcloud/accounts/adapters/linkkey"
	"github.com/camcloud/accounts/adapters/metrics"
	"github.com/camcloud/accounts/adapters/notify"
	"github.com/camcloud/accounts/adapters/password"
	"github.com/camcloud/accounts/adapters/sessionstore"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/esdb"
	"github.com/camcloud/accounts/eventstore/postgres"
	"github.com/camcloud/accounts/identity/identityview"
	"github.com/camcloud/accounts/internal/pgcluster"
	"github.com/camcloud/accounts/jobs"
	"github.com/camcloud/accounts/projections"
)

// service is everything the commands share, opened and migrated.
type service struct {
	readModels *pgxpool.Pool
	events     eventstore.Store
	pipeline   *projections.Pipeline
	codec      *eventstore.Codec
	close      func()
}

// open connects to the databases (starting the private cluster when none is configured) and
// migrates them.
func open(ctx context.Context, cfg config, logger *slog.Logger) (*service, error) {
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	dbURL := cfg.DatabaseURL
	if dbURL == "" {
		cluster, err := pgcluster.Start(ctx, pgcluster.Options{
			Dir:  filepath.Join(cfg.DataDir, "postgres"),
			Port: cfg.PostgresPort,
			Logf: func(format string, args ...any) { logger.Info(fmt.Sprintf(format, args...)) },
		})
		if err != nil {
			return nil, fmt.Errorf("start the private PostgreSQL (or set ACCOUNTS_DATABASE_URL): %w", err)
		}
		closers = append(closers, func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := cluster.Stop(stopCtx); err != nil {
				logger.Warn("stop the private PostgreSQL", "error", err)
			}
		})
		dbURL = cluster.URL("postgres")
	}
	pool, err := newPool(ctx, dbURL, cfg.MaxConns, cfg.ConnectTimeout)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("read model database: %w", err)
	}
	closers = append(closers, pool.Close)

	store, err := openEventStore(ctx, cfg, dbURL, pool, logger, &closers)
	if err != nil {
		closeAll()
		return nil, err
	}
	codec := eventstore.NewCodec(domain.Events()...)
	if err := sessionstore.Migrate(ctx, pool); err != nil {
		closeAll()
		return nil, err
	}
	if err := attemptlimit.Migrate(ctx, pool); err != nil {
		closeAll()
		return nil, err
	}
	if err := linkkey.Migrate(ctx, pool); err != nil {
		closeAll()
		return nil, err
	}
	if err := jobs.Migrate(ctx, pool); err != nil { // the periodic jobs' schedules
		closeAll()
		return nil, err
	}
	storeID, err := storeIdentity(ctx, cfg.EventStoreURL, dbURL, pool)
	if err != nil {
		closeAll()
		return nil, err
	}
	pipeline := projections.NewPipeline(store, pool, codec, watermill.NewSlogLogger(logger),
		// Every read model: a new context adds its projector here.
		accountview.Projector{}, identityview.Projector{}, clientview.Projector{}, recorderview.Projector{}, billingview.Projector{}, supportview.Projector{}, notify.Outbox{}).IdentifyStore(storeID).StopAtNewerTypes()
	if err := pipeline.Migrate(ctx); err != nil {
		closeAll()
		return nil, err
	}
	return &service{readModels: pool, events: store, pipeline: pipeline, codec: codec, close: closeAll}, nil
}

// openEventStore opens the event store an ACCOUNTS_EVENTSTORE_URL names: EventStoreDB for
// esdb:// and kurrentdb:// URLs, else PostgreSQL (by default the read models' database).
func openEventStore(ctx context.Context, cfg config, dbURL string, pool *pgxpool.Pool, logger *slog.Logger, closers *[]func()) (eventstore.Store, error) {
	url := cfg.EventStoreURL
	switch {
	case url == "" || url == dbURL:
		return postgres.New(pool), postgres.Migrate(ctx, pool)
	case isEventStoreDB(url):
		store, err := esdb.New(ctx, url, esdb.WithLogger(logger))
		if err != nil {
			return nil, fmt.Errorf("event store: %w", err)
		}
		*closers = append(*closers, func() { store.Close() })
		return store, nil
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		eventPool, err := newPool(ctx, url, cfg.MaxConns, cfg.ConnectTimeout)
		if err != nil {
			return nil, fmt.Errorf("event store database: %w", err)
		}
		*closers = append(*closers, eventPool.Close)
		return postgres.New(eventPool), postgres.Migrate(ctx, eventPool)
	}
	return nil, errors.New("ACCOUNTS_EVENTSTORE_URL: want an esdb://, kurrentdb:// or postgres:// URL")
}

// newPool opens a pool of at most maxConns connections (0: pgx's default) on url. Opening a
// connection gives up after connectTimeout (0: never) unless the URL's connect_timeout says
// otherwise: without it, a server that silently drops packets holds a request until the kernel
// gives up (minutes) instead of letting it answer 503.
func newPool(ctx context.Context, url string, maxConns int, connectTimeout time.Duration) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	if maxConns > 0 {
		pc.MaxConns = int32(min(maxConns, 1<<20))
	}
	if pc.ConnConfig.ConnectTimeout == 0 {
		pc.ConnConfig.ConnectTimeout = connectTimeout
	}
	return pgxpool.NewWithConfig(ctx, pc)
}

func isEventStoreDB(url string) bool {
	for _, scheme := range []string{"esdb://", "esdb+discover://", "kurrentdb://", "kurrentdb+discover://", "kurrent://", "kdb://"} {
		if strings.HasPrefix(url, scheme) {
			return true
		}
	}
	return false
}

// ready reports whether both databases answer: the read models' and the event store.
func (s *service) ready(ctx context.Context) error {
	if err := s.pipeline.Err(); err != nil {
		return fmt.Errorf("projections: %w", err)
	}
	if err := s.readModels.Ping(ctx); err != nil {
		return fmt.Errorf("read model database: %w", err)
	}
	if _, err := s.events.ReadAll(ctx, eventstore.EndOfAll, eventstore.Backwards, 1); err != nil {
		return fmt.Errorf("event store: %w", err)
	}
	return nil
}

func migrate(ctx context.Context, cfg config, logger *slog.Logger) error {
	svc, err := open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	svc.close()
	logger.Info("migrated")
	return nil
}

func rebuild(ctx context.Context, cfg config, logger *slog.Logger, names []string) error {
	svc, err := open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer svc.close()
	if len(names) == 0 {
		names = svc.pipeline.Names()
	}
	// Each is built beside the live one, which keeps serving, and swapped in when caught up.
	all := time.Now()
	for _, name := range names {
		start := time.Now()
		if err := svc.pipeline.Rebuild(ctx, name); err != nil {
			return err
		}
		logger.Info("read model rebuilt", "name", name, "duration", time.Since(start).Round(time.Millisecond))
	}
	logger.Info("read models rebuilt", "names", names, "duration", time.Since(all).Round(time.Millisecond))
	return nil
}

// platformRootAddress is the root's address until an operator changes it (PATCH /v1/accounts/{id}).
var platformRootAddress = account.Address{Line1: "Not set yet", City: "Not set yet", Country: "US"}

// app is what serve runs on an opened service: the HTTP API and the mail dispatcher, wired as
// production wires them (the bench report serves the same).
type app struct {
	api        http.Handler
	dispatcher *notify.Dispatcher
	overdue    *jobs.Periodic   // marks the invoices past their due date, daily
	expiry     *jobs.Periodic   // records the support grants that reached their end
	metrics    *metrics.Metrics // served on ACCOUNTS_METRICS_ADDR, when set
	tracing    *tracing.Tracing // spans sent to ACCOUNTS_OTLP_ENDPOINT, when set
	// invitation is the platform administrator's invitation token while they have no password.
	invitation string
}

// wire builds the command handlers, queries and HTTP API on svc, and makes sure the platform
// root account and its first administrator exist.
func wire(ctx context.Context, cfg config, svc *service, logger *slog.Logger) (*app, error) {
	key, err := tokenKey(ctx, cfg, svc.readModels)
	if err != nil {
		return nil, err
	}
	links, err := identitycmd.NewLinks(key)
	if err != nil {
		return nil, err
	}
	mailer, err := newMailer(cfg)
	if err != nil {
		return nil, err
	}
	// Metrics are measured by decorators and hooks around the parts below; they cost little, so
	// they are kept even when no address serves them.
	m := metrics.New(prometheus.NewRegistry())
	m.WatchProjections(svc.events, svc.pipeline.Checkpoints(), svc.pipeline.Names()...)
	dispatcher, err := notify.NewDispatcher(svc.readModels, mailer, links, cfg.PublicURL, logger, m.Mails())
	if err != nil {
		return nil, err
	}
	tr, err := tracing.New(ctx, cfg.OTLPEndpoint, "camcloud-accounts")
	if err != nil {
		return nil, err
	}
	handler := command.NewHandler(tr.Store(m.Store(svc.events)), svc.codec)
	handler.Observe(m.Command())
	accountQueries := accountview.NewQueries(svc.readModels)
	users := identityview.NewQueries(svc.readModels)
	authz := access.NewAuthorizer(accountQueries)
	identityCommands := identitycmd.New(handler, cfg.Identity.config(), identitycmd.Deps{
		Links:    links,
		Hasher:   password.NewHasher(cfg.Hashing.limits()),
		Limiter:  attemptlimit.New(svc.readModels),
		Policy:   passwordPolicy{password.Policy{MinLength: cfg.MinPassword}},
		Sessions: sessionstore.New(svc.readModels),
		Members:  users,
		Authz:    authz,
	})
	accounts := accountcmd.New(handler, authz, identityCommands)
	recorderQueries := recorderview.NewQueries(svc.readModels)
	recorders := recordercmd.New(handler, authz, accountQueries, recorderQueries, attemptlimit.New(svc.readModels))

	bootstrap := command.Service("bootstrap")
	created, err := accounts.EnsurePlatformRoot(ctx, bootstrap, "Platform", platformRootAddress)
	if err != nil {
		return nil, fmt.Errorf("create the platform root account: %w", err)
	}
	if created {
		logger.Info("created the platform root account", "id", account.PlatformRootID)
	}
	invitation, err := identityCommands.EnsureRootAdministrator(ctx, bootstrap, cfg.RootUsername, cfg.RootEmail)
	if err != nil {
		return nil, fmt.Errorf("invite the platform root's first administrator: %w", err)
	}
	billing := billingcmd.New(handler, authz, recorderQueries)
	billingQueries := billingview.NewQueries(svc.readModels)
	markOverdue := overdue(billing, billingQueries)
	overdueJob := &jobs.Periodic{Name: "invoices-overdue", Pool: svc.readModels, Every: 24 * time.Hour, Counter: m.Jobs(), Logger: logger,
		Handle: func(ctx context.Context) error { _, err := markOverdue(ctx); return err }}
	clientQueries := clientview.NewQueries(svc.readModels)
	support := supportcmd.New(handler, authz, recorderQueries, accountQueries)
	supportQueries := supportview.NewQueries(svc.readModels)
	expiryJob := &jobs.Periodic{Name: "support-grants-expired", Pool: svc.readModels, Every: time.Minute, Counter: m.Jobs(), Logger: logger,
		Handle: func(ctx context.Context) error { return expireGrants(ctx, support, supportQueries) }}
	// The checkpoints are woken by this process's pipeline as it commits.
	kit := httpkit.NewKit(logger, svc.pipeline.Checkpoints(), 0)
	kit.RequestTimeout = cfg.RequestTimeout
	api := httpapi.New(httpapi.Config{
		Kit: kit,
		// A recorder's token is told by its prefix, so it goes first: a user's costs it nothing.
		Authenticator: httpkit.Authenticators{recordercmd.Authenticator{Credentials: recorderQueries},
			identitycmd.ClientAuthenticator{Keys: clientQueries}, identityCommands},
		SupportAgents: support,
		Ready:         svc.ready,
		Requests:      m,
		// Every context's routes: a new context adds its line here.
		Routes: []httpkit.Routes{
			&identityhttp.Handlers{Kit: kit, Identity: identityCommands, Users: identityview.NewReader(users, authz), Clients: clientview.NewReader(clientQueries, authz)},
			&accounthttp.Handlers{Kit: kit, Accounts: accounts, Queries: accountview.NewReader(accountQueries, users, recorderQueries)},
			&recorderhttp.Handlers{Kit: kit, Recorders: recorders, Queries: recorderview.NewReader(recorderQueries, authz)},
			&billinghttp.Handlers{Kit: kit, Billing: billing, Queries: billingview.NewReader(billingQueries, authz), Accounts: accountQueries},
			&supporthttp.Handlers{Kit: kit, Support: support, Queries: supportview.NewReader(supportQueries, authz, support), TimeZone: users.TimeZone},
		},
	})
	return &app{api: tr.HTTP(api), dispatcher: dispatcher, overdue: overdueJob, expiry: expiryJob, metrics: m, tracing: tr, invitation: invitation}, nil
}

func serve(ctx context.Context, cfg config, logger *slog.Logger, stdout io.Writer) error {
	svc, err := open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer svc.close()
	if err := svc.pipeline.CheckStore(ctx); err != nil {
		return err
	}
	a, err := wire(ctx, cfg, svc, logger)
	if err != nil {
		return err
	}

	listener, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	var metricsListener net.Listener // none unless ACCOUNTS_METRICS_ADDR is set
	if cfg.MetricsAddr != "" {
		if metricsListener, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			listener.Close()
			return fmt.Errorf("ACCOUNTS_METRICS_ADDR: listen on %s: %w", cfg.MetricsAddr, err)
		}
		fmt.Fprintf(stdout, "accounts: metrics on http://%s/metrics\n", metricsListener.Addr())
	}
	server := &http.Server{Handler: a.api, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
	fmt.Fprintf(stdout, "accounts: serving http://%s (platform root account %s)\n", listener.Addr(), account.PlatformRootID)
	if invitation := a.invitation; invitation != "" && !isTerminal(stdout) {
		// Output that is not a terminal is a log, and a log is no place for a token.
		fmt.Fprintf(stdout, "accounts: the platform administrator %q has no password yet: the invitation was mailed to %s (start the service on a terminal to have its link printed)\n",
			cfg.RootUsername, cfg.RootEmail)
	} else if invitation != "" {
		fmt.Fprintf(stdout, `accounts: the platform administrator %q has no password yet. Set one with:
  curl -s -X POST http://%s/v1/invitations:accept -H 'Content-Type: application/json' \
    -d '{"token":"%s","password":"<choose one>","password_confirmation":"<the same>","age_confirmed":true,"terms_version":"%s"}'
  (or open %s/accept-invitation?token=%s in the web client), then sign in with POST /v1/sign-in.
`, cfg.RootUsername, listener.Addr(), invitation, cfg.Identity.TermsVersion, cfg.PublicURL, invitation)
	}

	group, ctx := errgroup.WithContext(ctx)
	group.Go(func() error { return svc.pipeline.Run(ctx) })
	// Background jobs (package jobs), each polled every second.
	group.Go(func() error { return jobs.Run(ctx, time.Second, logger, a.dispatcher.Job(), a.overdue, a.expiry) })
	serveUntilDone(ctx, group, server, listener, 15*time.Second)
	if metricsListener != nil {
		serveMetrics(ctx, group, metricsListener, a.metrics, logger)
	}
	err = group.Wait()
	flushCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.tracing.Shutdown(flushCtx); err != nil {
		logger.Warn("send the last traces", "error", err)
	}
	logger.Info("stopped")
	return err
}

// serveMetrics serves Prometheus' /metrics on listener, apart from the API's: the series
// tell the service's load and outcomes, which the public has no business reading.
func serveMetrics(ctx context.Context, group *errgroup.Group, listener net.Listener, m *metrics.Metrics, logger *slog.Logger) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler(logger))
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	serveUntilDone(ctx, group, server, listener, 5*time.Second)
}

// serveUntilDone serves on listener in group until ctx ends, then shuts the server down, letting
// requests in flight finish for at most grace.
func serveUntilDone(ctx context.Context, group *errgroup.Group, server *http.Server, listener net.Listener, grace time.Duration) {
	group.Go(func() error {
		if err := server.Serve(listener); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	group.Go(func() error {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		return server.Shutdown(shutdownCtx)
	})
}

// passwordPolicy adapts the password package's policy to the command layer's port.
type passwordPolicy struct{ password.Policy }

func (p passwordPolicy) Check(plain string, userInputs ...string) identitycmd.Strength {
	s := p.Policy.Check(plain, userInputs...)
	return identitycmd.Strength{Score: s.Score, Acceptable: s.Acceptable, Problems: s.Problems, Hints: s.Hints}
}

// newMailer sends over SMTP when a host is configured, else writes .eml files into the data
// folder: the embedded default, where a newcomer reads their mail.
func newMailer(cfg config) (email.Mailer, error) {
	if cfg.SMTP.Host != "" {
		return email.NewSMTP(cfg.SMTP.config())
	}
	return email.NewOutbox(filepath.Join(cfg.DataDir, "outbox"))
}

// tokenKey returns the configured link-signing key, else the one kept in the database, which
// every instance on that database shares: a link mailed by one instance opens on another. A key
// an earlier version generated into the data folder seeds the database's, so that links already
// mailed keep working. The key is never logged.
func tokenKey(ctx context.Context, cfg config, pool *pgxpool.Pool) ([]byte, error) {
	if cfg.TokenKey != nil {
		return cfg.TokenKey, nil
	}
	var seed []byte
	if raw, err := os.ReadFile(filepath.Join(cfg.DataDir, "token.key")); err == nil {
		if seed, err = base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw))); err != nil {
			return nil, fmt.Errorf("token key in %s: %w", cfg.DataDir, err)
		}
	}
	return linkkey.Load(ctx, pool, seed)
}

// expireGrants records, for history, the support grants that reached their end. Access itself
// ends at the end by the clock, whether or not this has run.
func expireGrants(ctx context.Context, support *supportcmd.Commands, queries *supportview.Queries) error {
	ids, err := queries.Ended(ctx)
	if err != nil {
		return err
	}
	origin := command.Service("support-expiry")
	for _, id := range ids {
		if _, err := support.Expire(ctx, origin, id); err != nil {
			return fmt.Errorf("record the expiry of grant %s: %w", id, err)
		}
	}
	return nil
}

// isTerminal reports whether w is a terminal, where a person reads it, not a log.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
