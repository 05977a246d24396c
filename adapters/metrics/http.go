package metrics

import (
	"strconv"
	"time"
)

// ObserveRequest counts one answered request; m is the HTTP API's httpapi.RequestObserver. route
// is a template (the API never passes a raw path) and method one of a few words.
func (m *Metrics) ObserveRequest(route, method string, status int, elapsed time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.requestDuration.WithLabelValues(route, method).Observe(elapsed.Seconds())
}
