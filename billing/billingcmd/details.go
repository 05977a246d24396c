package billingcmd

import (
	"context"
	"fmt"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/billing/details"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/identity/group"
)

// detailsAggregate is an account's billing details ("billingdetails-<account>").
var detailsAggregate = command.Aggregate[details.Details, details.Event]{
	Category: "billingdetails", Apply: details.Details.Apply, Account: func(d details.Details) string { return d.AccountID },
}

// UpdateDetails changes an account's billing details (billing.manage on the account), unless
// several billing addresses are assigned to it (details.ErrManaged).
func (c *Commands) UpdateDetails(ctx context.Context, origin command.Origin, accountID string, p details.Patch, ifRevision *uint64) (command.Result, error) {
	if err := c.authz.RequireChange(ctx, origin.Principal, group.BillingManage, accountID); err != nil {
		return command.Result{}, err
	}
	return c.changeDetails(ctx, origin, accountID, ifRevision, func(d details.Details) ([]details.Event, error) { return d.Change(accountID, p) })
}

// AssignAddresses assigns billing addresses to an account, from an account above it.
func (c *Commands) AssignAddresses(ctx context.Context, origin command.Origin, accountID string, addresses []account.Address) (command.Result, error) {
	if err := c.fromAbove(ctx, origin.Principal, accountID, ErrOwnAccount); err != nil {
		return command.Result{}, err
	}
	return c.changeDetails(ctx, origin, accountID, nil, func(d details.Details) ([]details.Event, error) { return d.AssignAddresses(accountID, addresses) })
}

// SetTaxRate sets the tax rate an account's invoices charge, from an account above it.
func (c *Commands) SetTaxRate(ctx context.Context, origin command.Origin, accountID string, bp int64) (command.Result, error) {
	if err := c.fromAbove(ctx, origin.Principal, accountID, ErrOwnAccount); err != nil {
		return command.Result{}, err
	}
	return c.changeDetails(ctx, origin, accountID, nil, func(d details.Details) ([]details.Event, error) { return d.SetTaxRate(accountID, bp) })
}

// ErrOwnAccount refuses a change only the accounts above may make.
var ErrOwnAccount = fmt.Errorf("%w: only an account above this one sets its tax rate and billing addresses", access.ErrForbidden)

// fromAbove authorizes what only a partner or the platform above an account decides: billing.manage
// on the account, from an account strictly above it (or the service's own jobs); from the
// account itself it is own, the refusal that says so.
func (c *Commands) fromAbove(ctx context.Context, p access.Principal, accountID string, own error) error {
	if err := c.authz.RequireChange(ctx, p, group.BillingManage, accountID); err != nil {
		return err
	}
	return notOwn(p, accountID, own)
}

// notOwn returns own when p acts on its own account: what the accounts above it decide.
func notOwn(p access.Principal, accountID string, own error) error {
	if p.Kind != access.Service && p.AccountID == accountID {
		return own
	}
	return nil
}

// changeDetails decides on an account's billing details, whose stream need not exist yet.
func (c *Commands) changeDetails(ctx context.Context, origin command.Origin, accountID string, ifRevision *uint64, decide func(details.Details) ([]details.Event, error)) (command.Result, error) {
	var unchanged command.Result
	var existed bool
	done, err := c.h.Transact(ctx, origin, ifRevision == nil, func(u *command.Unit) error {
		s, err := c.details.LoadInto(ctx, u, accountID)
		if err != nil {
			return err
		}
		existed = s.Exists
		if ifRevision != nil && Changes(s.Revision, s.Exists) != *ifRevision {
			return fmt.Errorf("%s holds %d changes, not %d: %w", s.Name, Changes(s.Revision, s.Exists), *ifRevision, command.ErrRevisionMismatch)
		}
		unchanged = s.Result()
		events, err := decide(s.State)
		if err != nil {
			return err
		}
		c.details.StageIn(u, accountID, s, events...)
		return nil
	})
	if err != nil {
		return command.Result{}, command.RevisionMismatch(err, ifRevision)
	}
	res := done.Of(c.details.Stream(accountID), unchanged)
	res.Revision = Changes(res.Revision, existed || len(done) > 0)
	return res, nil
}

// Changes is billing details' revision as the API gives it: the changes made to them, 0 before
// the first. The details of every account can be read, so their first version has an ETag too,
// and it must differ from the one after the first change (the stream's revision 0).
func Changes(streamRevision uint64, exists bool) uint64 {
	if !exists {
		return 0
	}
	return streamRevision + 1
}
