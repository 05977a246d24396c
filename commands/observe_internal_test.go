package commands

import (
	"errors"
	"fmt"
	"maps"
	"testing"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
)

// TestOutcomeOf: each commit's result is told to the observer as the word a dashboard shows.
func TestOutcomeOf(t *testing.T) {
	stored := committed{"account-1": Result{Stream: "account-1"}}
	conflict := fmt.Errorf("append: %w", eventstore.ErrConcurrency)
	tests := []struct {
		name  string
		done  committed
		err   error
		retry bool
		want  Outcome
	}{
		{"events stored", stored, nil, true, Appended},
		{"nothing to store", committed{}, nil, true, Unchanged},
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

// TestObserve: given a handler with an observer, a command stored, one refused and one under
// endless contention are told as appended, refused, and retried until the last conflict.
func TestObserve(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, PlatformRootID, account.KindCustomer, "Shop")
	codec := eventstore.NewCodec(domain.Events()...)
	observer := func(h *Handler) (*Handler, map[Outcome]int) {
		seen := map[Outcome]int{}
		h.Observe(func(o Outcome) { seen[o]++ })
		return h, seen
	}

	h, seen := observer(NewHandler(f.store, codec))
	name, empty := "Renamed", ""
	if _, err := NewAccounts(h).Update(f.ctx, operator, UpdateAccount{AccountID: c.AccountID, Name: &name}); err != nil {
		t.Fatal(err)
	}
	if _, err := NewAccounts(h).Update(f.ctx, operator, UpdateAccount{AccountID: c.AccountID, Name: &empty}); err == nil {
		t.Fatal("an empty name was accepted")
	}
	if want := (map[Outcome]int{Appended: 1, Refused: 1}); !maps.Equal(seen, want) {
		t.Errorf("observed %v, want %v", seen, want)
	}

	h, seen = observer(NewHandler(conflicting{f.store}, codec))
	busy := "Busy"
	if _, err := NewAccounts(h).Update(f.ctx, operator, UpdateAccount{AccountID: c.AccountID, Name: &busy}); !errors.Is(err, eventstore.ErrConcurrency) {
		t.Fatalf("got %v, want a conflict", err)
	}
	if want := (map[Outcome]int{Retried: maxAttempts - 1, Conflict: 1}); !maps.Equal(seen, want) {
		t.Errorf("observed %v, want %v", seen, want)
	}
}
