// Package access says who acts and what they may reach: a Principal of some kind (a user, a
// recorder, a support agent, a service client, an auditor, or the service itself), and the
// Authorizer that every command and query handler asks before it decides or answers.
package access

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/identity/group"
)

var (
	// ErrUnauthenticated: no valid credentials (missing, forged, expired or ended token, or a
	// principal who can no longer sign in).
	ErrUnauthenticated = fault.New(fault.Unauthenticated, "not signed in")
	// ErrForbidden: the resource is in the caller's scope but the caller lacks the permission.
	// Its detail is its message with what callers wrapped around it (the permission needed).
	ErrForbidden = fault.New(fault.Forbidden, "permission denied").With(fault.Problem{Explain: true})
	// ErrOutOfScope: the resource is outside the caller's scope; answered like a missing one.
	ErrOutOfScope = fault.New(fault.NotFound, "not found")
	// ErrNotSupportAgent: the user is no support agent (support.act in the platform root or a
	// support team account), so cannot act under a grant.
	ErrNotSupportAgent = fault.New(fault.Forbidden, "not a support agent").With(fault.Problem{
		Type: "not-a-support-agent", Title: "Not a support agent",
		Detail: "acting under a support grant needs support.act in the platform root or in a support team account",
	})
	// ErrGrantNotLive: the grant an agent names does not exist, was revoked or has ended, or
	// it was revoked while the request ran (then nothing was written).
	ErrGrantNotLive = fault.New(fault.Forbidden, "support grant not live").With(fault.Problem{
		Type: "support-grant-not-live", Title: "Support grant not live",
		Detail: "the grant named in X-Support-Grant does not exist, was revoked or has ended",
	})
)

// Kind is what sort of principal acts.
type Kind string

const (
	// User: a person signed in to an account, with the permissions of their groups.
	User Kind = "user"
	// Recorder: an NVR calling with the credentials it received at registration.
	Recorder Kind = "recorder"
	// SupportAgent: platform staff acting inside an account under a support grant.
	SupportAgent Kind = "support-agent"
	// ServiceClient: a program (a billing job) calling with an API key and its scopes.
	ServiceClient Kind = "service-client"
	// Auditor: a reader of an account's history.
	Auditor Kind = "auditor"
	// Service: the service itself (bootstrap, background jobs), acting everywhere. It is never
	// authenticated from a request: only code in this process makes one, with Service(name).
	Service Kind = "service"
)

// Principal is who acts. Its scope is its account and every account below it (a support agent's:
// the one account of its grant); within it, it may do what its permissions allow.
type Principal struct {
	Kind        Kind
	ID          string // the user's, recorder's, agent's or client's ID; the job's name for Service
	AccountID   string // the account it belongs to ("" for Service)
	SessionID   string // the session a user signed in with ("" for other kinds)
	Permissions []group.Permission
	// Scopes are what a service client may read (usage.read, billing.read); other kinds have
	// none.
	Scopes []string
	// Grant is the support grant a support agent acts under; other kinds have none.
	Grant Grant
}

// Grant is what a support agent may reach: one account (the principal's AccountID), whole or
// only some items of its item tree, each with everything below it.
type Grant struct {
	ID    string
	Items []string // empty: the whole account
	// Stream and Revision are the grant's stream as read when the request began: a command the
	// agent runs appends only if it is unchanged, so nothing is written once a revocation is.
	Stream   string
	Revision uint64
}

// Limited reports whether p reaches only some items of its account's tree: a support agent
// under a grant of items. Everyone else reaches all items of the accounts in their scope.
func (p Principal) Limited() bool { return p.Kind == SupportAgent && len(p.Grant.Items) > 0 }

// Reaches reports whether p may see and change an item, given the folders above it (from the top
// level down): always, unless p is limited to granted items and neither the item nor any folder
// above it is one of them.
func (p Principal) Reaches(item string, ancestors []string) bool {
	if !p.Limited() {
		return true
	}
	return slices.Contains(p.Grant.Items, item) || slices.ContainsFunc(ancestors, func(a string) bool {
		return slices.Contains(p.Grant.Items, a)
	})
}

// HasScope reports whether the principal holds a service client's scope.
func (p Principal) HasScope(scope string) bool { return slices.Contains(p.Scopes, scope) }

// ServicePrincipal returns the principal of the service's own work named name ("bootstrap", "mail").
func ServicePrincipal(name string) Principal { return Principal{Kind: Service, ID: name} }

// Anonymous is nobody: a request with no credentials (sign-in, password reset). It may act on
// nothing that needs a permission.
var Anonymous = Principal{}

// Actor is how the principal is named in events' metadata: a user by their ID (as ever), any
// other kind as "kind:id", and nobody as "anonymous".
func (p Principal) Actor() string {
	switch p.Kind {
	case User:
		return p.ID
	case "":
		return "anonymous"
	}
	return string(p.Kind) + ":" + p.ID
}

// Can reports whether the principal holds a permission.
func (p Principal) Can(perm group.Permission) bool {
	return p.Kind == Service || slices.Contains(p.Permissions, perm)
}

// ReadsBelow reports whether p holds a permission other than support.act, which lets a user read
// what needs no particular permission (the account itself) in the accounts below their own.
// support.act reaches another account only under a live grant of it (the principal is then a
// support agent), so a user holding it alone, or holding nothing, reads their own account only.
func (p Principal) ReadsBelow() bool {
	return p.Kind == Service || slices.ContainsFunc(p.Permissions, func(perm group.Permission) bool { return perm != group.SupportAct })
}

// HoldsAll returns ErrForbidden unless p holds every one of perms: nobody grants what they lack.
func (p Principal) HoldsAll(perms []group.Permission) error {
	for _, perm := range perms {
		if !p.Can(perm) {
			return fmt.Errorf("%w: granting %s needs holding it", ErrForbidden, perm)
		}
	}
	return nil
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
	if err := a.InScope(ctx, p, account); err != nil {
		return err
	}
	if !p.Can(perm) {
		return fmt.Errorf("%w: %s needed", ErrForbidden, perm)
	}
	return nil
}

// Statuses is what a Scope may also answer: an account's effective status (closed when it or an
// account above it is). The accounts read model answers it.
type Statuses interface {
	EffectiveStatus(ctx context.Context, id string) (account.Status, error)
}

// RequireChange is Require for a command that changes something of account (its users, groups,
// item tree, billing, support grants): a closed account, or one below a closed account, is
// account.ErrClosed, for closing is terminal. The status is the accounts read model's, as the
// scope is; the account's own commands check its stream instead.
func (a *Authorizer) RequireChange(ctx context.Context, p Principal, perm group.Permission, accountID string) error {
	if err := a.Require(ctx, p, perm, accountID); err != nil {
		return err
	}
	if a == nil || p.Kind == Service {
		return nil
	}
	statuses, ok := a.scope.(Statuses)
	if !ok {
		return nil
	}
	status, err := statuses.EffectiveStatus(ctx, accountID)
	if err != nil {
		return fmt.Errorf("status of %s: %w", accountID, err)
	}
	if status == account.StatusClosed {
		return account.ErrClosed
	}
	return nil
}

// RequireMember returns nil if p may read what needs no particular permission in account (the
// account itself): the account is in p's scope (else ErrOutOfScope) and, for a user, it is their
// own or they read below it (ReadsBelow); a user holding only support.act gets ErrForbidden there,
// as on the routes that need a permission, and reads the account under a grant of it instead.
func (a *Authorizer) RequireMember(ctx context.Context, p Principal, account string) error {
	if err := a.InScope(ctx, p, account); err != nil {
		return err
	}
	if p.Kind == User && account != p.AccountID && !p.ReadsBelow() {
		return fmt.Errorf("%w: a permission other than %s needed (support agents read an account under a grant of it)", ErrForbidden, group.SupportAct)
	}
	return nil
}

// RequireScope returns nil if p is a service client holding scope, and account is within its
// reach (its account or below); out of reach is ErrOutOfScope, a missing scope ErrForbidden.
func (a *Authorizer) RequireScope(ctx context.Context, p Principal, scope, account string) error {
	if err := a.InScope(ctx, p, account); err != nil {
		return err
	}
	if !p.HasScope(scope) {
		return fmt.Errorf("%w: scope %s needed", ErrForbidden, scope)
	}
	return nil
}

// InScope returns nil if account is within p's scope, whatever p's permissions.
func (a *Authorizer) InScope(ctx context.Context, p Principal, account string) error {
	switch p.Kind {
	case Service:
		return nil
	case "":
		return ErrUnauthenticated
	case SupportAgent:
		// A grant lets support into one account, never into the accounts below it.
		if account != p.AccountID {
			return ErrOutOfScope
		}
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

// OutOfScopeAs returns err, but an out-of-scope refusal as notFound: a resource in an account
// the principal cannot reach is as unknown as a missing one, in the resource's own words.
func OutOfScopeAs(err, notFound error) error {
	if errors.Is(err, ErrOutOfScope) {
		return notFound
	}
	return err
}
