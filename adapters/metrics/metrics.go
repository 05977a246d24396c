// Package metrics is the Prometheus adapter: the series the service exports, fed by decorators
// and hooks around the application (an eventstore.Store decorator, the HTTP API's request
// observer, the command handler's outcome hook, a jobs.Counter, a projection lag collector), never
// from inside the logic they measure. Every series registers on a registry the caller passes:
// there is no global state, and a test scrapes its own registry.
//
// No label holds an ID, a name a client chose or a secret: routes are templates, and every other
// label takes one of a few fixed words.
package metrics

import (
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/camcloud/accounts/command"
)

const namespace = "accounts"

// Metrics holds the service's series, registered on one registry.
type Metrics struct {
	registry *prometheus.Registry

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	appends         *prometheus.CounterVec
	appendDuration  *prometheus.HistogramVec
	commands        *prometheus.CounterVec
	jobs            *prometheus.CounterVec
	mails           *prometheus.CounterVec
}

// New registers the service's series, and the Go runtime's and the process's, on reg.
func New(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "http_requests_total",
			Help: "HTTP requests answered, by route template, method and status code.",
		}, []string{"route", "method", "status"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "http_request_duration_seconds",
			Help:    "Time from a request's arrival to the end of its answer, by route template and method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"}),
		appends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "eventstore_appends_total",
			Help: "Appends to the event store, by operation (append, append_multi) and outcome (ok, conflict, unavailable, error).",
		}, []string{"op", "outcome"}),
		appendDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "eventstore_append_duration_seconds",
			Help: "Time an append to the event store took, by operation, whatever its outcome.",
			// Appends are a commit each: from a millisecond (PostgreSQL) to seconds (a leader
			// election of EventStoreDB).
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"op"}),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "command_decisions_total",
			Help: "Decisions of commands, by outcome (appended, unchanged, retried, conflict, refused, failed).",
		}, []string{"outcome"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "job_runs_total",
			Help: "Runs of background job items, by job and outcome (done, skipped, retry, dead).",
		}, []string{"job", "outcome"}),
		mails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "mails_total",
			Help: "Mails handed to the mailer, by result (sent, failed).",
		}, []string{"result"}),
	}
	reg.MustRegister(m.requests, m.requestDuration, m.appends, m.appendDuration, m.commands, m.jobs, m.mails,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Known label values start at zero, so that a rate over them exists before the first event.
	for _, o := range []command.Outcome{command.Appended, command.Unchanged, command.Retried, command.Conflict, command.Refused, command.Failed} {
		m.commands.WithLabelValues(string(o))
	}
	for _, r := range []string{mailSent, mailFailed} {
		m.mails.WithLabelValues(r)
	}
	return m
}

// Handler serves the registry's series in the Prometheus text format. A collector that fails
// (the read models' database is down) leaves its series out and the rest is still served.
func (m *Metrics) Handler(logger *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      m.registry, // counts the scrapes and their errors
	})
}

// Command returns the observer to give command.Handler.Observe.
func (m *Metrics) Command() func(command.Outcome) {
	return func(o command.Outcome) { m.commands.WithLabelValues(string(o)).Inc() }
}
