package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/camcloud/accounts/eventstore"
)

// Store decorates an event store with the append series; reads and subscriptions pass through
// unmeasured (the HTTP and projection series cover them).
type Store struct {
	eventstore.Store
	m *Metrics
}

// Store returns s measured.
func (m *Metrics) Store(s eventstore.Store) *Store { return &Store{Store: s, m: m} }

// Append appends through the decorated store and counts the outcome and its time.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	start := time.Now()
	r, err := s.Store.Append(ctx, stream, expected, events...)
	s.m.observeAppend("append", start, err)
	return r, err
}

// AppendMulti appends through the decorated store and counts the outcome and its time.
func (s *Store) AppendMulti(ctx context.Context, writes ...eventstore.StreamWrite) ([]eventstore.AppendResult, error) {
	start := time.Now()
	r, err := s.Store.AppendMulti(ctx, writes...)
	s.m.observeAppend("append_multi", start, err)
	return r, err
}

func (m *Metrics) observeAppend(op string, start time.Time, err error) {
	m.appendDuration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	m.appends.WithLabelValues(op, appendOutcome(err)).Inc()
}

// appendOutcome classifies an append's error by what a reader of the dashboard does about it: a
// conflict is normal contention (the command decides again), unavailable is the store's outage,
// error is anything else (a bug, a refused event).
func appendOutcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, eventstore.ErrConcurrency):
		return "conflict"
	case errors.Is(err, eventstore.ErrUnavailable), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return "unavailable"
	}
	return "error"
}
