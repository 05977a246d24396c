package accountcmd

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/access/accesstest"
	"github.com/camcloud/accounts/identity/group"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
)

var (
	someAddress = account.Address{Line1: "1 Main St", City: "Springfield", Country: "US"}
	// operator is a platform administrator: a user of the root account who manages accounts.
	operator = command.By(access.Principal{Kind: access.User, ID: "user-7", AccountID: account.PlatformRootID,
		Permissions: []group.Permission{group.AccountsManage}}, "req-1")
)

// newCommands returns the account commands on h, every account in scope, with no identity
// commands (no first users).
func newCommands(h *command.Handler) *Commands {
	return New(h, access.NewAuthorizer(accesstest.Everywhere{}), nil)
}

type fixture struct {
	store    *memory.Store
	accounts *Commands
	ctx      context.Context
}

// newFixture returns account handlers on an empty store that already holds the platform root.
func newFixture(t *testing.T) fixture {
	t.Helper()
	store := memory.New()
	f := fixture{store: store, accounts: newCommands(command.NewHandler(store, eventstore.NewCodec(domain.Events()...))), ctx: context.Background()}
	if created, err := f.accounts.EnsurePlatformRoot(f.ctx, command.Service("test"), "Platform", someAddress); err != nil || !created {
		t.Fatalf("create platform root: created %v, %v", created, err)
	}
	return f
}

func (f fixture) create(t *testing.T, parent string, kind account.Kind, name string) Created {
	t.Helper()
	c, err := f.accounts.Create(f.ctx, operator, CreateAccount{ParentID: parent, Kind: kind, Name: name, Address: someAddress})
	if err != nil {
		t.Fatalf("create %s %q: %v", kind, name, err)
	}
	return c
}

func (f fixture) events(t *testing.T) []eventstore.RecordedEvent {
	t.Helper()
	all, err := f.store.ReadAll(f.ctx, eventstore.Start, eventstore.Forwards, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func (f fixture) state(t *testing.T, id string) account.Account {
	t.Helper()
	s, err := f.accounts.accounts.Load(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return s.State
}

func TestCreateAccount(t *testing.T) {
	f := newFixture(t)
	partner := f.create(t, account.PlatformRootID, account.KindPartner, "Acme Partner")
	customer := f.create(t, partner.AccountID, account.KindCustomer, "Corner Shop")

	got := f.state(t, customer.AccountID)
	if !got.Exists || got.ParentID != partner.AccountID || got.Kind != account.KindCustomer || got.RegistrationCode != customer.RegistrationCode {
		t.Fatalf("customer state = %+v", got)
	}
	if partner.RegistrationCode == customer.RegistrationCode {
		t.Fatal("two accounts share a registration code")
	}
	if customer.Revision != 0 || customer.Position.Compare(partner.Position) <= 0 {
		t.Errorf("customer result = %+v after partner %+v", customer.Result, partner.Result)
	}
	// Each account's code is reserved in its own stream, before the account is written.
	reservation, _ := f.store.ReadStream(f.ctx, eventstore.StreamName(codeAggregate.Category, customer.RegistrationCode.Compact()), 0, eventstore.Forwards, 10)
	if len(reservation) != 1 || reservation[0].Type != (account.RegistrationCodeReserved{}).EventType() {
		t.Fatalf("reservation stream = %+v", reservation)
	}
}

func TestCreateAccountCarriesMetadata(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, account.PlatformRootID, account.KindPartner, "Acme")
	evs, _ := f.store.ReadStream(f.ctx, AccountStream(c.AccountID), 0, eventstore.Forwards, 10)
	if len(evs) != 1 {
		t.Fatalf("account stream has %d events", len(evs))
	}
	m := evs[0].Metadata
	if m.Actor != "user-7" || m.CorrelationID != "req-1" || m.CausationID != "req-1" || m.AccountID != c.AccountID || m.OccurredAt.IsZero() {
		t.Errorf("metadata = %+v", m)
	}
}

func TestCreateAccountRefusals(t *testing.T) {
	f := newFixture(t)
	customer := f.create(t, account.PlatformRootID, account.KindCustomer, "Customer")
	cases := []struct {
		name string
		cmd  CreateAccount
		want error
	}{
		{"unknown parent", CreateAccount{ParentID: "0b3e1f36-5d4c-4b8e-9a57-2f7c1a0d9e11", Kind: account.KindCustomer, Name: "X", Address: someAddress}, account.ErrUnknownParent},
		{"parent that is no UUID", CreateAccount{ParentID: "root", Kind: account.KindCustomer, Name: "X", Address: someAddress}, account.ErrUnknownParent},
		{"customer as parent", CreateAccount{ParentID: customer.AccountID, Kind: account.KindCustomer, Name: "X", Address: someAddress}, account.ErrParentNotPartner},
		{"empty name", CreateAccount{ParentID: account.PlatformRootID, Kind: account.KindCustomer, Name: "  ", Address: someAddress}, account.ErrInvalid},
		{"unknown kind", CreateAccount{ParentID: account.PlatformRootID, Kind: "reseller", Name: "X", Address: someAddress}, account.ErrInvalid},
		{"no address", CreateAccount{ParentID: account.PlatformRootID, Kind: account.KindCustomer, Name: "X"}, account.ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(f.events(t))
			_, err := f.accounts.Create(f.ctx, operator, c.cmd)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if after := len(f.events(t)); after != before {
				t.Errorf("a refused command appended %d events (a reservation leaked?)", after-before)
			}
		})
	}
}

// repeating yields the same bytes for the first n reads' worth, then real randomness: every
// code drawn from it before that is the same code.
type repeating struct {
	left int
}

func (r *repeating) Read(p []byte) (int, error) {
	if r.left > 0 {
		r.left -= len(p)
		return copy(p, bytes.Repeat([]byte{0}, len(p))), nil
	}
	return rand.Read(p)
}

func TestTakenRegistrationCodeIsReplaced(t *testing.T) {
	f := newFixture(t)
	f.accounts.random = &repeating{left: 1 << 20}
	first := f.create(t, account.PlatformRootID, account.KindCustomer, "First")
	f.accounts.random = &repeating{left: 30} // the same code twice (validation draw and first reservation), then fresh ones
	second := f.create(t, account.PlatformRootID, account.KindCustomer, "Second")
	if first.RegistrationCode != "22222-22222-22222" {
		t.Fatalf("first code = %s, want the all-zero draw 22222-22222-22222", first.RegistrationCode)
	}
	if second.RegistrationCode == first.RegistrationCode {
		t.Fatal("the second account got the first account's code")
	}
}

func TestAllCodesTakenGivesUp(t *testing.T) {
	f := newFixture(t)
	f.accounts.random = &repeating{left: 1 << 20}
	f.create(t, account.PlatformRootID, account.KindCustomer, "First")
	_, err := f.accounts.Create(f.ctx, operator, CreateAccount{ParentID: account.PlatformRootID, Kind: account.KindCustomer, Name: "Second", Address: someAddress})
	if err == nil {
		t.Fatal("created an account although every code drawn was taken")
	}
}

func TestUpdateAccount(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, account.PlatformRootID, account.KindCustomer, "Old name")
	name := "New name"
	moved := account.Address{Line1: "2 High St", City: "Shelbyville", Country: "gb"}

	res, err := f.accounts.Update(f.ctx, operator, UpdateAccount{AccountID: c.AccountID, Name: &name, Address: &moved})
	if err != nil {
		t.Fatal(err)
	}
	if res.Revision != 2 {
		t.Errorf("revision after rename and move = %d, want 2 (one event each)", res.Revision)
	}
	got := f.state(t, c.AccountID)
	if got.Name != name || got.Address.City != "Shelbyville" || got.Address.Country != "GB" {
		t.Errorf("state = %+v", got)
	}

	t.Run("same values append nothing", func(t *testing.T) {
		again, err := f.accounts.Update(f.ctx, operator, UpdateAccount{AccountID: c.AccountID, Name: &name})
		if err != nil || again != res {
			t.Fatalf("no-op update = %+v, %v; want %+v", again, err, res)
		}
	})
	t.Run("stale If-Match is refused", func(t *testing.T) {
		stale := uint64(0)
		other := "Other"
		_, err := f.accounts.Update(f.ctx, operator, UpdateAccount{AccountID: c.AccountID, Name: &other, IfRevision: &stale})
		if !errors.Is(err, command.ErrRevisionMismatch) {
			t.Fatalf("got %v, want command.ErrRevisionMismatch", err)
		}
	})
	t.Run("current If-Match is accepted", func(t *testing.T) {
		current := res.Revision
		other := "Other"
		if _, err := f.accounts.Update(f.ctx, operator, UpdateAccount{AccountID: c.AccountID, Name: &other, IfRevision: &current}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("unknown account", func(t *testing.T) {
		for _, id := range []string{"6f1c1e8e-8a43-4f0e-b0a4-1d2c3b4a5f60", "not-a-uuid"} {
			if _, err := f.accounts.Update(f.ctx, operator, UpdateAccount{AccountID: id, Name: &name}); !errors.Is(err, account.ErrNotFound) {
				t.Errorf("update %s: %v, want ErrNotFound", id, err)
			}
		}
	})
	t.Run("invalid name changes nothing, not even the valid address", func(t *testing.T) {
		before := len(f.events(t))
		empty := ""
		other := account.Address{Line1: "3 Low St", City: "Ogdenville", Country: "US"}
		if _, err := f.accounts.Update(f.ctx, operator, UpdateAccount{AccountID: c.AccountID, Name: &empty, Address: &other}); !errors.Is(err, account.ErrInvalid) {
			t.Fatalf("got %v, want ErrInvalid", err)
		}
		if after := len(f.events(t)); after != before {
			t.Errorf("refused update appended %d events", after-before)
		}
	})
}

func TestRotateRegistrationCode(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, account.PlatformRootID, account.KindCustomer, "Shop")
	res, code, err := f.accounts.RotateRegistrationCode(f.ctx, operator, RotateRegistrationCode{AccountID: c.AccountID})
	if err != nil {
		t.Fatal(err)
	}
	if code == c.RegistrationCode || res.Revision != 1 {
		t.Fatalf("rotated to %s at revision %d from %s", code, res.Revision, c.RegistrationCode)
	}
	if got := f.state(t, c.AccountID).RegistrationCode; got != code {
		t.Errorf("state code = %s, want %s", got, code)
	}
	// The old code stays reserved, so it can never be handed to another account.
	old, _ := f.store.ReadStream(f.ctx, eventstore.StreamName(codeAggregate.Category, c.RegistrationCode.Compact()), 0, eventstore.Forwards, 10)
	if len(old) != 1 {
		t.Errorf("old code's reservation stream has %d events, want 1", len(old))
	}
	if _, _, err := f.accounts.RotateRegistrationCode(f.ctx, operator, RotateRegistrationCode{AccountID: "6f1c1e8e-8a43-4f0e-b0a4-1d2c3b4a5f60"}); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("rotate of a missing account: %v, want ErrNotFound", err)
	}
}

func TestPlatformRootIsCreatedOnce(t *testing.T) {
	f := newFixture(t)
	created, err := f.accounts.EnsurePlatformRoot(f.ctx, command.Service("test"), "Platform", someAddress)
	if err != nil || created {
		t.Fatalf("second EnsurePlatformRoot: created %v, %v", created, err)
	}
	root := f.state(t, account.PlatformRootID)
	if !root.Exists || root.ParentID != "" || root.Kind != account.KindPartner {
		t.Fatalf("root = %+v", root)
	}
}

// TestConcurrentUpdatesAreAllApplied: writers racing on one account each get their change in,
// because a conflicting append is decided again on fresh state.
func TestConcurrentUpdatesAreAllApplied(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, account.PlatformRootID, account.KindCustomer, "Shop")
	const writers = 4
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Go(func() {
			name := fmt.Sprintf("Shop %d", i)
			if _, err := f.accounts.Update(f.ctx, operator, UpdateAccount{AccountID: c.AccountID, Name: &name}); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	evs, _ := f.store.ReadStream(f.ctx, AccountStream(c.AccountID), 0, eventstore.Forwards, 100)
	if len(evs) != 1+writers {
		t.Fatalf("stream has %d events, want %d", len(evs), 1+writers)
	}
}

// conflicting fails every append with a conflict, as a store under endless contention would.
type conflicting struct{ eventstore.Store }

func (conflicting) Append(_ context.Context, stream string, expected eventstore.ExpectedRevision, _ ...eventstore.EventData) (eventstore.AppendResult, error) {
	return eventstore.AppendResult{}, &eventstore.ConflictError{Stream: stream, Expected: expected}
}

func (conflicting) AppendMulti(_ context.Context, writes ...eventstore.StreamWrite) ([]eventstore.AppendResult, error) {
	return nil, &eventstore.ConflictError{Stream: writes[0].Stream, Expected: writes[0].Expected}
}

func TestConflictRetriesAreBounded(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, account.PlatformRootID, account.KindCustomer, "Shop")
	h := newCommands(command.NewHandler(conflicting{f.store}, eventstore.NewCodec(domain.Events()...)))
	name := "Busy"
	_, err := h.Update(f.ctx, operator, UpdateAccount{AccountID: c.AccountID, Name: &name})
	if !errors.Is(err, eventstore.ErrConcurrency) {
		t.Fatalf("got %v, want a concurrency error after bounded retries", err)
	}
}

var _ io.Reader = (*repeating)(nil)
