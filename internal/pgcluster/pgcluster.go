// Package pgcluster runs a private PostgreSQL cluster in a data folder, built
// from the PostgreSQL server binaries installed on the machine.
//
// It exists so that the service works out of the box (the embedded default of
// `go tool task run` on a machine where nothing is configured) and so that
// tests can get a real PostgreSQL where no server is running. It is not meant
// for production: the cluster trusts every local connection on 127.0.0.1.
package pgcluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// superuser is both the database superuser created by initdb and, when the
// process runs as root, the OS user that runs the server (PostgreSQL refuses
// to run as root).
const superuser = "postgres"

// logName is the server log inside the data folder.
const logName = "server.log"

// readyTimeout bounds the wait for a server to accept connections when the
// caller's context has no earlier deadline.
const readyTimeout = 2 * time.Minute

// DefaultFallback is where clusters go that their OS user could not reach where they were asked
// for (see Options.Fallback).
const DefaultFallback = "/var/lib/camcloud-accounts"

// Options says where the cluster lives and where it listens.
type Options struct {
	Dir  string                           // data folder, e.g. <checkout>/.data/postgres (created if missing)
	Port int                              // TCP port on 127.0.0.1, e.g. 54329
	Logf func(format string, args ...any) // progress messages; may be nil
	// Fallback holds the cluster instead of Dir when the process runs as root and the postgres
	// OS user that runs the server cannot reach Dir: a checkout in /root, mode 0700, is where
	// root clones on a fresh machine. The cluster then lives in a folder named for Dir under
	// Fallback, and Dir becomes a symbolic link to it, so every later start finds it again.
	// Empty means DefaultFallback.
	Fallback string
}

// Cluster is a PostgreSQL cluster that Start found running or started.
type Cluster struct {
	dir     string // where the data is (the target, when the asked-for folder is a link)
	lock    string // the lock file next to the asked-for folder
	port    int
	started bool // this Start started the server, so Stop stops it
	run     runner
	logf    func(format string, args ...any)
}

// Start makes sure a PostgreSQL server runs on the cluster in opts.Dir and
// accepts connections: it creates the cluster when the folder holds none,
// starts the server when it is not running and reuses it when it is.
//
// Several processes may call Start on the same folder at once (parallel test
// binaries do); a file lock next to the folder serializes them, so exactly one
// of them initialises and starts the cluster and the others reuse it.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Dir == "" {
		return nil, errors.New("pgcluster: no data folder given")
	}
	if opts.Port <= 0 || opts.Port > 65535 {
		return nil, fmt.Errorf("pgcluster: invalid port %d", opts.Port)
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: data folder %s: %w", opts.Dir, err)
	}
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}

	bin, err := serverBinaries(ctx, logf)
	if err != nil {
		return nil, err
	}
	run, err := newRunner(ctx, bin)
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, lock: dir + ".lock", port: opts.Port, run: run, logf: logf}

	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("pgcluster: creating the parent of %s: %w", dir, err)
	}
	unlock, err := lockFile(ctx, c.lock)
	if err != nil {
		return nil, err
	}
	defer unlock()

	fallback := opts.Fallback
	if fallback == "" {
		fallback = DefaultFallback
	}
	if err := c.locate(ctx, fallback); err != nil {
		return nil, err
	}
	if err := c.ensure(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// locate decides where the data lives, while the folder's lock is held: in the asked-for folder,
// or where the link there points (made by an earlier start), or, when the server's OS user
// cannot reach the asked-for folder, in a new folder under fallback that the asked-for folder
// then links to.
func (c *Cluster) locate(ctx context.Context, fallback string) error {
	asked := c.dir
	if fi, err := os.Lstat(asked); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(asked)
		if err != nil {
			return fmt.Errorf("pgcluster: %s links to a folder that is gone (remove the link to start afresh): %w", asked, err)
		}
		c.dir = target
		c.logf("PostgreSQL data of %s is in %s", asked, target)
		return nil
	}
	if c.run.as == nil || c.reachable(ctx, filepath.Dir(asked)) {
		return nil
	}
	if _, err := os.Stat(filepath.Join(asked, "PG_VERSION")); err == nil {
		return nil // a cluster is there already; prepareDir explains what is wrong
	}
	// Only an empty folder is replaced by the link: anything else may be someone's data.
	if err := os.Remove(asked); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("pgcluster: OS user %s cannot reach %s, and it is not empty, so it cannot become a link to a folder it can reach: %w",
			superuser, asked, err)
	}
	// 0711: the server's user may pass through, nobody may list the checkouts it holds.
	if err := os.MkdirAll(fallback, 0o711); err != nil {
		return fmt.Errorf("pgcluster: creating %s: %w", fallback, err)
	}
	if !c.reachable(ctx, fallback) {
		return fmt.Errorf("pgcluster: OS user %s can reach neither %s nor %s; "+
			"set ACCOUNTS_DATA_DIR to a folder it can reach or give a postgres:// database URL", superuser, asked, fallback)
	}
	target := filepath.Join(fallback, filepath.Base(asked)+"-"+pathHash(asked))
	if err := os.Symlink(target, asked); err != nil {
		return fmt.Errorf("pgcluster: linking %s to %s: %w", asked, target, err)
	}
	c.dir = target
	c.logf("OS user %s, which runs PostgreSQL (it refuses to run as root), cannot reach %s (a parent folder is closed to it), "+
		"so the cluster's data is in %s, linked from %s", superuser, asked, target, asked)
	return nil
}

// reachable reports whether the server's OS user can pass through the folder at path.
func (c *Cluster) reachable(ctx context.Context, path string) bool {
	_, err := c.run.output(ctx, "test", "-x", path)
	return err == nil
}

// pathHash names a fallback folder after the absolute path of the folder it stands in for, so
// that two checkouts never share one and the same checkout always finds its own.
func pathHash(path string) string {
	sum := sha256.Sum256([]byte(path))
	return hex.EncodeToString(sum[:6])
}

// ensure does the work of Start while the folder's lock is held.
func (c *Cluster) ensure(ctx context.Context) error {
	if err := c.prepareDir(ctx); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(c.dir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := c.initdb(ctx); err != nil {
			return err
		}
	} else if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}

	running, err := c.running(ctx)
	if err != nil {
		return err
	}
	if running {
		return c.reuse(ctx)
	}
	if other, ok := c.serverOnPort(ctx); ok {
		if !sameDir(other, c.dir) {
			return fmt.Errorf("pgcluster: port %d is taken by another PostgreSQL server (data directory %s); choose another port", c.port, other)
		}
		// Ours, but pg_ctl cannot see its process (another PID namespace).
		c.logf("reusing PostgreSQL on 127.0.0.1:%d (data in %s)", c.port, c.dir)
		return nil
	}
	return c.start(ctx)
}

// prepareDir creates the data folder and, when the server runs as another OS
// user, gives it to that user and checks that the user can reach it.
func (c *Cluster) prepareDir(ctx context.Context) error {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("pgcluster: creating %s: %w", c.dir, err)
	}
	if c.run.as == nil {
		return nil
	}
	// A folder that already holds a cluster keeps its owner: the server
	// checks that every file is its own, so chowning only the top is no fix.
	if _, err := os.Stat(filepath.Join(c.dir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := os.Chown(c.dir, c.run.as.uid, c.run.as.gid); err != nil {
			return fmt.Errorf("pgcluster: giving %s to OS user %s: %w", c.dir, superuser, err)
		}
	}
	if _, err := c.run.output(ctx, "test", "-w", c.dir, "-a", "-x", c.dir); err != nil {
		return fmt.Errorf("pgcluster: PostgreSQL refuses to run as root, so the cluster runs as OS user %q, "+
			"but that user cannot reach %s (a parent folder is not traversable by it, e.g. a home folder with mode 0700); "+
			"set ACCOUNTS_DATA_DIR to a folder it can reach (e.g. under /var/tmp) or give a postgres:// database URL instead",
			superuser, c.dir)
	}
	return nil
}

func (c *Cluster) initdb(ctx context.Context) error {
	c.logf("initialising a PostgreSQL cluster in %s", c.dir)
	// --no-locale gives byte-order collation and the same behaviour on every
	// machine, whatever its environment's locale; UTF8 holds any text.
	_, err := c.run.output(ctx, c.run.bin.initdb,
		"--pgdata="+c.dir,
		"--username="+superuser,
		"--auth=trust",
		"--encoding=UTF8",
		"--no-locale",
	)
	if err != nil {
		return fmt.Errorf("pgcluster: initialising a cluster in %s: %w", c.dir, err)
	}
	return nil
}

// running reports whether pg_ctl sees the cluster's server running.
func (c *Cluster) running(ctx context.Context) (bool, error) {
	_, err := c.run.output(ctx, c.run.bin.pgctl, "status", "--pgdata="+c.dir)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &exit) && exit.ExitCode() == 3: // not running
		return false, nil
	default:
		return false, fmt.Errorf("pgcluster: checking the server of %s: %w", c.dir, err)
	}
}

// reuse adopts the running server, which may listen on another port than the
// one asked for when it was started with other options.
func (c *Cluster) reuse(ctx context.Context) error {
	if port, err := pidFilePort(c.dir); err == nil && port != c.port {
		c.logf("PostgreSQL of %s already runs on port %d (not %d); using it", c.dir, port, c.port)
		c.port = port
	}
	c.logf("reusing PostgreSQL on 127.0.0.1:%d (data in %s)", c.port, c.dir)
	return c.waitReady(ctx)
}

func (c *Cluster) start(ctx context.Context) error {
	c.logf("starting PostgreSQL on 127.0.0.1:%d (data in %s)", c.port, c.dir)
	logFile := filepath.Join(c.dir, logName)
	// pg_ctl passes -o through a shell, hence the quoting.
	serverOpts := []string{
		"-p", strconv.Itoa(c.port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", shellQuote("unix_socket_directories=" + socketDir(c.dir, c.port)),
	}
	_, err := c.run.output(ctx, c.run.bin.pgctl, "start",
		"--wait",
		"--pgdata="+c.dir,
		"--log="+logFile,
		"-o", strings.Join(serverOpts, " "),
	)
	if err != nil {
		return fmt.Errorf("pgcluster: starting PostgreSQL on port %d: %w%s", c.port, err, logTail(logFile))
	}
	c.started = true
	if err := c.waitReady(ctx); err != nil {
		return fmt.Errorf("%w%s", err, logTail(logFile))
	}
	return nil
}

// Dir returns the folder the cluster's data is in (absolute): Options.Dir, or the folder it
// links to when the server's OS user could not reach it (see Options.Fallback).
func (c *Cluster) Dir() string { return c.dir }

// Port returns the TCP port the server listens on, on 127.0.0.1.
func (c *Cluster) Port() int { return c.port }

// Started reports whether this Start started the server (and Stop will stop
// it) rather than finding it running.
func (c *Cluster) Started() bool { return c.started }

// URL returns the URL of a database of the cluster, as its superuser.
func (c *Cluster) URL(database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(superuser),
		Host:     fmt.Sprintf("127.0.0.1:%d", c.port),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Stop stops the server (fast shutdown: open sessions are cut) if this Start
// started it; a server that was already running is left alone because another
// process is using it. Stop is not safe for concurrent use.
func (c *Cluster) Stop(ctx context.Context) error {
	if !c.started {
		return nil
	}
	unlock, err := lockFile(ctx, c.lock)
	if err != nil {
		return err
	}
	defer unlock()
	c.logf("stopping PostgreSQL on 127.0.0.1:%d", c.port)
	if _, err := c.run.output(ctx, c.run.bin.pgctl, "stop", "--wait", "--mode=fast", "--pgdata="+c.dir); err != nil {
		if running, statusErr := c.running(ctx); statusErr == nil && !running {
			c.started = false
			return nil
		}
		return fmt.Errorf("pgcluster: stopping PostgreSQL of %s: %w", c.dir, err)
	}
	c.started = false
	return nil
}

// serverOnPort tells whether a PostgreSQL server whose superuser we can log
// in as answers on the port, and if so its data directory.
func (c *Cluster) serverOnPort(ctx context.Context) (dataDir string, ok bool) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := connect(ctx, c.URL("postgres"))
	if err != nil {
		return "", false
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := conn.QueryRow(ctx, "SHOW data_directory").Scan(&dataDir); err != nil {
		return "", false
	}
	return dataDir, true
}

// waitReady waits until the server accepts connections: pg_ctl's wait ends
// when the server is up, but a server found running may still be starting.
func (c *Cluster) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	var last error
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, 5*time.Second)
		conn, err := connect(attempt, c.URL("postgres"))
		if err == nil {
			err = conn.Ping(attempt)
			conn.Close(attempt)
		}
		cancelAttempt()
		if err == nil {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("pgcluster: PostgreSQL on port %d does not accept connections: %w (last error: %v)", c.port, ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func connect(ctx context.Context, connURL string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(connURL)
	if err != nil {
		return nil, err
	}
	cfg.ConnectTimeout = 2 * time.Second
	return pgx.ConnectConfig(ctx, cfg)
}

// socketDir is where the server puts its Unix socket: inside the data folder,
// so clusters never clash in /tmp or /var/run, unless the socket's path would
// exceed the ~100 bytes a socket address holds; then the server listens on
// TCP only.
func socketDir(dir string, port int) string {
	if len(filepath.Join(dir, fmt.Sprintf(".s.PGSQL.%d", port))) >= 100 {
		return ""
	}
	// Quoted, as the setting is a comma-separated list.
	return `"` + dir + `"`
}

// pidFilePort reads the port from the running server's postmaster.pid.
func pidFilePort(dir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return 0, errors.New("short postmaster.pid")
	}
	return strconv.Atoi(strings.TrimSpace(lines[3]))
}

func sameDir(a, b string) bool {
	if ra, err := filepath.EvalSymlinks(a); err == nil {
		a = ra
	}
	if rb, err := filepath.EvalSymlinks(b); err == nil {
		b = rb
	}
	return filepath.Clean(a) == filepath.Clean(b)
}

// lockFile takes an exclusive flock on path, waiting for it as long as ctx
// allows, and returns the function that releases it. The kernel releases the
// lock when the process dies, so a crashed Start never blocks the next one.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: opening lock file: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil // closing releases the lock
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("pgcluster: locking %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("pgcluster: waiting for lock %s: %w", path, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// logTail returns the last lines of the server log, for error messages.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return ""
	}
	return "\nlast lines of " + path + ":\n" + tail(string(b), 20)
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// osUser is the OS user the server runs as when the process is root.
type osUser struct {
	name     string
	uid, gid int
}

// runner runs the PostgreSQL programs, through runuser as the postgres OS
// user when the process is root, because initdb, pg_ctl and postgres refuse
// to run as root.
type runner struct {
	bin binaries
	as  *osUser // nil: run as the current user
}

func newRunner(ctx context.Context, bin binaries) (runner, error) {
	if os.Geteuid() != 0 {
		return runner{bin: bin}, nil
	}
	u, err := serverUser(ctx)
	if err != nil {
		return runner{}, err
	}
	return runner{bin: bin, as: u}, nil
}

// output runs a program and returns its output; a failure's error carries
// the output, which is where PostgreSQL's tools explain what went wrong.
func (r runner) output(ctx context.Context, name string, args ...string) ([]byte, error) {
	if r.as != nil {
		args = append([]string{"-u", r.as.name, "--", name}, args...)
		name = "runuser"
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = "/" // the server's user may not be allowed into our working directory
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, &commandError{cmd: cmd.String(), out: strings.TrimSpace(string(out)), err: err}
	}
	return out, nil
}

// commandError is a failed command with its output; it unwraps to the
// *exec.ExitError so callers can look at the exit code.
type commandError struct {
	cmd string
	out string
	err error
}

func (e *commandError) Error() string {
	if e.out == "" {
		return fmt.Sprintf("%s: %v", e.cmd, e.err)
	}
	return fmt.Sprintf("%s: %v: %s", e.cmd, e.err, e.out)
}

func (e *commandError) Unwrap() error { return e.err }

// serverUser looks up the postgres OS user, creating it when missing (the
// server binaries may come without Debian's packaging, which creates it).
func serverUser(ctx context.Context) (*osUser, error) {
	u, err := user.Lookup(superuser)
	if err != nil {
		var unknown user.UnknownUserError
		if !errors.As(err, &unknown) {
			return nil, fmt.Errorf("pgcluster: looking up OS user %s: %w", superuser, err)
		}
		out, err := exec.CommandContext(ctx, "useradd", "--system", "--user-group", "--no-create-home", superuser).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("pgcluster: creating OS user %s to run PostgreSQL (it refuses to run as root): %w: %s", superuser, err, out)
		}
		if u, err = user.Lookup(superuser); err != nil {
			return nil, fmt.Errorf("pgcluster: looking up OS user %s: %w", superuser, err)
		}
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: uid of %s: %w", superuser, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: gid of %s: %w", superuser, err)
	}
	return &osUser{name: u.Username, uid: uid, gid: gid}, nil
}
