package accountview_test

import (
	"errors"
	"testing"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/accounts/accountcmd"
	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/command"
)

// TestEffectiveStatus: an account is effectively closed when it or an ancestor is closed, else
// suspended when it or an ancestor is suspended; its own status is its own.
func TestEffectiveStatus(t *testing.T) {
	f := newFixture(t)
	partner := f.create(t, account.PlatformRootID, account.KindPartner, "Partner")
	sub := f.create(t, partner.AccountID, account.KindPartner, "Sub-partner")
	customer := f.create(t, sub.AccountID, account.KindCustomer, "Customer")
	other := f.create(t, account.PlatformRootID, account.KindCustomer, "Other")
	svc := command.Service("test")
	run := func(do func(*accountcmd.Commands) (command.Result, error)) {
		t.Helper()
		if _, err := do(f.commands); err != nil {
			t.Fatal(err)
		}
		f.sync(t)
	}
	expect := func(step string, want map[string][2]account.Status) {
		t.Helper()
		for id, w := range want {
			a, err := f.queries.Get(f.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if a.Status != w[0] || a.EffectiveStatus != w[1] {
				t.Errorf("%s: %s is %s, effectively %s; want %s, %s", step, a.Name, a.Status, a.EffectiveStatus, w[0], w[1])
			}
			eff, err := f.queries.EffectiveStatus(f.ctx, id)
			if err != nil || eff != w[1] {
				t.Errorf("%s: EffectiveStatus(%s) = %s, %v; want %s", step, a.Name, eff, err, w[1])
			}
		}
	}
	const (
		active    = account.StatusActive
		suspended = account.StatusSuspended
		closed    = account.StatusClosed
	)
	f.sync(t)
	expect("at first", map[string][2]account.Status{
		partner.AccountID: {active, active}, sub.AccountID: {active, active}, customer.AccountID: {active, active}, other.AccountID: {active, active},
	})

	run(func(c *accountcmd.Commands) (command.Result, error) {
		return c.Suspend(f.ctx, svc, accountcmd.ChangeStatus{AccountID: partner.AccountID, Reason: "unpaid"})
	})
	expect("partner suspended", map[string][2]account.Status{
		partner.AccountID: {suspended, suspended}, sub.AccountID: {active, suspended}, customer.AccountID: {active, suspended},
		other.AccountID: {active, active}, account.PlatformRootID: {active, active},
	})
	sub2, err := f.queries.Subtree(f.ctx, partner.AccountID)
	if err != nil || len(sub2) != 3 || sub2[2].EffectiveStatus != suspended {
		t.Errorf("subtree = %+v, %v", sub2, err)
	}

	run(func(c *accountcmd.Commands) (command.Result, error) {
		return c.Close(f.ctx, svc, accountcmd.ChangeStatus{AccountID: sub.AccountID})
	})
	expect("sub-partner closed below a suspended partner", map[string][2]account.Status{
		partner.AccountID: {suspended, suspended}, sub.AccountID: {closed, closed}, customer.AccountID: {active, closed},
	})
	for _, c := range []accountcmd.Created{sub, customer} {
		if _, err := f.queries.ByRegistrationCode(f.ctx, c.RegistrationCode); !errors.Is(err, accountview.ErrNotFound) {
			t.Errorf("the code of an effectively closed account resolves: %v", err)
		}
	}
	if a, err := f.queries.ByRegistrationCode(f.ctx, partner.RegistrationCode); err != nil || a.ID != partner.AccountID {
		t.Errorf("a suspended account's code: %+v, %v; want it to resolve", a, err)
	}

	run(func(c *accountcmd.Commands) (command.Result, error) {
		return c.Reactivate(f.ctx, svc, accountcmd.ChangeStatus{AccountID: partner.AccountID})
	})
	expect("partner reactivated", map[string][2]account.Status{
		partner.AccountID: {active, active}, sub.AccountID: {closed, closed}, customer.AccountID: {active, closed},
	})
	page, err := f.queries.Children(f.ctx, partner.AccountID, "", 10)
	if err != nil || len(page.Accounts) != 1 || page.Accounts[0].Status != closed || page.Accounts[0].EffectiveStatus != closed {
		t.Errorf("children = %+v, %v", page, err)
	}
	if _, err := f.queries.EffectiveStatus(f.ctx, "6f1c1e8e-8a43-4f0e-b0a4-1d2c3b4a5f60"); !errors.Is(err, accountview.ErrNotFound) {
		t.Errorf("unknown account: %v, want ErrNotFound", err)
	}
	if _, err := f.queries.EffectiveStatus(f.ctx, "not-a-uuid"); !errors.Is(err, accountview.ErrNotFound) {
		t.Errorf("malformed id: %v, want ErrNotFound", err)
	}
}

// TestEffectivelyActiveSQL: the exported condition agrees with the effective status.
func TestEffectivelyActiveSQL(t *testing.T) {
	f := newFixture(t)
	partner := f.create(t, account.PlatformRootID, account.KindPartner, "Partner")
	customer := f.create(t, partner.AccountID, account.KindCustomer, "Customer")
	if _, err := f.commands.Suspend(f.ctx, command.Service("test"), accountcmd.ChangeStatus{AccountID: partner.AccountID}); err != nil {
		t.Fatal(err)
	}
	f.sync(t)
	for id, want := range map[string]bool{account.PlatformRootID: true, partner.AccountID: false, customer.AccountID: false} {
		var got bool
		if err := f.pool.QueryRow(f.ctx, `SELECT `+accountview.EffectivelyActiveSQL("$1::uuid"), id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("effectively active(%s) = %v, want %v", id, got, want)
		}
	}
}
