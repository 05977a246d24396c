package accountcmd

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
)

// countingReads counts the events ReadStream hands out.
type countingReads struct {
	eventstore.Store
	read atomic.Int64
}

func (c *countingReads) ReadStream(ctx context.Context, stream string, from uint64, dir eventstore.Direction, n int) ([]eventstore.RecordedEvent, error) {
	events, err := c.Store.ReadStream(ctx, stream, from, dir, n)
	c.read.Add(int64(len(events)))
	return events, err
}

// TestRenamingAnAccountReadsOnlyItsNewEvents: an account renamed many times is not read and
// folded from its first event on every rename; its state is the same as a fold from the start,
// also when another handler (another process) changed the stream meanwhile.
func TestRenamingAnAccountReadsOnlyItsNewEvents(t *testing.T) {
	store := &countingReads{Store: memory.New()}
	codec := eventstore.NewCodec(domain.Events()...)
	accounts := newCommands(command.NewHandler(store, codec))
	other := newCommands(command.NewHandler(store, codec)) // another process on the same store
	ctx := context.Background()
	if _, err := accounts.EnsurePlatformRoot(ctx, command.Service("test"), "Platform", someAddress); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		name := fmt.Sprintf("Platform %d", i)
		if _, err := accounts.Update(ctx, operator, UpdateAccount{AccountID: account.PlatformRootID, Name: &name}); err != nil {
			t.Fatal(err)
		}
	}
	moved := "Moved elsewhere"
	if _, err := other.Update(ctx, operator, UpdateAccount{AccountID: account.PlatformRootID, Name: &moved}); err != nil {
		t.Fatal(err)
	}
	store.read.Store(0)
	final := "Platform, at last"
	res, err := accounts.Update(ctx, operator, UpdateAccount{AccountID: account.PlatformRootID, Name: &final})
	if err != nil {
		t.Fatal(err)
	}
	// The rename made elsewhere, and nothing older.
	if n := store.read.Load(); n != 1 {
		t.Errorf("the last rename read %d events of a stream of %d, want 1", n, res.Revision)
	}
	kept, err := accounts.accounts.Load(ctx, account.PlatformRootID)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := command.NewRepository(command.NewHandler(store, codec), accountAggregate).Load(ctx, account.PlatformRootID)
	if err != nil {
		t.Fatal(err)
	}
	if kept.State != fresh.State || kept.Revision != fresh.Revision || kept.Position != fresh.Position || kept.State.Name != final {
		t.Fatalf("kept %+v at %d, fold from the start %+v at %d", kept.State, kept.Revision, fresh.State, fresh.Revision)
	}
}
