package accountcmd

import (
	"errors"
	"maps"
	"testing"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
)

// TestObserve: given a handler with an observer, a command stored, one refused and one under
// endless contention are told as appended, refused, and retried until the last conflict.
func TestObserve(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, account.PlatformRootID, account.KindCustomer, "Shop")
	codec := eventstore.NewCodec(domain.Events()...)
	observer := func(h *command.Handler) (*command.Handler, map[command.Outcome]int) {
		seen := map[command.Outcome]int{}
		h.Observe(func(o command.Outcome) { seen[o]++ })
		return h, seen
	}

	h, seen := observer(command.NewHandler(f.store, codec))
	name, empty := "Renamed", ""
	if _, err := newCommands(h).Update(f.ctx, operator, UpdateAccount{AccountID: c.AccountID, Name: &name}); err != nil {
		t.Fatal(err)
	}
	if _, err := newCommands(h).Update(f.ctx, operator, UpdateAccount{AccountID: c.AccountID, Name: &empty}); err == nil {
		t.Fatal("an empty name was accepted")
	}
	if want := (map[command.Outcome]int{command.Appended: 1, command.Refused: 1}); !maps.Equal(seen, want) {
		t.Errorf("observed %v, want %v", seen, want)
	}

	h, seen = observer(command.NewHandler(conflicting{f.store}, codec))
	busy := "Busy"
	if _, err := newCommands(h).Update(f.ctx, operator, UpdateAccount{AccountID: c.AccountID, Name: &busy}); !errors.Is(err, eventstore.ErrConcurrency) {
		t.Fatalf("got %v, want a conflict", err)
	}
	if want := (map[command.Outcome]int{command.Retried: command.MaxAttempts - 1, command.Conflict: 1}); !maps.Equal(seen, want) {
		t.Errorf("observed %v, want %v", seen, want)
	}
}
