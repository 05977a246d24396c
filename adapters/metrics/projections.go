package metrics

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/camcloud/accounts/eventstore"
)

// Checkpoints tells where a read model stands: projections.Checkpoints.
type Checkpoints interface {
	Get(ctx context.Context, name string) (eventstore.Position, error)
}

// lagCap bounds the events one scrape reads per read model: beyond it the model is far behind,
// and reading more would only load the store while it catches up.
const lagCap = 1000

// scrapeTimeout bounds a scrape's reads: Prometheus gives up after 10 s by default.
const scrapeTimeout = 5 * time.Second

// WatchProjections registers a collector that measures, at each scrape, how far each named read
// model is behind the event store: the events after its checkpoint (at most lagCap) and the age
// of the oldest of them (0 when it has caught up). It reads the checkpoints and the store as any
// reader does; the pipeline does nothing for it.
func (m *Metrics) WatchProjections(store eventstore.Store, checkpoints Checkpoints, names ...string) {
	m.registry.MustRegister(&lagCollector{
		store: store, checkpoints: checkpoints, names: names, now: time.Now,
		events: prometheus.NewDesc(namespace+"_projection_lag_events",
			fmt.Sprintf("Events stored after a read model's checkpoint (at most %d).", lagCap), []string{"read_model"}, nil),
		seconds: prometheus.NewDesc(namespace+"_projection_lag_seconds",
			"Age of the oldest event a read model has not projected yet (0: caught up).", []string{"read_model"}, nil),
	})
}

type lagCollector struct {
	store           eventstore.Store
	checkpoints     Checkpoints
	names           []string
	now             func() time.Time
	events, seconds *prometheus.Desc
}

func (c *lagCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.events
	ch <- c.seconds
}

// Collect reads the lag of every read model. Prometheus gives a collector no context; the scrape
// gets its own, bounded. A read model whose lag cannot be read yields an invalid metric: the
// handler (ContinueOnError) logs it and serves the other series.
func (c *lagCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	for _, name := range c.names {
		events, age, err := c.lag(ctx, name)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(c.events, fmt.Errorf("projection lag of %s: %w", name, err))
			continue
		}
		ch <- prometheus.MustNewConstMetric(c.events, prometheus.GaugeValue, float64(events), name)
		ch <- prometheus.MustNewConstMetric(c.seconds, prometheus.GaugeValue, age.Seconds(), name)
	}
}

func (c *lagCollector) lag(ctx context.Context, name string) (int, time.Duration, error) {
	at, err := c.checkpoints.Get(ctx, name)
	if err != nil {
		return 0, 0, err
	}
	behind, err := c.store.ReadAll(ctx, at, eventstore.Forwards, lagCap)
	if err != nil || len(behind) == 0 {
		return 0, 0, err
	}
	return len(behind), max(0, c.now().Sub(behind[0].RecordedAt)), nil
}
