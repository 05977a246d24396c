// Package grant holds technical support access grants: an account's user lets the platform's
// technical support into the whole account or into chosen items of its item tree (each with
// everything below it), until a moment or for good, with an optional note ("ticket 4711"). A
// grant ends exactly at its end (the clock decides, never a job), or when it is revoked; the
// service also records its expiry, for history.
//
// The package is pure: decisions are functions from the folded state and a command to events or
// a typed error.
package grant

import (
	"fmt"
	"slices"
	"time"

	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/domain/field"
)

// Event is a fact about a grant.
type Event interface{ EventType() string }

// Created starts a grant's stream. Items empty means the whole account.
type Created struct {
	GrantID   string     `json:"grant_id"`
	AccountID string     `json:"account_id"`
	Items     []string   `json:"items,omitempty"`
	EndsAt    *time.Time `json:"ends_at,omitempty"` // nil: permanent
	Note      string     `json:"note,omitempty"`
	GrantedBy string     `json:"granted_by"`
}

// Revoked: the grant ends now.
type Revoked struct {
	GrantID   string `json:"grant_id"`
	AccountID string `json:"account_id"`
}

// Expired records, after the fact, that the grant reached its end.
type Expired struct {
	GrantID   string    `json:"grant_id"`
	AccountID string    `json:"account_id"`
	At        time.Time `json:"at"`
}

func (Created) EventType() string { return "support-grant.created.v1" }
func (Revoked) EventType() string { return "support-grant.revoked.v1" }
func (Expired) EventType() string { return "support-grant.expired.v1" }

// Events returns a zero value of every event type of this package, to register with a codec.
func Events() []Event { return []Event{Created{}, Revoked{}, Expired{}} }

// Grant is a grant's stream, folded.
type Grant struct {
	Created
	Revoked bool
	Expired bool // recorded
	Exists  bool
}

// Apply returns the grant after e.
func (g Grant) Apply(e Event) Grant {
	switch e := e.(type) {
	case Created:
		return Grant{Created: e, Exists: true}
	case Revoked:
		g.Revoked = true
	case Expired:
		g.Expired = true
	}
	return g
}

// LiveAt reports whether the grant lets support in at now: not revoked, and before its end.
func (g Grant) LiveAt(now time.Time) bool {
	return g.Exists && !g.Revoked && (g.EndsAt == nil || now.Before(*g.EndsAt))
}

// WholeAccount reports whether the grant covers the whole account.
func (g Grant) WholeAccount() bool { return len(g.Items) == 0 }

var (
	ErrNotFound = fault.New(fault.NotFound, "support grant not found")
	// ErrNoScope: a grant names neither the whole account nor any item.
	ErrNoScope = fault.New(fault.Invalid, "a grant needs a scope").With(fault.Problem{
		Type: "empty-scope", Title: "No scope", Field: "item_ids",
		Detail: "grant the whole account (whole_account: true) or name at least one item of its tree",
	})
)

// MaxItems bounds the items one grant names.
const MaxItems = 100

// Create decides a grant of the whole account (items empty, whole set) or of items of its tree.
// That the items are live items of the account is the command layer's check.
func Create(existing Grant, id, accountID string, whole bool, items []string, endsAt *time.Time, note, grantedBy string, now time.Time) ([]Event, error) {
	if existing.Exists || id == "" {
		return nil, fmt.Errorf("create grant: the command layer must choose a fresh ID")
	}
	switch {
	case whole && len(items) > 0:
		return nil, field.Invalid("item_ids", "give whole_account or item_ids, not both")
	case !whole && len(items) == 0:
		return nil, ErrNoScope
	case len(items) > MaxItems:
		return nil, field.Invalid("item_ids", fmt.Sprintf("must name at most %d items", MaxItems))
	}
	scope := slices.Clone(items)
	slices.Sort(scope)
	scope = slices.Compact(scope)
	if endsAt != nil {
		end := endsAt.UTC()
		if !end.After(now) {
			return nil, field.Invalid("ends_at", "must be in the future")
		}
		endsAt = &end
	}
	note, err := field.Text("note", note, false, 200)
	if err != nil {
		return nil, err
	}
	return []Event{Created{GrantID: id, AccountID: accountID, Items: scope, EndsAt: endsAt, Note: note, GrantedBy: grantedBy}}, nil
}

// Revoke ends the grant now; a grant that ended already changes nothing.
func (g Grant) Revoke() ([]Event, error) {
	if !g.Exists {
		return nil, ErrNotFound
	}
	if g.Revoked {
		return nil, nil
	}
	return []Event{Revoked{GrantID: g.GrantID, AccountID: g.AccountID}}, nil
}

// Expire records that the grant reached its end, once, when it has and was not revoked first.
func (g Grant) Expire(now time.Time) ([]Event, error) {
	if !g.Exists || g.Revoked || g.Expired || g.EndsAt == nil || now.Before(*g.EndsAt) {
		return nil, nil
	}
	return []Event{Expired{GrantID: g.GrantID, AccountID: g.AccountID, At: *g.EndsAt}}, nil
}
