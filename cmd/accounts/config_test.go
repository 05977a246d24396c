package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/postgres"
)

// clearEnvironment unsets every variable of config for the test (empty counts as unset), so
// that the machine's environment does not leak in.
func clearEnvironment(t *testing.T) []variable {
	t.Helper()
	vars, err := variables()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vars {
		t.Setenv(v.Name, "")
	}
	return vars
}

// TestConfigDefaults: with nothing set, every variable takes its documented default.
func TestConfigDefaults(t *testing.T) {
	clearEnvironment(t)
	c, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"ACCOUNTS_DATABASE_URL", c.DatabaseURL, ""},
		{"ACCOUNTS_DATABASE_MAX_CONNS", c.MaxConns, defaultMaxConns(runtimeProcs())},
		{"ACCOUNTS_DATABASE_CONNECT_TIMEOUT", c.ConnectTimeout, 5 * time.Second},
		{"ACCOUNTS_REQUEST_TIMEOUT", c.RequestTimeout, 10 * time.Second},
		{"ACCOUNTS_HTTP_ADDR", c.HTTPAddr, "127.0.0.1:8080"},
		{"ACCOUNTS_PUBLIC_URL", c.PublicURL, "http://127.0.0.1:8080"},
		{"ACCOUNTS_POSTGRES_PORT", c.PostgresPort, 54329},
		{"ACCOUNTS_LOG_LEVEL", c.LogLevel, slog.LevelInfo},
		{"ACCOUNTS_TOKEN_KEY", c.TokenKey == nil, true},
		{"ACCOUNTS_ROOT_USERNAME", c.RootUsername, "admin"},
		{"ACCOUNTS_MIN_PASSWORD_LENGTH", c.MinPassword, 8},
		{"ACCOUNTS_HASH_CONCURRENCY", c.Hashing.Concurrency, runtimeProcs()},
		{"ACCOUNTS_HASH_QUEUE_WAIT", c.Hashing.QueueWait, 3 * time.Second},
		{"ACCOUNTS_INVITATION_TTL", c.Identity.InvitationTTL, 168 * time.Hour},
		{"ACCOUNTS_SESSION_IDLE", c.Identity.SessionIdle, 30 * time.Minute},
		{"ACCOUNTS_TERMS_VERSION", c.Identity.TermsVersion, "2026-01"},
		{"ACCOUNTS_SMTP_PORT", c.SMTP.Port, 587},
		{"ACCOUNTS_SMTP_TLS", c.SMTP.TLS, "starttls"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if !strings.HasSuffix(c.DataDir, string(os.PathSeparator)+".data") || !strings.HasPrefix(c.DataDir, string(os.PathSeparator)) {
		t.Errorf("ACCOUNTS_DATA_DIR: %q, want the absolute path of .data", c.DataDir)
	}
}

// TestConfigSet: a value that is set wins over the default.
func TestConfigSet(t *testing.T) {
	clearEnvironment(t)
	key := bytes.Repeat([]byte{7}, 32)
	for name, value := range map[string]string{
		"ACCOUNTS_HTTP_ADDR":                "0.0.0.0:9000",
		"ACCOUNTS_DATABASE_MAX_CONNS":       "32",
		"ACCOUNTS_DATABASE_CONNECT_TIMEOUT": "750ms",
		"ACCOUNTS_LOG_LEVEL":                "debug",
		"ACCOUNTS_TOKEN_KEY":                base64.StdEncoding.EncodeToString(key),
		"ACCOUNTS_SMTP_TLS":                 "tls",
		"ACCOUNTS_SESSION_LIFETIME":         "2h",
	} {
		t.Setenv(name, value)
	}
	c, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "0.0.0.0:9000" || c.PublicURL != "http://0.0.0.0:9000" || c.MaxConns != 32 ||
		c.ConnectTimeout != 750*time.Millisecond || c.LogLevel != slog.LevelDebug || !bytes.Equal(c.TokenKey, key) ||
		c.SMTP.TLS != "tls" || c.Identity.SessionLifetime != 2*time.Hour {
		t.Errorf("config %+v does not hold the values set", c)
	}
	if got := c.Identity.config(); got.SessionLifetime != 2*time.Hour || got.TermsVersion != "2026-01" {
		t.Errorf("identity config %+v", got)
	}
}

// TestConfigRefused: a bad value stops the program with a message naming the variable, and never
// the value of a secret.
func TestConfigRefused(t *testing.T) {
	shortKey := base64.StdEncoding.EncodeToString([]byte("sixteen byte key"))
	for _, tc := range []struct {
		name, value string
		secret      bool
	}{
		{"ACCOUNTS_POSTGRES_PORT", "0", false},
		{"ACCOUNTS_POSTGRES_PORT", "70000", false},
		{"ACCOUNTS_POSTGRES_PORT", "http", false},
		{"ACCOUNTS_SMTP_PORT", "-25", false},
		{"ACCOUNTS_DATABASE_MAX_CONNS", "0", false},
		{"ACCOUNTS_DATABASE_MAX_CONNS", "many", false},
		{"ACCOUNTS_HASH_CONCURRENCY", "0", false},
		{"ACCOUNTS_MIN_PASSWORD_LENGTH", "129", false},
		{"ACCOUNTS_DATABASE_CONNECT_TIMEOUT", "0s", false},
		{"ACCOUNTS_REQUEST_TIMEOUT", "-1s", false},
		{"ACCOUNTS_SESSION_IDLE", "-5m", false},
		{"ACCOUNTS_INVITATION_TTL", "a week", false},
		{"ACCOUNTS_LOG_LEVEL", "loud", false},
		{"ACCOUNTS_SMTP_TLS", "ssl", false},
		{"ACCOUNTS_TOKEN_KEY", shortKey, true},
		{"ACCOUNTS_TOKEN_KEY", "not base64 but secret!", true},
	} {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			clearEnvironment(t)
			t.Setenv(tc.name, tc.value)
			_, err := loadConfig()
			if err == nil {
				t.Fatalf("%s=%q accepted", tc.name, tc.value)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tc.name) || !strings.Contains(msg, "want ") {
				t.Errorf("message %q does not name %s and what it wants", msg, tc.name)
			}
			if tc.secret && strings.Contains(msg, tc.value) {
				t.Errorf("message %q shows the secret", msg)
			}
		})
	}
}

// TestDatabaseMaxConns: the pool size's default grows with the CPUs.
func TestDatabaseMaxConns(t *testing.T) {
	for procs, want := range map[int]int{1: 8, 2: 8, 4: 16, 16: 64} {
		if got := defaultMaxConns(procs); got != want {
			t.Errorf("defaultMaxConns(%d) = %d, want %d", procs, got, want)
		}
	}
}

// TestUsageListsEveryVariable: the help is generated from config, with every default.
func TestUsageListsEveryVariable(t *testing.T) {
	vars := clearEnvironment(t)
	t.Setenv("ACCOUNTS_SMTP_PASSWORD", "hunter2-secret")
	var out bytes.Buffer
	writeUsage(&out)
	for _, v := range vars {
		line := ""
		for l := range strings.Lines(out.String()) {
			if strings.HasPrefix(l, "  "+v.Name+" ") {
				line = l
			}
		}
		if line == "" {
			t.Errorf("the usage has no line for %s:\n%s", v.Name, out.String())
			continue
		}
		if v.Default != "" && !strings.Contains(line, "(default "+v.Default+")") {
			t.Errorf("the usage line %q does not give the default %q", line, v.Default)
		}
	}
	if strings.Contains(out.String(), "hunter2") {
		t.Error("the usage shows a secret")
	}
}

// TestREADMEConfiguration: the README's configuration table lists exactly config's variables,
// with the same defaults, so that neither drifts from the other.
func TestREADMEConfiguration(t *testing.T) {
	vars, err := variables()
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := readmeConfiguration(t, readme)
	var want strings.Builder // the rows to paste, when they differ
	for _, v := range vars {
		def, ok := documented[v.Name]
		delete(documented, v.Name)
		if !ok || def != v.Default {
			want.WriteString("| `" + v.Name + "` | " + v.Default + " | ... |\n")
		}
		switch {
		case !ok:
			t.Errorf("README's configuration table has no row for %s", v.Name)
		case def != v.Default:
			t.Errorf("README gives %s the default %q, config.go %q", v.Name, def, v.Default)
		}
	}
	for name := range documented {
		t.Errorf("README's configuration table lists %s, which config.go does not read", name)
	}
	if t.Failed() {
		t.Logf("rows as config.go describes them (the default may be put in backticks):\n%s", want.String())
	}
}

// readmeConfiguration returns the variables of the table under "## Configuration" and their
// defaults, without the backticks.
func readmeConfiguration(t *testing.T, readme []byte) map[string]string {
	t.Helper()
	rows := map[string]string{}
	in := false
	scanner := bufio.NewScanner(bytes.NewReader(readme))
	scanner.Buffer(nil, 1<<20)
	for scanner.Scan() {
		line := scanner.Text()
		if strings.HasPrefix(line, "## ") {
			in = line == "## Configuration"
			continue
		}
		if !in || !strings.HasPrefix(line, "| `ACCOUNTS_") {
			continue
		}
		cells := strings.Split(line, " | ")
		if len(cells) < 3 {
			t.Fatalf("README row %q: want | variable | default | meaning |", line)
		}
		name := strings.Trim(cells[0], "| `")
		if _, dup := rows[name]; dup || strings.ContainsAny(name, ", ") {
			t.Errorf("README row %q: want one row for each variable", line)
		}
		rows[name] = strings.ReplaceAll(cells[1], "`", "")
	}
	if len(rows) == 0 {
		t.Fatal("README has no configuration table under ## Configuration")
	}
	return rows
}

// TestPoolConnectTimeout: a database host that accepts connections and never answers (as one
// that silently drops packets) fails a request within the connect timeout, as unavailable (503),
// instead of holding it.
func TestPoolConnectTimeout(t *testing.T) {
	// The kernel completes the handshakes of a listener that never accepts; nothing ever answers
	// pgx's startup message.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })

	const timeout = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // the test's own guard
	defer cancel()
	pool, err := newPool(ctx, "postgres://accounts@"+silent.Addr().String()+"/accounts?sslmode=disable", 4, timeout)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	start := time.Now()
	_, err = postgres.New(pool).ReadAll(ctx, eventstore.EndOfAll, eventstore.Backwards, 1)
	elapsed := time.Since(start)
	if !errors.Is(err, eventstore.ErrUnavailable) {
		t.Fatalf("read through a silent server: %v, want ErrUnavailable", err)
	}
	if elapsed > 10*timeout {
		t.Errorf("the request took %v, with a connect timeout of %v", elapsed, timeout)
	}
	t.Logf("failed after %v: %v", elapsed.Round(time.Millisecond), err)
}
