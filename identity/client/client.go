// Package client holds service clients: programs (billing jobs) that call the API with an API
// key instead of a user's session. A client has a name, the scopes it may use (usage.read,
// billing.read), an optional expiry, and belongs to an account: it reaches that account and the
// accounts below it. Only a digest of its secret is kept. Platform and partner administrators
// create and revoke clients for their subtree.
//
// The package is pure: decisions are functions from the folded state and a command to events or
// a typed error.
package client

import (
	"fmt"
	"slices"
	"time"

	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/domain/field"
)

// Scopes a client may be given.
const (
	UsageRead   = "usage.read"   // per-day camera usage (camera_usage_daily over HTTP)
	BillingRead = "billing.read" // invoices and their documents
)

// Known are the scopes clients may hold.
func Known() []string { return []string{BillingRead, UsageRead} }

// Event is a fact about a service client.
type Event interface{ EventType() string }

// Created starts a client's stream.
type Created struct {
	ClientID     string     `json:"client_id"`
	AccountID    string     `json:"account_id"`
	Name         string     `json:"name"`
	Scopes       []string   `json:"scopes"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`
	SecretDigest string     `json:"secret_digest"` // hex SHA-256 of a 256-bit secret; never the secret
}

// Revoked: the client's key stops working on its next call.
type Revoked struct {
	ClientID  string `json:"client_id"`
	AccountID string `json:"account_id"`
}

func (Created) EventType() string { return "service-client.created.v1" }
func (Revoked) EventType() string { return "service-client.revoked.v1" }

// Events returns a zero value of every event type of this package, to register with a codec.
func Events() []Event { return []Event{Created{}, Revoked{}} }

// Client is a client's stream, folded.
type Client struct {
	Created
	Revoked bool
	Exists  bool
}

// Apply returns the client after e.
func (c Client) Apply(e Event) Client {
	switch e := e.(type) {
	case Created:
		return Client{Created: e, Exists: true}
	case Revoked:
		c.Revoked = true
	}
	return c
}

var ErrNotFound = fault.New(fault.NotFound, "service client not found")

// Create decides a new client.
func Create(existing Client, id, accountID, name string, scopes []string, expiresAt *time.Time, digest string, now time.Time) ([]Event, error) {
	if existing.Exists || id == "" || digest == "" {
		return nil, fmt.Errorf("create service client: the command layer must choose a fresh ID and secret")
	}
	name, err := field.Text("name", name, true, 100)
	if err != nil {
		return nil, err
	}
	if len(scopes) == 0 {
		return nil, field.Invalid("scopes", "must name at least one scope: "+fmt.Sprint(Known()))
	}
	out := slices.Clone(scopes)
	slices.Sort(out)
	out = slices.Compact(out)
	for _, s := range out {
		if !slices.Contains(Known(), s) {
			return nil, field.Invalid("scopes", fmt.Sprintf("unknown scope %q; known: %v", s, Known()))
		}
	}
	if expiresAt != nil {
		at := expiresAt.UTC()
		if !at.After(now) {
			return nil, field.Invalid("expires_at", "must be in the future")
		}
		expiresAt = &at
	}
	return []Event{Created{ClientID: id, AccountID: accountID, Name: name, Scopes: out, ExpiresAt: expiresAt, SecretDigest: digest}}, nil
}

// Revoke decides revoking the client; a revoked client stays revoked.
func (c Client) Revoke() ([]Event, error) {
	if !c.Exists {
		return nil, ErrNotFound
	}
	if c.Revoked {
		return nil, nil
	}
	return []Event{Revoked{ClientID: c.ClientID, AccountID: c.AccountID}}, nil
}
