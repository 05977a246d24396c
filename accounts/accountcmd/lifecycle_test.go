package accountcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/identity/group"
)

// tree is a scope that knows each account's parent: an account is within itself and its
// ancestors, as the accounts read model answers over HTTP.
type tree map[string]string

func (t tree) IsWithin(_ context.Context, ancestor, id string) (bool, error) {
	for ; id != ""; id = t[id] {
		if id == ancestor {
			return true, nil
		}
	}
	return false, nil
}

// manager is an administrator of accountID who manages accounts.
func manager(accountID string) command.Origin {
	return command.By(access.Principal{Kind: access.User, ID: "user-" + accountID[:8], AccountID: accountID,
		Permissions: []group.Permission{group.AccountsManage}}, "req-lifecycle")
}

// lifecycleFixture is a partner with a customer and a sub-partner below the root, and commands
// scoped by the tree they form.
type lifecycleFixture struct {
	fixture
	scoped                     *Commands
	partner, customer, sibling Created
	tree                       tree
}

func newLifecycleFixture(t *testing.T) lifecycleFixture {
	t.Helper()
	f := lifecycleFixture{fixture: newFixture(t)}
	f.partner = f.create(t, account.PlatformRootID, account.KindPartner, "Partner")
	f.customer = f.create(t, f.partner.AccountID, account.KindCustomer, "Customer")
	f.sibling = f.create(t, f.partner.AccountID, account.KindCustomer, "Sibling")
	f.tree = tree{
		f.partner.AccountID:  account.PlatformRootID,
		f.customer.AccountID: f.partner.AccountID,
		f.sibling.AccountID:  f.partner.AccountID,
	}
	f.scoped = New(f.accounts.h, access.NewAuthorizer(f.tree), nil)
	return f
}

func (f lifecycleFixture) streamTypes(t *testing.T, id string) []string {
	t.Helper()
	evs, err := f.store.ReadStream(f.ctx, AccountStream(id), 0, eventstore.Forwards, 100)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	return types
}

func TestSuspendReactivateClose(t *testing.T) {
	f := newLifecycleFixture(t)
	by := manager(f.partner.AccountID)
	id := f.customer.AccountID

	res, err := f.scoped.Suspend(f.ctx, by, ChangeStatus{AccountID: id, Reason: " unpaid invoices "})
	if err != nil {
		t.Fatal(err)
	}
	if res.Revision != 1 || f.state(t, id).Status != account.StatusSuspended {
		t.Fatalf("after suspend: revision %d, state %+v", res.Revision, f.state(t, id))
	}
	evs, _ := f.store.ReadStream(f.ctx, AccountStream(id), 1, eventstore.Forwards, 1)
	if m := evs[0].Metadata; m.Actor != by.Principal.ID || m.AccountID != id {
		t.Errorf("suspension metadata = %+v", m)
	}
	if again, err := f.scoped.Suspend(f.ctx, by, ChangeStatus{AccountID: id, Reason: "again"}); err != nil || again != res {
		t.Errorf("suspend twice = %+v, %v; want nothing new (%+v)", again, err, res)
	}
	if _, err := f.scoped.Reactivate(f.ctx, by, ChangeStatus{AccountID: id}); err != nil {
		t.Fatal(err)
	}
	if got := f.state(t, id).Status; got != account.StatusActive {
		t.Fatalf("after reactivate: %s", got)
	}
	stale := uint64(0)
	if _, err := f.scoped.Close(f.ctx, by, ChangeStatus{AccountID: id, IfRevision: &stale}); !errors.Is(err, command.ErrRevisionMismatch) {
		t.Fatalf("close at a stale revision: %v, want ErrRevisionMismatch", err)
	}
	current := uint64(2)
	if _, err := f.scoped.Close(f.ctx, by, ChangeStatus{AccountID: id, Reason: "contract ended", IfRevision: &current}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.scoped.Close(f.ctx, by, ChangeStatus{AccountID: id}); err != nil {
		t.Errorf("close twice: %v, want nothing new", err)
	}
	before := len(f.events(t))
	name := "Renamed"
	for what, err := range map[string]error{
		"reactivate": func() error { _, err := f.scoped.Reactivate(f.ctx, by, ChangeStatus{AccountID: id}); return err }(),
		"suspend":    func() error { _, err := f.scoped.Suspend(f.ctx, by, ChangeStatus{AccountID: id}); return err }(),
		"rename": func() error {
			_, err := f.scoped.Update(f.ctx, by, UpdateAccount{AccountID: id, Name: &name})
			return err
		}(),
		"rotate": func() error {
			_, _, err := f.scoped.RotateRegistrationCode(f.ctx, by, RotateRegistrationCode{AccountID: id})
			return err
		}(),
	} {
		if !errors.Is(err, account.ErrClosed) {
			t.Errorf("%s of a closed account: %v, want ErrClosed", what, err)
		}
	}
	if after := len(f.events(t)); after != before {
		t.Errorf("refusals appended %d events", after-before)
	}
	want := []string{"account.created.v1", "account.suspended.v1", "account.reactivated.v1", "account.closed.v1"}
	if got := f.streamTypes(t, id); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("stream = %q, want %q", got, want)
	}
}

func TestClosedPartnerHoldsNoNewAccounts(t *testing.T) {
	f := newLifecycleFixture(t)
	if _, err := f.accounts.Close(f.ctx, operator, ChangeStatus{AccountID: f.partner.AccountID}); err != nil {
		t.Fatal(err)
	}
	_, err := f.accounts.Create(f.ctx, operator, CreateAccount{ParentID: f.partner.AccountID, Kind: account.KindCustomer, Name: "Late", Address: someAddress})
	if !errors.Is(err, account.ErrParentClosed) {
		t.Fatalf("create under a closed partner: %v, want ErrParentClosed", err)
	}
}

// TestNoChildAfterTheClose: accounts created while their parent is closed are stored before the
// close or refused, never after it.
func TestNoChildAfterTheClose(t *testing.T) {
	for trial := range 5 {
		f := newLifecycleFixture(t)
		parent := f.partner.AccountID
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Go(func() {
				_, err := f.accounts.Create(f.ctx, operator, CreateAccount{ParentID: parent, Kind: account.KindCustomer, Name: fmt.Sprint("Racer ", i), Address: someAddress})
				if err != nil && !errors.Is(err, account.ErrParentClosed) {
					t.Error(err)
				}
			})
		}
		wg.Go(func() {
			if _, err := f.accounts.Close(f.ctx, operator, ChangeStatus{AccountID: parent}); err != nil {
				t.Error(err)
			}
		})
		wg.Wait()
		closed := false
		for _, e := range f.events(t) {
			var created struct {
				ParentID string `json:"parent_id"`
			}
			switch {
			case e.Stream == AccountStream(parent) && e.Type == "account.closed.v1":
				closed = true
			case closed && e.Type == "account.created.v1" && json.Unmarshal(e.Data, &created) == nil && created.ParentID == parent:
				t.Errorf("trial %d: a child created after its parent's close: %s", trial, e.Stream)
			}
		}
	}
}

// TestStatusIsChangedOnlyFromAbove: a partner administrator manages the accounts below, but not
// their own account, the accounts beside or above it, nor without accounts.manage.
func TestStatusIsChangedOnlyFromAbove(t *testing.T) {
	f := newLifecycleFixture(t)
	customerAdmin := manager(f.customer.AccountID)
	rootAdmin := command.By(access.Principal{Kind: access.User, ID: "root-admin", AccountID: account.PlatformRootID,
		Permissions: []group.Permission{group.AccountsManage}}, "req-root")
	viewer := command.By(access.Principal{Kind: access.User, ID: "viewer", AccountID: f.partner.AccountID}, "req-viewer")
	commands := map[string]func(*Commands, context.Context, command.Origin, ChangeStatus) (command.Result, error){
		"suspend":    (*Commands).Suspend,
		"reactivate": (*Commands).Reactivate,
		"close":      (*Commands).Close,
	}
	cases := []struct {
		name   string
		origin command.Origin
		target string
		want   error
	}{
		{"own account", customerAdmin, f.customer.AccountID, ErrOwnAccount},
		{"own partner account", manager(f.partner.AccountID), f.partner.AccountID, ErrOwnAccount},
		{"the platform root by its own administrator", rootAdmin, account.PlatformRootID, ErrOwnAccount},
		{"a sibling", customerAdmin, f.sibling.AccountID, access.ErrOutOfScope},
		{"the account above", customerAdmin, f.partner.AccountID, access.ErrOutOfScope},
		{"without accounts.manage", viewer, f.customer.AccountID, access.ErrForbidden},
		{"an unknown account", rootAdmin, "6f1c1e8e-8a43-4f0e-b0a4-1d2c3b4a5f60", account.ErrNotFound},
	}
	before := len(f.events(t))
	for _, c := range cases {
		for name, run := range commands {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				if _, err := run(f.scoped, f.ctx, c.origin, ChangeStatus{AccountID: c.target}); !errors.Is(err, c.want) {
					t.Errorf("got %v, want %v", err, c.want)
				}
			})
		}
	}
	if after := len(f.events(t)); after != before {
		t.Errorf("refusals appended %d events", after-before)
	}
	t.Run("the service may not suspend the root either", func(t *testing.T) {
		if _, err := f.scoped.Suspend(f.ctx, command.Service("test"), ChangeStatus{AccountID: account.PlatformRootID}); !errors.Is(err, account.ErrPlatformRoot) {
			t.Errorf("got %v, want ErrPlatformRoot", err)
		}
	})
	t.Run("the root administrator suspends a partner", func(t *testing.T) {
		if _, err := f.scoped.Suspend(f.ctx, rootAdmin, ChangeStatus{AccountID: f.partner.AccountID}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestConcurrentSuspensionsSuspendOnce: racing suspensions all succeed, and one event is written.
func TestConcurrentSuspensionsSuspendOnce(t *testing.T) {
	f := newLifecycleFixture(t)
	by := manager(f.partner.AccountID)
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Go(func() {
			if _, err := f.scoped.Suspend(f.ctx, by, ChangeStatus{AccountID: f.customer.AccountID}); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := f.streamTypes(t, f.customer.AccountID); len(got) != 2 || got[1] != "account.suspended.v1" {
		t.Errorf("stream = %q, want created and one suspension", got)
	}
}
