package accountview

import (
	"context"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/identity/group"
)

// Reader answers the account queries a principal asks, each authorized before it answers: an
// account is read by any principal whose scope holds it, its children by who manages accounts
// there; outside the scope an account is as unknown as a missing one.
type Reader struct {
	q     *Queries
	authz *access.Authorizer
}

// NewReader returns the authorized queries over q, which is also the scope they check.
func NewReader(q *Queries) *Reader { return &Reader{q: q, authz: access.NewAuthorizer(q)} }

// Account returns an account within p's scope. For a principal of an account it is one
// statement: in scope or not found.
func (r *Reader) Account(ctx context.Context, p access.Principal, id string) (Account, error) {
	if p.Kind == access.Service {
		return r.q.Get(ctx, id)
	}
	if p.AccountID == "" {
		return Account{}, access.ErrUnauthenticated
	}
	return r.q.GetWithin(ctx, p.AccountID, id)
}

// Children returns a page of an account's direct children, by name.
func (r *Reader) Children(ctx context.Context, p access.Principal, id, after string, limit int) (Page, error) {
	if err := r.authz.Require(ctx, p, group.AccountsManage, id); err != nil {
		return Page{}, err
	}
	if _, err := r.q.Get(ctx, id); err != nil {
		return Page{}, err
	}
	return r.q.Children(ctx, id, after, limit)
}
