package client_test

import (
	"testing"
	"time"

	"github.com/camcloud/accounts/domain/domaintest"
	"github.com/camcloud/accounts/identity/client"
)

func TestCreate(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	later := now.Add(24 * time.Hour)
	create := func(name string, scopes []string, expires *time.Time) func(client.Client) ([]client.Event, error) {
		return func(c client.Client) ([]client.Event, error) {
			return client.Create(c, "c1", "acme", name, scopes, expires, "digest", now)
		}
	}
	domaintest.Decide(t, "a client with its scopes sorted, once each", client.Client{}, create(" Billing job ", []string{"usage.read", "billing.read", "usage.read"}, &later),
		[]client.Event{client.Created{ClientID: "c1", AccountID: "acme", Name: "Billing job", Scopes: []string{"billing.read", "usage.read"}, ExpiresAt: &later, SecretDigest: "digest"}}, nil)
	domaintest.Decide(t, "no scope", client.Client{}, create("x", nil, nil), nil, domaintest.Refused("scopes"))
	domaintest.Decide(t, "an unknown scope", client.Client{}, create("x", []string{"admin"}, nil), nil, domaintest.Refused("scopes"))
	domaintest.Decide(t, "an expiry in the past", client.Client{}, create("x", []string{"usage.read"}, &now), nil, domaintest.Refused("expires_at"))
	domaintest.Decide(t, "no name", client.Client{}, create("", []string{"usage.read"}, nil), nil, domaintest.Refused("name"))
}

func TestRevoke(t *testing.T) {
	c := client.Client{}.Apply(client.Created{ClientID: "c1", AccountID: "acme"})
	domaintest.Decide(t, "a client is revoked", c, client.Client.Revoke, []client.Event{client.Revoked{ClientID: "c1", AccountID: "acme"}}, nil)
	domaintest.Decide(t, "once", c.Apply(client.Revoked{ClientID: "c1"}), client.Client.Revoke, nil, nil)
	domaintest.Decide(t, "not a missing one", client.Client{}, client.Client.Revoke, nil, client.ErrNotFound)
}
