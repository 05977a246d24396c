// Command accounts is the camcloud accounts service: one binary that serves the API, migrates
// the databases and rebuilds read models.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `accounts: the camcloud account service.

Usage:
  accounts serve                         serve the HTTP API and run the projectors
  accounts migrate                       create or update the event store and read model tables
  accounts projections rebuild [NAME...] rebuild read models (all when no NAME) from the first
                                         event into new tables, swapped in when caught up (a
                                         running server keeps serving the old ones until then)
  accounts help                          show this help

With no database configured, serve, migrate and projections start a private PostgreSQL in
$ACCOUNTS_DATA_DIR/postgres (default .data/postgres) from the machine's PostgreSQL binaries.

Environment:
  ACCOUNTS_DATABASE_URL    postgres:// URL for read models (and events, unless the next is set)
  ACCOUNTS_EVENTSTORE_URL  event store: esdb:// or kurrentdb:// (EventStoreDB/KurrentDB), or
                           postgres:// (default: ACCOUNTS_DATABASE_URL)
  ACCOUNTS_DATABASE_MAX_CONNS  connections per database pool (default max(8, 4 x CPUs))
  ACCOUNTS_HTTP_ADDR       listen address (default 127.0.0.1:8080)
  ACCOUNTS_DATA_DIR        data folder of the embedded default (default .data)
  ACCOUNTS_POSTGRES_PORT   port of the private PostgreSQL (default 54329)
  ACCOUNTS_LOG_LEVEL       debug, info, warn or error (default info)
  ACCOUNTS_PUBLIC_URL      base URL of the web client, for e-mailed links (default http://ADDR)
  ACCOUNTS_TOKEN_KEY       base64 key (>= 32 bytes) signing e-mailed links (default: generated
                           once into the database, shared by every instance on it)
  ACCOUNTS_ROOT_USERNAME   the platform root's first administrator (default admin)
  ACCOUNTS_ROOT_EMAIL      their e-mail address (default admin@localhost.localdomain)
  ACCOUNTS_SMTP_HOST       send mail over SMTP (else: .eml files in $ACCOUNTS_DATA_DIR/outbox)
  ACCOUNTS_SMTP_PORT, ACCOUNTS_SMTP_USERNAME, ACCOUNTS_SMTP_PASSWORD, ACCOUNTS_SMTP_FROM,
  ACCOUNTS_SMTP_TLS        starttls (default), tls, opportunistic or none
  ACCOUNTS_MIN_PASSWORD_LENGTH (8), ACCOUNTS_TERMS_VERSION (2026-01),
  ACCOUNTS_INVITATION_TTL (168h), ACCOUNTS_PASSWORD_RESET_TTL (1h), ACCOUNTS_EMAIL_CHANGE_TTL (24h),
  ACCOUNTS_SESSION_IDLE (30m), ACCOUNTS_SESSION_LIFETIME (12h)
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "accounts:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return flag.ErrHelp
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return serve(ctx, cfg, logger, stdout)
	case "migrate":
		return migrate(ctx, cfg, logger)
	case "projections":
		if len(rest) == 0 || rest[0] != "rebuild" {
			fmt.Fprint(stderr, usage)
			return errors.New("projections: the only subcommand is rebuild")
		}
		return rebuild(ctx, cfg, logger, rest[1:])
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}
