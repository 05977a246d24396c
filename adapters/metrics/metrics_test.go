package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/camcloud/accounts/adapters/metrics"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
	"github.com/camcloud/accounts/jobs"
)

func event() eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: "test.happened.v1", Data: []byte(`{}`)}
}

// failing is a store whose appends fail with err.
type failing struct {
	eventstore.Store
	err error
}

func (f failing) Append(context.Context, string, eventstore.ExpectedRevision, ...eventstore.EventData) (eventstore.AppendResult, error) {
	return eventstore.AppendResult{}, f.err
}

func (f failing) AppendMulti(context.Context, ...eventstore.StreamWrite) ([]eventstore.AppendResult, error) {
	return nil, f.err
}

// TestStore: given an event store decorated with metrics, each append is counted by operation
// and outcome, and timed, and its result and error pass through unchanged.
func TestStore(t *testing.T) {
	tests := []struct {
		name    string
		store   eventstore.Store
		prepare func(eventstore.Store) // before the measured append
		multi   bool
		want    string // outcome
	}{
		{name: "an append that is stored", store: memory.New(), want: "ok"},
		{name: "a multi-stream append that is stored", store: memory.New(), multi: true, want: "ok"},
		{name: "an append to a stream that moved on", store: memory.New(), want: "conflict", prepare: func(s eventstore.Store) {
			if _, err := s.Append(context.Background(), "test-1", eventstore.NoStream, event()); err != nil {
				panic(err)
			}
		}},
		{name: "a multi-stream append to a stream that moved on", store: memory.New(), multi: true, want: "conflict", prepare: func(s eventstore.Store) {
			if _, err := s.Append(context.Background(), "test-1", eventstore.NoStream, event()); err != nil {
				panic(err)
			}
		}},
		{name: "an append the store cannot take now", store: failing{err: fmt.Errorf("dial: %w", eventstore.ErrUnavailable)}, want: "unavailable"},
		{name: "an append that timed out", store: failing{err: context.DeadlineExceeded}, multi: true, want: "unavailable"},
		{name: "an append that failed otherwise", store: failing{err: errors.New("boom")}, want: "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := metrics.New(prometheus.NewRegistry())
			if tt.prepare != nil {
				tt.prepare(tt.store) // undecorated: not counted
			}
			s := m.Store(tt.store)
			op := "append"
			var err error
			if tt.multi {
				op = "append_multi"
				_, err = s.AppendMulti(context.Background(), eventstore.StreamWrite{Stream: "test-1", Expected: eventstore.NoStream, Events: []eventstore.EventData{event()}})
			} else {
				_, err = s.Append(context.Background(), "test-1", eventstore.NoStream, event())
			}
			if (tt.want == "ok") != (err == nil) {
				t.Fatalf("append: %v", err)
			}
			if tt.want == "conflict" && !errors.Is(err, eventstore.ErrConcurrency) {
				t.Errorf("error %v does not pass through as a conflict", err)
			}
			expect(t, m, fmt.Sprintf(`accounts_eventstore_appends_total{op=%q,outcome=%q} 1`, op, tt.want))
			expect(t, m, fmt.Sprintf(`accounts_eventstore_append_duration_seconds_count{op=%q} 1`, op))
		})
	}
}

// TestJobsAndMails: the mail dispatcher's counter counts the job's outcomes and the mails; a
// skipped item is no mail. Other jobs count outcomes only.
func TestJobsAndMails(t *testing.T) {
	m := metrics.New(prometheus.NewRegistry())
	mails, others := m.Mails(), m.Jobs()
	for _, o := range []jobs.Outcome{jobs.Done, jobs.Done, jobs.Retry, jobs.Dead, jobs.Skipped} {
		mails.Count("mail", o)
	}
	others.Count("expire-grants", jobs.Done)
	for _, line := range []string{
		`accounts_job_runs_total{job="mail",outcome="done"} 2`,
		`accounts_job_runs_total{job="mail",outcome="retry"} 1`,
		`accounts_job_runs_total{job="mail",outcome="dead"} 1`,
		`accounts_job_runs_total{job="mail",outcome="skipped"} 1`,
		`accounts_job_runs_total{job="expire-grants",outcome="done"} 1`,
		`accounts_mails_total{result="sent"} 2`,
		`accounts_mails_total{result="failed"} 2`,
	} {
		expect(t, m, line)
	}
}

// TestCommandsAndRequests: the command handler's hook and the HTTP API's observer count by a
// few fixed words and the route template.
func TestCommandsAndRequests(t *testing.T) {
	m := metrics.New(prometheus.NewRegistry())
	// Before any command, every outcome reads 0, so that a rate over it exists.
	expect(t, m, `accounts_command_decisions_total{outcome="conflict"} 0`)
	observe := m.Command()
	observe(command.Retried)
	observe(command.Appended)
	m.ObserveRequest("/v1/accounts/{id}", http.MethodGet, http.StatusOK, 3*time.Millisecond)
	m.ObserveRequest("/v1/accounts/{id}", http.MethodGet, http.StatusOK, 40*time.Millisecond)
	for _, line := range []string{
		`accounts_command_decisions_total{outcome="retried"} 1`,
		`accounts_command_decisions_total{outcome="appended"} 1`,
		`accounts_http_requests_total{method="GET",route="/v1/accounts/{id}",status="200"} 2`,
		`accounts_http_request_duration_seconds_count{method="GET",route="/v1/accounts/{id}"} 2`,
		`accounts_http_request_duration_seconds_bucket{method="GET",route="/v1/accounts/{id}",le="0.005"} 1`,
	} {
		expect(t, m, line)
	}
}

// checkpoints is a fixed set of read model checkpoints.
type checkpoints map[string]eventstore.Position

func (c checkpoints) Get(_ context.Context, name string) (eventstore.Position, error) {
	if p, ok := c[name]; ok {
		return p, nil
	}
	return eventstore.Start, errors.New("no such read model")
}

// TestProjectionLag: given three events and read models at the start, after the first and at
// the last event, the lag in events is 3, 2 and 0, and in seconds 0 only for the caught-up one.
// A read model whose checkpoint cannot be read leaves its series out and the scrape serves the
// rest.
func TestProjectionLag(t *testing.T) {
	store := memory.New()
	var positions []eventstore.Position
	for range 3 {
		r, err := store.Append(context.Background(), "test-"+uuid.NewString(), eventstore.NoStream, event())
		if err != nil {
			t.Fatal(err)
		}
		positions = append(positions, r.Position)
	}
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	m.WatchProjections(store, checkpoints{"behind": eventstore.Start, "midway": positions[0], "current": positions[2]}, "behind", "midway", "current", "broken")

	for _, line := range []string{
		`accounts_projection_lag_events{read_model="behind"} 3`,
		`accounts_projection_lag_events{read_model="midway"} 2`,
		`accounts_projection_lag_events{read_model="current"} 0`,
		`accounts_projection_lag_seconds{read_model="current"} 0`,
	} {
		expect(t, m, line)
	}
	body := scrape(t, m)
	if !strings.Contains(body, `accounts_projection_lag_seconds{read_model="behind"}`) {
		t.Errorf("no lag in seconds for the read model behind:\n%s", body)
	}
	if strings.Contains(body, `read_model="broken"`) {
		t.Errorf("a read model whose checkpoint cannot be read has a series:\n%s", body)
	}
}

// scrape reads m's handler as Prometheus does.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler(slog.New(slog.DiscardHandler)).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: status %d: %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// expect fails unless a scrape of m holds line.
func expect(t *testing.T, m *metrics.Metrics, line string) {
	t.Helper()
	if body := scrape(t, m); !strings.Contains(body, "\n"+line+"\n") {
		t.Errorf("scrape has no line %s", line)
	}
}
