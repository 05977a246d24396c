package httpapi_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/eventstore"
)

// recordingStore counts the events appended per correlation id (the request's X-Request-ID), so
// that every HTTP test checks that a refused request wrote nothing, also while other requests
// run at the same time.
type recordingStore struct {
	eventstore.Store
	mu      sync.Mutex
	written map[string]int
}

func newRecordingStore(s eventstore.Store) *recordingStore {
	return &recordingStore{Store: s, written: map[string]int{}}
}

func (s *recordingStore) record(events []eventstore.EventData) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range events {
		s.written[e.Metadata.CorrelationID]++
	}
}

func (s *recordingStore) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	r, err := s.Store.Append(ctx, stream, expected, events...)
	if err == nil {
		s.record(events)
	}
	return r, err
}

func (s *recordingStore) AppendMulti(ctx context.Context, writes ...eventstore.StreamWrite) ([]eventstore.AppendResult, error) {
	r, err := s.Store.AppendMulti(ctx, writes...)
	if err == nil {
		for _, w := range writes {
			s.record(w.Events)
		}
	}
	return r, err
}

func (s *recordingStore) writtenBy(correlation string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.written[correlation]
}

// checkRefusalWroteNothing fails the test when a request answered 4xx appended events.
func (h *harness) checkRefusalWroteNothing(t *testing.T, r req, got response, requestID string) {
	t.Helper()
	if got.Status < 400 || got.Status >= 500 || h.recorder == nil {
		return
	}
	if n := h.recorder.writtenBy(requestID); n > 0 {
		t.Errorf("%s %s answered %d but wrote %d events", r.Method, r.Path, got.Status, n)
	}
}

// checkAuditTrail fails the test when an event of the store does not name the account it belongs
// to and the request that caused it: the history auditors replay.
func checkAuditTrail(t *testing.T, store eventstore.Store) {
	t.Helper()
	ctx := context.Background()
	for from := eventstore.Start; ; {
		events, err := store.ReadAll(ctx, from, eventstore.Forwards, 500)
		if err != nil {
			t.Errorf("audit trail: %v", err)
			return
		}
		for _, e := range events {
			m := e.Metadata
			if _, err := uuid.Parse(m.AccountID); err != nil || m.CorrelationID == "" || m.CausationID == "" || m.Actor == "" {
				t.Errorf("event %s (%s in %s) lacks its account, actor or request: %+v", e.Type, e.ID, e.Stream, m)
			}
			if agent := strings.HasPrefix(m.Actor, "support-agent:"); agent != (m.SupportGrant != "") {
				t.Errorf("event %s (%s in %s): a support agent's events, and only theirs, name a grant: %+v", e.Type, e.ID, e.Stream, m)
			}
		}
		if len(events) < 500 {
			return
		}
		from = events[len(events)-1].Position
	}
}
