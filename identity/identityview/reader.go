package identityview

import (
	"context"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/identity/group"
)

// Reader answers the identity queries a principal asks, each authorized before it answers:
// users and groups are read by whoever may manage the users of their account (users.manage
// within the principal's scope); outside the scope they are as unknown as missing ones.
type Reader struct {
	q     *Queries
	authz *access.Authorizer
}

// NewReader returns the authorized queries over q.
func NewReader(q *Queries, authz *access.Authorizer) *Reader { return &Reader{q: q, authz: authz} }

// Users lists an account's users.
func (r *Reader) Users(ctx context.Context, p access.Principal, accountID string) ([]User, error) {
	if err := r.authz.Require(ctx, p, group.UsersManage, accountID); err != nil {
		return nil, err
	}
	return r.q.Users(ctx, accountID)
}

// Groups lists an account's groups.
func (r *Reader) Groups(ctx context.Context, p access.Principal, accountID string) ([]Group, error) {
	if err := r.authz.Require(ctx, p, group.UsersManage, accountID); err != nil {
		return nil, err
	}
	return r.q.Groups(ctx, accountID)
}

// User returns one user.
func (r *Reader) User(ctx context.Context, p access.Principal, userID string) (User, error) {
	u, err := r.q.User(ctx, userID)
	if err != nil {
		return User{}, err
	}
	return u, r.authz.Require(ctx, p, group.UsersManage, u.AccountID)
}

// Group returns one group.
func (r *Reader) Group(ctx context.Context, p access.Principal, groupID string) (Group, error) {
	g, err := r.q.Group(ctx, groupID)
	if err != nil {
		return Group{}, err
	}
	return g, r.authz.Require(ctx, p, group.UsersManage, g.AccountID)
}

// Me returns the signed-in user themself, whatever their permissions.
func (r *Reader) Me(ctx context.Context, p access.Principal) (User, error) {
	if p.Kind != access.User {
		return User{}, access.ErrOutOfScope
	}
	return r.q.User(ctx, p.ID)
}
