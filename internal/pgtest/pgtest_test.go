package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestNewPoolGivesAnEmptyUsableDatabase(t *testing.T) {
	pool := NewPool(t)
	ctx := t.Context()

	var name string
	var tables int
	err := pool.QueryRow(ctx, `SELECT current_database(),
		(SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema'))`).
		Scan(&name, &tables)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(name, "t_testnewpoolgivesanemptyusabledatabase_") {
		t.Errorf("database name %q does not tell the test", name)
	}
	if tables != 0 {
		t.Errorf("new database has %d tables, want none", tables)
	}
	if _, err := pool.Exec(ctx, "CREATE TABLE accounts (id int PRIMARY KEY); INSERT INTO accounts VALUES (1)"); err != nil {
		t.Fatalf("writing to the database: %v", err)
	}
}

func TestEveryCallGetsItsOwnDatabase(t *testing.T) {
	a, b := NewDatabase(t), NewDatabase(t)
	if a == b {
		t.Fatalf("both calls returned %s", a)
	}
	if currentDatabase(t, a) == currentDatabase(t, b) {
		t.Fatal("both URLs lead to the same database")
	}
}

func TestDatabaseIsDroppedWhenTheTestEnds(t *testing.T) {
	var name string
	t.Run("user", func(t *testing.T) {
		name = currentDatabase(t, NewDatabase(t))
	})
	if name == "" {
		t.Fatal("the subtest made no database")
	}
	conn, err := pgx.Connect(t.Context(), ServerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(t.Context(), "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Fatalf("database %s still exists after its test ended", name)
	}
}

func TestChooseServer(t *testing.T) {
	const (
		envServer     = "postgres://ci@db:5432/postgres"
		postgresUser  = "postgres://postgres@127.0.0.1:5432/postgres"
		osUser        = "postgres://me@127.0.0.1:5432/postgres"
		privateServer = "postgres://postgres@127.0.0.1:54330/postgres"
	)
	refused := errors.New("connection refused")
	tests := []struct {
		name       string
		env        string
		reachable  map[string]bool
		privateErr error
		want       string
		wantErr    bool
	}{
		{name: "environment wins, unprobed", env: envServer, want: envServer},
		{name: "local superuser", reachable: map[string]bool{postgresUser: true, osUser: true}, want: postgresUser},
		{name: "local OS user", reachable: map[string]bool{osUser: true}, want: osUser},
		{name: "private cluster", want: privateServer},
		{name: "nothing", privateErr: errors.New("no binaries"), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var probed []string
			s := sources{
				env:   tt.env,
				local: []string{postgresUser, osUser},
				probe: func(_ context.Context, u string) error {
					probed = append(probed, u)
					if tt.reachable[u] {
						return nil
					}
					return refused
				},
				private: func(context.Context) (string, error) {
					if tt.privateErr != nil {
						return "", tt.privateErr
					}
					return privateServer, nil
				},
			}
			got, err := chooseServer(context.Background(), s)
			if tt.wantErr {
				if err == nil || !errors.Is(err, refused) || !errors.Is(err, tt.privateErr) {
					t.Fatalf("chooseServer = %q, %v; want an error giving every reason", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("chooseServer = %q, %v; want %q", got, err, tt.want)
			}
			if tt.env != "" && len(probed) > 0 {
				t.Errorf("probed %v although the environment names a server", probed)
			}
		})
	}
}

func TestUnavailableFailsInCIAndSkipsElsewhere(t *testing.T) {
	reason := errors.New("no server")
	for _, ci := range []bool{true, false} {
		r := &recorder{TB: t}
		unavailable(r, ci, reason)
		if ci && (r.fatal == "" || r.skip != "") {
			t.Errorf("in CI: fatal %q, skip %q; want a failure", r.fatal, r.skip)
		}
		if !ci && (r.skip == "" || r.fatal != "") {
			t.Errorf("outside CI: fatal %q, skip %q; want a skip", r.fatal, r.skip)
		}
	}
}

func TestDatabaseName(t *testing.T) {
	for _, testName := range []string{
		"TestX",
		"TestAccounts/invite a user with a taken e-mail",
		"Test" + strings.Repeat("VeryLong", 20) + "/sub/sub",
		"Тест/ünïcode",
	} {
		name := databaseName(testName)
		if len(name) > 63 || !strings.HasPrefix(name, "t_") {
			t.Errorf("databaseName(%q) = %q: too long or unprefixed", testName, name)
		}
		for _, r := range name {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
				t.Errorf("databaseName(%q) = %q: has %q", testName, name, r)
			}
		}
		if databaseName(testName) == name {
			t.Errorf("databaseName(%q) gave the same name twice", testName)
		}
	}
	if got := databaseName("TestAccounts/invite a user"); !strings.HasPrefix(got, "t_testaccounts_invite_a_user_") {
		t.Errorf("databaseName = %q, want it to tell the test", got)
	}
}

func currentDatabase(t *testing.T, dbURL string) string {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var name string
	if err := conn.QueryRow(t.Context(), "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if u, err := url.Parse(dbURL); err != nil || u.Path != "/"+name {
		t.Errorf("URL %s leads to database %s", dbURL, name)
	}
	return name
}

// recorder notes what a test helper does to its test instead of ending it.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Fatalf(format string, a ...any) { r.fatal = fmt.Sprintf(format, a...) }
func (r *recorder) Skipf(format string, a ...any)  { r.skip = fmt.Sprintf(format, a...) }
