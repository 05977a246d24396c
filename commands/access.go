package commands

import (
	"context"
	"fmt"

	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/identity/group"
)

var (
	// ErrUnauthenticated: no valid session (missing, forged, expired or ended token, or a user
	// who can no longer sign in).
	ErrUnauthenticated = fault.New(fault.Unauthenticated, "not signed in")
	// ErrForbidden: the resource is in the caller's scope but the caller lacks the permission.
	// Its detail is its message with what callers wrapped around it (the permission needed).
	ErrForbidden = fault.New(fault.Forbidden, "permission denied").With(fault.Problem{Explain: true})
	// ErrOutOfScope: the resource is outside the caller's scope; answered like a missing one.
	ErrOutOfScope = fault.New(fault.NotFound, "not found")
)

// Principal is who acts: a signed-in user of one account, with the permissions of their groups.
type Principal struct {
	UserID      string
	AccountID   string
	SessionID   string
	Permissions []group.Permission
}

// System acts for the service itself (bootstrap, background jobs): every permission, everywhere.
var System = Principal{UserID: "system"}

func (p Principal) isSystem() bool { return p.UserID == System.UserID && p.AccountID == "" }

// Can reports whether the principal holds a permission.
func (p Principal) Can(perm group.Permission) bool {
	if p.isSystem() {
		return true
	}
	for _, held := range p.Permissions {
		if held == perm {
			return true
		}
	}
	return false
}

// holdsAll returns ErrForbidden unless p holds every one of perms: nobody grants what they lack.
func (p Principal) holdsAll(perms []group.Permission) error {
	for _, perm := range perms {
		if !p.Can(perm) {
			return fmt.Errorf("%w: granting %s needs holding it", ErrForbidden, perm)
		}
	}
	return nil
}

// Origin returns the event metadata for a command issued by p in answer to request correlation.
func (p Principal) Origin(correlation string) Origin {
	return Origin{Actor: p.UserID, CorrelationID: correlation, CausationID: correlation}
}

// Scope answers whether an account lies within another (itself or below); the accounts read
// model implements it.
type Scope interface {
	IsWithin(ctx context.Context, ancestor, id string) (bool, error)
}

// Authorizer checks a principal's scope and permission on an account.
type Authorizer struct {
	scope Scope
}

// NewAuthorizer returns an authorizer over scope.
func NewAuthorizer(scope Scope) *Authorizer { return &Authorizer{scope: scope} }

// Require returns nil if p may use perm on account. Outside p's scope (above or beside p's own
// account) it returns ErrOutOfScope, checked before the permission so that a caller learns
// nothing about accounts it cannot see; inside it, a missing permission is ErrForbidden.
func (a *Authorizer) Require(ctx context.Context, p Principal, perm group.Permission, account string) error {
	if p.isSystem() {
		return nil
	}
	within, err := a.scope.IsWithin(ctx, p.AccountID, account)
	if err != nil {
		return fmt.Errorf("authorize: %w", err)
	}
	if !within {
		return ErrOutOfScope
	}
	if !p.Can(perm) {
		return fmt.Errorf("%w: %s needed", ErrForbidden, perm)
	}
	return nil
}

// InScope returns nil if account is within p's scope, whatever p's permissions.
func (a *Authorizer) InScope(ctx context.Context, p Principal, account string) error {
	if p.isSystem() {
		return nil
	}
	within, err := a.scope.IsWithin(ctx, p.AccountID, account)
	if err != nil {
		return fmt.Errorf("authorize: %w", err)
	}
	if !within {
		return ErrOutOfScope
	}
	return nil
}
