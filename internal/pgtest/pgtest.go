// Package pgtest gives tests real PostgreSQL databases, a fresh empty one per
// test, so that tests of SQL run against the database the service uses
// instead of a mock, and never see each other's rows.
//
// The server is chosen once per test process: the one in
// ACCOUNTS_TEST_DATABASE_URL when set; else a local server on 127.0.0.1:5432
// that lets us in without a password; else a private cluster started with
// pgcluster in <module root>/.data/testpg on port 54330, which is left running
// for the next test processes (as root in a checkout the postgres OS user
// cannot reach, pgcluster keeps its data under /var/lib/camcloud-accounts and
// links .data/testpg to it). Without any of them a test is skipped, except
// when the CI environment variable is set: there it fails, so that a broken CI
// setup can never pass by skipping every database test.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/internal/pgcluster"
)

// envURL names the environment variable that points the tests at a server;
// its user must be allowed to create databases.
const envURL = "ACCOUNTS_TEST_DATABASE_URL"

const (
	localHostPort = "127.0.0.1:5432"
	privatePort   = 54330
	probeTimeout  = 2 * time.Second
	// privateTimeout leaves room for apt-get installing PostgreSQL on a fresh
	// machine as root, which pgcluster does when no server binaries exist.
	privateTimeout = 5 * time.Minute
)

// server is the server chosen for this test process.
var server struct {
	once sync.Once
	url  string
	err  error
}

// ServerURL returns the URL of the test server, as a user that can create
// databases. It skips the test (fails it under CI) when there is none.
func ServerURL(t testing.TB) string {
	t.Helper()
	server.once.Do(func() {
		server.url, server.err = chooseServer(context.Background(), defaultSources(t.Logf))
	})
	if server.err != nil {
		unavailable(t, os.Getenv("CI") != "", server.err)
	}
	return server.url
}

// NewDatabase creates an empty database for the test, drops it when the test
// ends, and returns its URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	srv := ServerURL(t)
	name := databaseName(t.Name())
	dbURL, err := withDatabase(srv, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	ident := pgx.Identifier{name}.Sanitize()

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	// template0 has nothing in it, whatever was installed into template1.
	if err := execOn(ctx, srv, "CREATE DATABASE "+ident+" TEMPLATE template0 ENCODING 'UTF8'"); err != nil {
		t.Fatalf("pgtest: creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		// t.Context is cancelled by now.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := execOn(ctx, srv, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: dropping database %s: %v", name, err)
		}
	})
	return dbURL
}

// NewPool creates an empty database for the test and returns a pool on it;
// the pool is closed, then the database dropped, when the test ends.
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	dbURL := NewDatabase(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatalf("pgtest: opening a pool: %v", err)
	}
	t.Cleanup(pool.Close) // registered after the drop, so it runs before it
	if err := pool.Ping(ctx); err != nil {
		t.Fatalf("pgtest: connecting to the test database: %v", err)
	}
	return pool
}

// unavailable ends a test that has no server: a skip on a developer's
// machine, a failure in CI.
func unavailable(t testing.TB, ci bool, reason error) {
	t.Helper()
	if ci {
		t.Fatalf("pgtest: this test needs PostgreSQL and CI is set, so it fails instead of skipping: %v", reason)
		return
	}
	t.Skipf("pgtest: skipped, no PostgreSQL (set %s to use a server): %v", envURL, reason)
}

// sources are the places a test server may come from, as parameters so that
// the choice can be tested without the servers.
type sources struct {
	env     string   // the value of envURL
	local   []string // URLs of a local server, tried in order
	probe   func(ctx context.Context, url string) error
	private func(ctx context.Context) (string, error)
}

func defaultSources(logf func(string, ...any)) sources {
	return sources{
		env:     os.Getenv(envURL),
		local:   localURLs(),
		probe:   probe,
		private: func(ctx context.Context) (string, error) { return startPrivate(ctx, logf) },
	}
}

func chooseServer(ctx context.Context, s sources) (string, error) {
	if s.env != "" {
		return s.env, nil // as given: a wrong URL should fail loudly, not be replaced
	}
	var errs []error
	for _, u := range s.local {
		probeCtx, cancel := context.WithTimeout(ctx, probeTimeout)
		err := s.probe(probeCtx, u)
		cancel()
		if err == nil {
			return u, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", u, err))
	}
	u, err := s.private(ctx)
	if err == nil {
		return u, nil
	}
	errs = append(errs, fmt.Errorf("private cluster: %w", err))
	return "", errors.Join(errs...)
}

// localURLs are the local server as user postgres (Debian's superuser), then
// as the OS user (Homebrew's and Postgres.app's superuser).
func localURLs() []string {
	users := []string{"postgres"}
	if u, err := user.Current(); err == nil && u.Username != "postgres" {
		users = append(users, u.Username)
	}
	urls := make([]string, len(users))
	for i, name := range users {
		u := url.URL{Scheme: "postgres", User: url.User(name), Host: localHostPort, Path: "/postgres", RawQuery: "sslmode=disable"}
		urls[i] = u.String()
	}
	return urls
}

// probe connects to a server and checks that its user may create databases.
func probe(ctx context.Context, serverURL string) error {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var ok bool
	err = conn.QueryRow(ctx, "SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user").Scan(&ok)
	if err != nil {
		return fmt.Errorf("checking the role: %w", err)
	}
	if !ok {
		return errors.New("the role may not create databases")
	}
	return nil
}

// startPrivate starts (or joins) the private test cluster of the checkout.
func startPrivate(ctx context.Context, logf func(string, ...any)) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, privateTimeout)
	defer cancel()
	c, err := pgcluster.Start(ctx, pgcluster.Options{
		Dir:  filepath.Join(root, ".data", "testpg"),
		Port: privatePort,
		Logf: logf,
	})
	if err != nil {
		return "", err
	}
	// Not stopped: other test processes share it, and the next run starts faster.
	return c.URL("postgres"), nil
}

// moduleRoot finds the folder of go.mod above the working directory, which
// is the package's folder under go test.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("finding the module root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// maxNameLen keeps names well under PostgreSQL's 63-byte identifier limit,
// with room for the "t_" prefix and the random suffix.
const maxNameLen = 40

// databaseName turns a test name into a unique database name that is a plain
// identifier and tells which test made it (useful when one is left behind).
func databaseName(testName string) string {
	var b strings.Builder
	underscore := false
	for _, r := range strings.ToLower(testName) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			underscore = false
		} else if !underscore {
			b.WriteByte('_')
			underscore = true
		}
	}
	name := strings.Trim(b.String(), "_")
	if len(name) > maxNameLen {
		name = strings.TrimRight(name[:maxNameLen], "_")
	}
	suffix := make([]byte, 4)
	rand.Read(suffix)
	return "t_" + name + "_" + hex.EncodeToString(suffix)
}

// withDatabase returns serverURL with its database replaced by name.
func withDatabase(serverURL, name string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("%s must be a postgres:// URL", envURL)
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String(), nil
}

func execOn(ctx context.Context, connURL, sql string) error {
	conn, err := pgx.Connect(ctx, connURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}
