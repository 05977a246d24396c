package httpkit

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/camcloud/accounts/eventstore"
)

// An append the event store timed out may have been stored (EventStoreDB's "Commit phase
// timeout"): the answer is a 503 that tells the client to read again before resending, not the
// plain "unavailable, retry shortly" that would invite a second, doubling request.
func TestOutcomeUnknownAsksToReadAgain(t *testing.T) {
	s := NewKit(nil, nil, 0)
	err := fmt.Errorf("esdb: append to account-1: %w: %w: Commit phase timeout", eventstore.ErrUnavailable, eventstore.ErrOutcomeUnknown)
	rec := httptest.NewRecorder()
	s.Error(rec, httptest.NewRequest(http.MethodPost, "/v1/accounts", nil), err)

	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q; want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	var p struct{ Type, Detail string }
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Type != "/problems/outcome-unknown" || !strings.Contains(p.Detail, "ETag") {
		t.Fatalf("Problem %+v, want /problems/outcome-unknown telling to read the ETag again", p)
	}
}
