package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/camcloud/accounts/adapters/email"
	"github.com/camcloud/accounts/adapters/password"
	"github.com/camcloud/accounts/commands"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
)

// config is read from the environment; README.md documents every variable.
type config struct {
	DatabaseURL   string // read models, and events unless EventStoreURL is set; empty: the private cluster
	EventStoreURL string // postgres:// (default: DatabaseURL)
	HTTPAddr      string
	DataDir       string
	PostgresPort  int // port of the private cluster
	MaxConns      int // connections in each pool (read models, and the event store's)
	LogLevel      slog.Level

	PublicURL    string // where the web client lives; e-mailed links point there
	TokenKey     []byte // signs e-mailed links; unset: the key kept in the database (adapters/linkkey)
	RootUsername string
	RootEmail    string
	MinPassword  int
	Hashing      password.Limits // argon2id operations at once, and how long others wait
	Identity     commands.IdentityConfig
	SMTP         email.SMTPConfig // Host empty: the file outbox in the data folder
}

func loadConfig() (config, error) {
	c := config{
		DatabaseURL:   os.Getenv("ACCOUNTS_DATABASE_URL"),
		EventStoreURL: os.Getenv("ACCOUNTS_EVENTSTORE_URL"),
		HTTPAddr:      envOr("ACCOUNTS_HTTP_ADDR", "127.0.0.1:8080"),
		DataDir:       envOr("ACCOUNTS_DATA_DIR", ".data"),
		PostgresPort:  54329,
	}
	if v := os.Getenv("ACCOUNTS_POSTGRES_PORT"); v != "" {
		port, err := strconv.Atoi(v)
		if err != nil || port < 1 || port > 65535 {
			return c, fmt.Errorf("ACCOUNTS_POSTGRES_PORT=%q: want a port number", v)
		}
		c.PostgresPort = port
	}
	if v := os.Getenv("ACCOUNTS_LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return c, fmt.Errorf("ACCOUNTS_LOG_LEVEL=%q: want debug, info, warn or error", v)
		}
	}
	dir, err := filepath.Abs(c.DataDir)
	if err != nil {
		return c, fmt.Errorf("ACCOUNTS_DATA_DIR: %w", err)
	}
	c.DataDir = dir

	c.PublicURL = envOr("ACCOUNTS_PUBLIC_URL", "http://"+c.HTTPAddr)
	c.RootUsername = envOr("ACCOUNTS_ROOT_USERNAME", "admin")
	c.RootEmail = envOr("ACCOUNTS_ROOT_EMAIL", "admin@localhost.localdomain")
	if v := os.Getenv("ACCOUNTS_TOKEN_KEY"); v != "" {
		if c.TokenKey, err = base64.StdEncoding.DecodeString(v); err != nil || len(c.TokenKey) < 32 {
			return c, errors.New("ACCOUNTS_TOKEN_KEY: want at least 32 random bytes, base64-encoded")
		}
	}
	errs := []error{
		intVar("ACCOUNTS_MIN_PASSWORD_LENGTH", &c.MinPassword, 8),
		durationVar("ACCOUNTS_INVITATION_TTL", &c.Identity.InvitationTTL, 7*24*time.Hour),
		durationVar("ACCOUNTS_PASSWORD_RESET_TTL", &c.Identity.PasswordResetTTL, time.Hour),
		durationVar("ACCOUNTS_EMAIL_CHANGE_TTL", &c.Identity.EmailChangeTTL, 24*time.Hour),
		durationVar("ACCOUNTS_SESSION_IDLE", &c.Identity.SessionIdle, 30*time.Minute),
		durationVar("ACCOUNTS_SESSION_LIFETIME", &c.Identity.SessionLifetime, 12*time.Hour),
		intVar("ACCOUNTS_SMTP_PORT", &c.SMTP.Port, 587),
		intVar("ACCOUNTS_HASH_CONCURRENCY", &c.Hashing.Concurrency, runtime.GOMAXPROCS(0)),
		intVar("ACCOUNTS_DATABASE_MAX_CONNS", &c.MaxConns, defaultMaxConns(runtimeProcs())),
		durationVar("ACCOUNTS_HASH_QUEUE_WAIT", &c.Hashing.QueueWait, password.DefaultQueueWait),
	}
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	c.Identity.TermsVersion = envOr("ACCOUNTS_TERMS_VERSION", "2026-01")
	c.SMTP.Host = os.Getenv("ACCOUNTS_SMTP_HOST")
	c.SMTP.Username = os.Getenv("ACCOUNTS_SMTP_USERNAME")
	c.SMTP.Password = os.Getenv("ACCOUNTS_SMTP_PASSWORD")
	c.SMTP.From = envOr("ACCOUNTS_SMTP_FROM", "camcloud accounts <no-reply@localhost.localdomain>")
	c.SMTP.TLS = envOr("ACCOUNTS_SMTP_TLS", "starttls")
	return c, nil
}

// defaultMaxConns sizes a pool for procs CPUs. A request holds a connection only for each of its
// short statements, but several requests wait on PostgreSQL's commits (disk flushes) at once, and
// the projections and the mail dispatcher hold some too: pgx's own default, max(4, CPUs), leaves
// requests queueing for a connection while PostgreSQL idles. Four per CPU, and at least 8, keeps
// the server busy without crowding its max_connections (100 by default) when a few instances
// share it.
func defaultMaxConns(procs int) int { return max(8, 4*procs) }

// runtimeProcs is the number of CPUs Go schedules on.
func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

func intVar(name string, dst *int, fallback int) error {
	*dst = fallback
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("%s=%q: want a positive whole number", name, v)
		}
		*dst = n
	}
	return nil
}

func durationVar(name string, dst *time.Duration, fallback time.Duration) error {
	*dst = fallback
	if v := os.Getenv(name); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("%s=%q: want a duration such as 90m or 168h", name, v)
		}
		*dst = d
	}
	return nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
