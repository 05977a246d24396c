package identitycmd

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/identity/client"
	"github.com/camcloud/accounts/identity/group"
)

var clientAggregate = command.Aggregate[client.Client, client.Event]{
	Category: "serviceclient", Apply: client.Client.Apply, Account: func(c client.Client) string { return c.AccountID },
}

// accountStreams reads (never writes) the accounts' streams, as accountcmd keeps them: creating a
// key depends on the account and those above it not being closed.
var accountStreams = command.Aggregate[account.Account, account.Event]{
	Category: "account", Apply: account.Account.Apply, Account: func(a account.Account) string { return a.ID },
	Keep: true, // a plain value, as accountcmd keeps it (the kept states are shared by stream name)
}

var (
	// ErrClientAccountSuspended: a key of an account that is (or is below one that is) suspended
	// is refused until the account is reactivated: the answer recorders of such an account get.
	ErrClientAccountSuspended = fault.New(fault.Forbidden, "the account is suspended").With(fault.Problem{
		Type: "account-suspended", Title: "Account suspended",
		Detail: "the service client's account is suspended: its keys are refused until it is reactivated",
	})
	// ErrClientAccountClosed: a key of an account that is (or is below one that is) closed is
	// refused for good: the answer recorders of such an account get.
	ErrClientAccountClosed = fault.New(fault.Forbidden, "the account is closed").With(fault.Problem{
		Type: "account-closed", Title: "Account closed", Detail: "the service client's account is closed",
	})
)

// scopePermissions is the group permission each scope stands for: what a user needs to read
// the same data (billingview authorizes usage and invoices with billing.view). A key acts for
// its creator, so nobody makes a key reaching what they cannot read themselves, as nobody grants
// a group permission they lack. Every scope of client.Known has an entry (a test holds it): a
// scope without one is refused, never handed out unchecked.
var scopePermissions = map[string]group.Permission{
	client.UsageRead:   group.BillingView, // GET /v1/accounts/{id}/usage
	client.BillingRead: group.BillingView, // invoices and their documents
}

// mayHandOut returns ErrForbidden, naming the first scope p lacks the permission of, unless p
// may make a key with scopes (on an account already known to be in p's reach: a partner's user
// holds their permissions on every account below theirs). Unknown scopes are the decision's to
// refuse (422), so they pass here.
func mayHandOut(p access.Principal, scopes []string) error {
	for _, scope := range scopes {
		perm, ok := scopePermissions[scope]
		switch {
		case !ok && slices.Contains(client.Known(), scope):
			return fmt.Errorf("service client scope %s: no permission stands for it", scope)
		case ok && !p.Can(perm):
			return fmt.Errorf("%w: a key with scope %s needs its creator to hold %s", access.ErrForbidden, scope, perm)
		}
	}
	return nil
}

// openForKeys returns account.ErrClosed if the account or one above it is closed, within u: the
// unit commits only if none of their streams changed meanwhile, so a key is never created on an
// account closed while the command ran. A suspended account may be given keys: suspension is
// undone by reactivation, and until then its keys are refused like its users.
func openForKeys(ctx context.Context, accounts command.Repository[account.Account, account.Event], u *command.Unit, accountID string) error {
	for id := accountID; id != ""; {
		s, err := accounts.LoadKept(ctx, u, id)
		switch {
		case err != nil:
			return err
		case !s.Exists:
			return account.ErrNotFound
		case s.State.Status == account.StatusClosed:
			return account.ErrClosed
		}
		id = s.State.ParentID
	}
	return nil
}

// clientTokenKind marks a service client's bearer token: "client.<id>.<secret>".
const clientTokenKind = "client"

// CreatedClient is the answer to CreateClient: the key, shown this once.
type CreatedClient struct {
	command.Result
	ClientID string
	Token    string
}

// CreateClient creates a service client of an account (accounts.manage on it: platform and
// partner administrators for their subtree), with scopes its creator holds the permissions of,
// on an account that is not closed. Only the digest of its secret is kept.
func (id *Commands) CreateClient(ctx context.Context, origin command.Origin, accountID, name string, scopes []string, expiresAt *time.Time) (CreatedClient, error) {
	if err := id.authz.RequireChange(ctx, origin.Principal, group.AccountsManage, accountID); err != nil {
		return CreatedClient{}, err
	}
	if err := mayHandOut(origin.Principal, scopes); err != nil {
		return CreatedClient{}, err
	}
	secret, digest, err := access.NewSecret(rand.Reader)
	if err != nil {
		return CreatedClient{}, err
	}
	clientID := uuid.NewString()
	clients := command.NewRepository(id.h, clientAggregate)
	fresh := clients.New(clientID)
	accounts := command.NewRepository(id.h, accountStreams)
	done, err := id.h.Transact(ctx, origin, true, func(u *command.Unit) error {
		if err := openForKeys(ctx, accounts, u, accountID); err != nil {
			return err
		}
		events, err := client.Create(client.Client{}, clientID, accountID, name, scopes, expiresAt, digest, id.h.Now())
		if err != nil {
			return err
		}
		clients.Stage(u, fresh, events...)
		return nil
	})
	if err != nil {
		return CreatedClient{}, err
	}
	return CreatedClient{Result: done.Of(fresh.Name, command.Result{}), ClientID: clientID, Token: access.Token(clientTokenKind, clientID, secret)}, nil
}

// RevokeClient revokes a service client (accounts.manage on its account): its key stops working
// on its next call. Unlike creating one, it needs no permission of the key's scopes: revoking
// takes rights away from the key and gives its revoker none, and whoever manages the account
// must be able to stop a leaked key at once.
func (id *Commands) RevokeClient(ctx context.Context, origin command.Origin, clientID string) (command.Result, error) {
	return command.NewRepository(id.h, clientAggregate).Update(ctx, origin, command.Change[client.Client, client.Event]{
		ID: clientID, NotFound: client.ErrNotFound,
		Authorize: func(ctx context.Context, c client.Client) error {
			return access.OutOfScopeAs(id.authz.RequireChange(ctx, origin.Principal, group.AccountsManage, c.AccountID), client.ErrNotFound)
		},
		Decide: func(_ *command.Unit, c client.Client) ([]client.Event, error) { return c.Revoke() },
	})
}

// ClientKeys finds a service client's key (the identity read model), with its account's
// effective status (closed or suspended when it or an account above it is).
type ClientKeys interface {
	ClientKey(ctx context.Context, clientID string) (accountID, digest string, scopes []string, usable bool, accountStatus account.Status, err error)
}

// ClientAuthenticator authenticates service clients by their bearer token
// "client.<id>.<secret>": the secret must match, the client be neither revoked nor expired (the
// clock decides, not the read model), else 401; right keys of a client whose account is
// suspended or closed are refused with 403 and a problem that says so, as recorders are. Any
// other token is not its to judge.
//
// Only the key's own account counts: a partner's key still reads the usage and invoices of a
// suspended or closed account below it, since billing that account (its last period, its
// arrears) is what the partner's billing job is for, and the account's own users, recorders and
// keys are refused anyway.
type ClientAuthenticator struct {
	Keys ClientKeys
}

// Authenticate implements httpkit.Authenticator.
func (a ClientAuthenticator) Authenticate(ctx context.Context, token string) (access.Principal, error) {
	clientID, secret, ok := access.ParseToken(clientTokenKind, token)
	if !ok {
		return access.Principal{}, access.ErrUnauthenticated
	}
	accountID, digest, scopes, usable, status, err := a.Keys.ClientKey(ctx, clientID)
	switch {
	case errors.Is(err, client.ErrNotFound):
		return access.Principal{}, access.ErrUnauthenticated
	case err != nil:
		return access.Principal{}, err
	case !usable || !access.SameSecret(secret, digest):
		return access.Principal{}, access.ErrUnauthenticated
	case status == account.StatusSuspended:
		return access.Principal{}, ErrClientAccountSuspended
	case status == account.StatusClosed:
		return access.Principal{}, ErrClientAccountClosed
	}
	return access.Principal{Kind: access.ServiceClient, ID: clientID, AccountID: accountID, Scopes: scopes}, nil
}
