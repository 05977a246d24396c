package command

import (
	"errors"
	"fmt"
	"testing"

	"github.com/camcloud/accounts/eventstore"
)

// TestOutcomeOf: each commit's result is told to the observer as the word a dashboard shows.
func TestOutcomeOf(t *testing.T) {
	stored := Committed{"account-1": Result{Stream: "account-1"}}
	conflict := fmt.Errorf("append: %w", eventstore.ErrConcurrency)
	tests := []struct {
		name  string
		done  Committed
		err   error
		retry bool
		want  Outcome
	}{
		{"events stored", stored, nil, true, Appended},
		{"nothing to store", Committed{}, nil, true, Unchanged},
		{"a conflict decided again", nil, conflict, true, Retried},
		{"a conflict not decided again", nil, conflict, false, Conflict},
		{"the store failed", nil, fmt.Errorf("append: %w", eventstore.ErrUnavailable), true, Failed},
		{"another error", nil, errors.New("boom"), true, Failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := outcomeOf(tt.done, tt.err, tt.retry); got != tt.want {
				t.Errorf("outcomeOf = %s, want %s", got, tt.want)
			}
		})
	}
}
