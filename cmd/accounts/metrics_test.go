package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/identity/identityview"
	"github.com/camcloud/accounts/internal/pgtest"
)

// TestMetrics serves as production does, with ACCOUNTS_METRICS_ADDR set: after requests, a
// command, its projection and the mail it queued, the metrics address shows each series with
// bounded labels, and the public address has no /metrics.
func TestMetrics(t *testing.T) {
	t.Setenv("ACCOUNTS_DATABASE_URL", pgtest.NewDatabase(t))
	data := t.TempDir()
	t.Setenv("ACCOUNTS_DATA_DIR", data)
	t.Setenv("ACCOUNTS_HTTP_ADDR", freeAddr(t))
	t.Setenv("ACCOUNTS_METRICS_ADDR", freeAddr(t))
	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	out := &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.DiscardHandler), out) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	s := &server{base: "http://" + cfg.HTTPAddr, client: &http.Client{Timeout: 10 * time.Second}, out: out, data: data}
	waitReady(t, s)

	s.acceptMailedInvitation(t)
	s.signIn(t)
	var partner created
	s.post(t, "/v1/accounts", map[string]any{
		"kind": "partner", "name": "Northwind Partners",
		"address":    map[string]string{"line1": "1 Harbour St", "city": "Sydney", "country": "AU"},
		"first_user": map[string]string{"email": "ops@northwind.example"},
	}, &partner)
	s.getAccount(t, partner.ID, partner.Position) // waits for the projection
	s.call(t, http.MethodGet, "/v1/accounts/"+uuid.NewString(), nil, http.StatusNotFound, nil)
	s.call(t, http.MethodGet, "/v1/no-such-thing/"+uuid.NewString(), nil, http.StatusNotFound, nil)
	s.call(t, http.MethodGet, "/metrics", nil, http.StatusNotFound, nil) // not on the public address

	// The dispatcher sends the first user's invitation within a second or two; the read models
	// catch up with the last event.
	want := []struct {
		name   string
		labels map[string]string
		atLeast,
		atMost float64 // -1: no bound
	}{
		{"accounts_http_requests_total", map[string]string{"route": "/v1/accounts", "method": "POST", "status": "201"}, 1, -1},
		{"accounts_http_requests_total", map[string]string{"route": "/v1/accounts/{id}", "method": "GET", "status": "200"}, 1, -1},
		{"accounts_http_requests_total", map[string]string{"route": "/v1/accounts/{id}", "method": "GET", "status": "404"}, 1, -1},
		{"accounts_http_requests_total", map[string]string{"route": "unmatched", "method": "GET", "status": "404"}, 2, -1},
		{"accounts_http_request_duration_seconds_count", map[string]string{"route": "/v1/accounts", "method": "POST"}, 1, -1},
		{"accounts_eventstore_appends_total", map[string]string{"op": "append_multi", "outcome": "ok"}, 1, -1},
		{"accounts_eventstore_append_duration_seconds_count", map[string]string{"op": "append_multi"}, 1, -1},
		{"accounts_command_decisions_total", map[string]string{"outcome": "appended"}, 1, -1},
		{"accounts_command_decisions_total", map[string]string{"outcome": "conflict"}, 0, 0},
		{"accounts_job_runs_total", map[string]string{"job": "mail", "outcome": "done"}, 1, -1},
		{"accounts_mails_total", map[string]string{"result": "sent"}, 1, -1},
		{"accounts_mails_total", map[string]string{"result": "failed"}, 0, 0},
		{"accounts_projection_lag_events", map[string]string{"read_model": accountview.Name}, 0, 0},
		{"accounts_projection_lag_events", map[string]string{"read_model": identityview.Name}, 0, 0},
		{"accounts_projection_lag_events", map[string]string{"read_model": "mail-outbox"}, 0, 0},
		{"accounts_projection_lag_seconds", map[string]string{"read_model": accountview.Name}, 0, 0},
	}
	var series []sample
	deadline := time.Now().Add(15 * time.Second)
	for {
		series = scrape(t, "http://"+cfg.MetricsAddr+"/metrics")
		missing := ""
		for _, w := range want {
			v, ok := find(series, w.name, w.labels)
			if !ok || v < w.atLeast || (w.atMost >= 0 && v > w.atMost) {
				missing += "\n  " + w.name + " " + labelString(w.labels) + " = " + strconv.FormatFloat(v, 'g', -1, 64)
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("series not as expected:%s", missing)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// No label holds an ID: routes are templates, and nothing else names a resource.
	anyID := regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-`)
	for _, s := range series {
		for k, v := range s.labels {
			if anyID.MatchString(v) || strings.Contains(v, partner.ID) || strings.Contains(v, "northwind") {
				t.Errorf("%s has label %s=%q, which names a resource", s.name, k, v)
			}
		}
	}
}

func waitReady(t *testing.T, s *server) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := s.client.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready: %v\n%s", err, s.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sample is one line of the Prometheus text format.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

var (
	sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$`)
	labelPair  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

func scrape(t *testing.T, url string) []sample {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(resp.Body)
		t.Fatalf("scrape: status %d: %s", resp.StatusCode, raw)
	}
	var out []sample
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("scrape: unparsed line %q", line)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("scrape: line %q: %v", line, err)
		}
		labels := map[string]string{}
		for _, p := range labelPair.FindAllStringSubmatch(m[2], -1) {
			labels[p[1]] = p[2]
		}
		out = append(out, sample{name: m[1], labels: labels, value: v})
	}
	return out
}

// find returns the value of the series name with exactly labels.
func find(series []sample, name string, labels map[string]string) (float64, bool) {
next:
	for _, s := range series {
		if s.name != name || len(s.labels) != len(labels) {
			continue
		}
		for k, v := range labels {
			if s.labels[k] != v {
				continue next
			}
		}
		return s.value, true
	}
	return 0, false
}

func labelString(labels map[string]string) string {
	var b strings.Builder
	for k, v := range labels {
		b.WriteString(k + "=" + strconv.Quote(v) + " ")
	}
	return strings.TrimSpace(b.String())
}
