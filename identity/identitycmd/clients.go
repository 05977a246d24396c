package identitycmd

import (
	"context"
	"crypto/rand"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/identity/client"
	"github.com/camcloud/accounts/identity/group"
)

var clientAggregate = command.Aggregate[client.Client, client.Event]{
	Category: "serviceclient", Apply: client.Client.Apply, Account: func(c client.Client) string { return c.AccountID },
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
// partner administrators for their subtree). Only the digest of its secret is kept.
func (id *Commands) CreateClient(ctx context.Context, origin command.Origin, accountID, name string, scopes []string, expiresAt *time.Time) (CreatedClient, error) {
	if err := id.authz.Require(ctx, origin.Principal, group.AccountsManage, accountID); err != nil {
		return CreatedClient{}, err
	}
	secret, digest, err := access.NewSecret(rand.Reader)
	if err != nil {
		return CreatedClient{}, err
	}
	clientID := uuid.NewString()
	clients := command.NewRepository(id.h, clientAggregate)
	fresh := clients.New(clientID)
	done, err := id.h.Transact(ctx, origin, true, func(u *command.Unit) error {
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
// on its next call.
func (id *Commands) RevokeClient(ctx context.Context, origin command.Origin, clientID string) (command.Result, error) {
	return command.NewRepository(id.h, clientAggregate).Update(ctx, origin, command.Change[client.Client, client.Event]{
		ID: clientID, NotFound: client.ErrNotFound,
		Authorize: func(ctx context.Context, c client.Client) error {
			return access.OutOfScopeAs(id.authz.Require(ctx, origin.Principal, group.AccountsManage, c.AccountID), client.ErrNotFound)
		},
		Decide: func(_ *command.Unit, c client.Client) ([]client.Event, error) { return c.Revoke() },
	})
}

// ClientKeys finds a service client's key (the identity read model).
type ClientKeys interface {
	ClientKey(ctx context.Context, clientID string) (accountID, digest string, scopes []string, usable bool, err error)
}

// ClientAuthenticator authenticates service clients by their bearer token
// "client.<id>.<secret>": the secret must match, the client be neither revoked nor expired (the
// clock decides, not the read model). Any other token is not its to judge.
type ClientAuthenticator struct {
	Keys ClientKeys
}

// Authenticate implements httpkit.Authenticator.
func (a ClientAuthenticator) Authenticate(ctx context.Context, token string) (access.Principal, error) {
	clientID, secret, ok := access.ParseToken(clientTokenKind, token)
	if !ok {
		return access.Principal{}, access.ErrUnauthenticated
	}
	accountID, digest, scopes, usable, err := a.Keys.ClientKey(ctx, clientID)
	switch {
	case errors.Is(err, client.ErrNotFound):
		return access.Principal{}, access.ErrUnauthenticated
	case err != nil:
		return access.Principal{}, err
	case !usable || !access.SameSecret(secret, digest):
		return access.Principal{}, access.ErrUnauthenticated
	}
	return access.Principal{Kind: access.ServiceClient, ID: clientID, AccountID: accountID, Scopes: scopes}, nil
}
