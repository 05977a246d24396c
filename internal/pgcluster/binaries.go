package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// binaries are the paths of the PostgreSQL server programs, all from one
// installation (pg_ctl runs the postgres found next to it).
type binaries struct {
	initdb, pgctl string
}

// debianBinGlob is where Debian and Ubuntu install the server programs, one
// folder per major version, outside PATH.
const debianBinGlob = "/usr/lib/postgresql/*/bin"

// serverBinaries finds the server programs: PATH first, then the newest
// Debian installation. When there are none and the process is root, it
// installs Debian's postgresql package, so that a fresh machine needs no
// manual step.
func serverBinaries(ctx context.Context, logf func(string, ...any)) (binaries, error) {
	if b, ok := findBinaries(); ok {
		return b, nil
	}
	if os.Geteuid() != 0 {
		return binaries{}, errMissingBinaries
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return binaries{}, errMissingBinaries
	}
	logf("PostgreSQL server not found; installing Debian's postgresql package with apt-get")
	if err := aptInstall(ctx, "postgresql"); err != nil {
		return binaries{}, fmt.Errorf("pgcluster: installing PostgreSQL: %w", err)
	}
	if b, ok := findBinaries(); ok {
		return b, nil
	}
	return binaries{}, errMissingBinaries
}

var errMissingBinaries = errors.New("pgcluster: the PostgreSQL server programs (initdb, pg_ctl, postgres) are neither in PATH nor in " +
	debianBinGlob + "; install the PostgreSQL server (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql) " +
	"or give a postgres:// database URL")

func findBinaries() (binaries, bool) {
	if pgctl, err := exec.LookPath("pg_ctl"); err == nil {
		// Resolve symbolic links (e.g. /usr/local/bin/pg_ctl) to the folder
		// that holds the whole installation.
		if real, err := filepath.EvalSymlinks(pgctl); err == nil {
			if b, ok := binariesIn(filepath.Dir(real)); ok {
				return b, true
			}
		}
	}
	dirs, _ := filepath.Glob(debianBinGlob)
	slices.SortFunc(dirs, func(a, b string) int {
		return compareVersions(filepath.Base(filepath.Dir(b)), filepath.Base(filepath.Dir(a))) // newest first
	})
	for _, dir := range dirs {
		if b, ok := binariesIn(dir); ok {
			return b, true
		}
	}
	return binaries{}, false
}

func binariesIn(dir string) (binaries, bool) {
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return binaries{}, false
		}
	}
	return binaries{initdb: filepath.Join(dir, "initdb"), pgctl: filepath.Join(dir, "pg_ctl")}, true
}

// compareVersions compares dotted versions such as "9.6" and "15" by number.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(as), len(bs)); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x - y
		}
	}
	return 0
}

func aptInstall(ctx context.Context, pkg string) error {
	for _, args := range [][]string{
		{"update"},
		{"install", "-y", "--no-install-recommends", pkg},
	} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %w\n%s", cmd, err, tail(string(out), 20))
		}
	}
	return nil
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
