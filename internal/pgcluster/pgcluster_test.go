package pgcluster_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/camcloud/accounts/internal/pgcluster"
)

func TestStartStopRestart(t *testing.T) {
	ctx := testContext(t)
	opts := pgcluster.Options{Dir: dataDir(t), Port: freePort(t), Logf: t.Logf}

	c := start(t, ctx, opts)
	if !c.Started() {
		t.Fatal("first Start did not start the server")
	}
	selectOne(t, ctx, c)
	if _, err := os.Stat(filepath.Join(opts.Dir, "PG_VERSION")); err != nil {
		t.Fatalf("no cluster in the data folder: %v", err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if conn, err := pgx.Connect(ctx, c.URL("postgres")); err == nil {
		conn.Close(ctx)
		t.Fatal("server still answers after Stop")
	}

	// Starting again reuses the data of the first run.
	c = start(t, ctx, opts)
	if !c.Started() {
		t.Fatal("second Start did not start the stopped server")
	}
	selectOne(t, ctx, c)
}

func TestConcurrentStartsShareOneServer(t *testing.T) {
	ctx := testContext(t)
	opts := pgcluster.Options{Dir: dataDir(t), Port: freePort(t)}

	clusters := make([]*pgcluster.Cluster, 2)
	errs := make([]error, len(clusters))
	var wg sync.WaitGroup
	for i := range clusters {
		wg.Go(func() { clusters[i], errs[i] = pgcluster.Start(ctx, opts) })
	}
	wg.Wait()

	started := 0
	for i, c := range clusters {
		if errs[i] != nil {
			t.Fatalf("Start %d: %v", i, errs[i])
		}
		t.Cleanup(func() { c.Stop(context.Background()) })
		if c.Started() {
			started++
		}
		selectOne(t, ctx, c)
	}
	if started != 1 {
		t.Fatalf("%d of the Start calls started the server, want exactly 1", started)
	}

	// The one that found the server running must not stop it.
	for _, c := range clusters {
		if !c.Started() {
			if err := c.Stop(ctx); err != nil {
				t.Fatalf("Stop of the reusing cluster: %v", err)
			}
		}
	}
	selectOne(t, ctx, clusters[0])
}

func TestStartRejectsBadOptions(t *testing.T) {
	ctx := context.Background()
	for name, opts := range map[string]pgcluster.Options{
		"no folder": {Port: 54329},
		"no port":   {Dir: t.TempDir()},
	} {
		if _, err := pgcluster.Start(ctx, opts); err == nil {
			t.Errorf("%s: Start succeeded", name)
		}
	}
}

func TestURL(t *testing.T) {
	c := start(t, testContext(t), pgcluster.Options{Dir: dataDir(t), Port: freePort(t)})
	want := "postgres://postgres@127.0.0.1:" + strconv.Itoa(c.Port()) + "/accounts?sslmode=disable"
	if got := c.URL("accounts"); got != want {
		t.Fatalf("URL = %q, want %q", got, want)
	}
}

func start(t *testing.T, ctx context.Context, opts pgcluster.Options) *pgcluster.Cluster {
	t.Helper()
	c, err := pgcluster.Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return c
}

func selectOne(t *testing.T, ctx context.Context, c *pgcluster.Cluster) {
	t.Helper()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatalf("connecting: %v", err)
	}
	defer conn.Close(ctx)
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}
}

// dataDir returns a fresh data folder. As root the server runs as the
// postgres OS user, which must be able to traverse the folder's parents, and
// t.TempDir's own folder has mode 0700.
func dataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "pg")
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// A root user clones into /root (mode 0700), which the postgres OS user running the server
// cannot pass through: the cluster then lives in the fallback folder, the asked-for folder links
// to it, and the next start finds the same data there.
func TestStartFromAFolderTheServerCannotReach(t *testing.T) {
	ctx := testContext(t)
	home := t.TempDir() // mode 0700, like /root
	if err := os.Chmod(home, 0o700); err != nil {
		t.Fatal(err)
	}
	asked := filepath.Join(home, "accounts", ".data", "postgres")
	fallback := filepath.Join(dataDir(t), "fallback") // stands in for /var/lib/camcloud-accounts
	opts := pgcluster.Options{Dir: asked, Port: freePort(t), Logf: t.Logf, Fallback: fallback}

	c := start(t, ctx, opts)
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if _, err := os.Stat(filepath.Join(asked, "PG_VERSION")); err != nil {
		t.Fatalf("no cluster reachable through %s: %v", asked, err)
	}
	if os.Geteuid() == 0 {
		// The server runs as postgres, so the data had to move; as any other user it stays.
		if filepath.Dir(c.Dir()) != fallback {
			t.Fatalf("data in %s, want a folder of %s", c.Dir(), fallback)
		}
		if fi, err := os.Lstat(asked); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("%s is not a link to the data: %v", asked, err)
		}
	} else if c.Dir() != asked {
		t.Fatalf("data in %s, want %s", c.Dir(), asked)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	again := start(t, ctx, opts)
	if again.Dir() != c.Dir() {
		t.Fatalf("second start uses %s, first used %s", again.Dir(), c.Dir())
	}
	conn, err = pgx.Connect(ctx, again.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT n FROM kept").Scan(&n); err != nil || n != 7 {
		t.Fatalf("data of the first start: %d, %v", n, err)
	}
}
