package accountview

import (
	"context"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/identity/group"
)

// Reader answers the account queries a principal asks, each authorized before it answers: an
// account is read by its members, by who holds a permission other than support.act above it and
// by a support agent under a grant of it, its children by who manages accounts there; outside
// the scope an account is as unknown as a missing one.
type Reader struct {
	q      *Queries
	authz  *access.Authorizer
	census []Census
}

// NewReader returns the authorized queries over q, which is also the scope they check; census
// are the contexts that count what each account of a listing holds.
func NewReader(q *Queries, census ...Census) *Reader {
	return &Reader{q: q, authz: access.NewAuthorizer(q), census: census}
}

// Descendants lists the accounts below id, at any depth, with their paths from id and what each
// context counts for them.
func (r *Reader) Descendants(ctx context.Context, p access.Principal, id string, f Filter, after string, limit int) (Listing, error) {
	if err := r.authz.Require(ctx, p, group.AccountsManage, id); err != nil {
		return Listing{}, err
	}
	if _, err := r.q.Get(ctx, id); err != nil {
		return Listing{}, err
	}
	page, err := r.q.Descendants(ctx, id, f, after, limit)
	if err != nil || len(page.Accounts) == 0 {
		return page, err
	}
	ids := make([]string, len(page.Accounts))
	for i, a := range page.Accounts {
		ids[i] = a.ID
		page.Accounts[i].Counts = map[string]int{}
	}
	for _, c := range r.census {
		counts, err := c.Count(ctx, ids)
		if err != nil {
			return Listing{}, err
		}
		for i, a := range page.Accounts {
			for name, n := range counts[a.ID] {
				page.Accounts[i].Counts[name] = n
			}
		}
	}
	return page, nil
}

// Account returns an account within p's scope. A user reads their own account, and one below it
// with a permission other than support.act (access.Authorizer.RequireMember: without one, 403 as
// on the routes that need a permission); a support agent reads the account of its grant. For a
// principal of an account it is one statement: in scope or not found.
//
// A support agent gets the account without its registration code, under a grant of the whole
// account too: the code attaches recorders to the account, which no grant lets an agent do (a
// grant reaches the existing recorders and the item tree; rotating the code is refused to agents),
// and a recorder registered with it would keep its own credentials after the grant ended, with no
// event naming the grant.
func (r *Reader) Account(ctx context.Context, p access.Principal, id string) (Account, error) {
	if p.Kind == access.Service {
		return r.q.Get(ctx, id)
	}
	if p.AccountID == "" {
		return Account{}, access.ErrUnauthenticated
	}
	if p.Kind == access.SupportAgent && id != p.AccountID { // a grant is of one account, not the ones below
		return Account{}, ErrNotFound
	}
	if p.Kind == access.User && id != p.AccountID && !p.ReadsBelow() {
		if err := r.authz.RequireMember(ctx, p, id); err != nil {
			return Account{}, access.OutOfScopeAs(err, ErrNotFound)
		}
	}
	a, err := r.q.GetWithin(ctx, p.AccountID, id)
	if err != nil {
		return Account{}, err
	}
	if p.Kind == access.SupportAgent {
		a.RegistrationCode = ""
	}
	return a, nil
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
