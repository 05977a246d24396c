package grant_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/camcloud/accounts/domain/domaintest"
	"github.com/camcloud/accounts/support/grant"
)

var (
	now  = time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
	noon = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
)

func TestCreate(t *testing.T) {
	create := func(whole bool, items []string, ends *time.Time, note string) func(grant.Grant) ([]grant.Event, error) {
		return func(g grant.Grant) ([]grant.Event, error) {
			return grant.Create(g, "g1", "acme", whole, items, ends, note, "u1", now)
		}
	}
	domaintest.Decide(t, "the whole account until noon", grant.Grant{}, create(true, nil, &noon, " ticket 4711 "),
		[]grant.Event{grant.Created{GrantID: "g1", AccountID: "acme", EndsAt: &noon, Note: "ticket 4711", GrantedBy: "u1"}}, nil)
	domaintest.Decide(t, "two items for good, each once", grant.Grant{}, create(false, []string{"b", "a", "b"}, nil, ""),
		[]grant.Event{grant.Created{GrantID: "g1", AccountID: "acme", Items: []string{"a", "b"}, GrantedBy: "u1"}}, nil)
	domaintest.Decide(t, "an empty scope", grant.Grant{}, create(false, nil, nil, ""), nil, grant.ErrNoScope)
	domaintest.Decide(t, "both scopes", grant.Grant{}, create(true, []string{"a"}, nil, ""), nil, domaintest.Refused("item_ids"))
	past := now.Add(-time.Minute)
	domaintest.Decide(t, "an end in the past", grant.Grant{}, create(true, nil, &past, ""), nil, domaintest.Refused("ends_at"))
}

// TestEndsExactly: a grant ending at 12:00 lets support in at 11:59:59 and not at 12:00:00.
func TestEndsExactly(t *testing.T) {
	g := grant.Grant{}.Apply(grant.Created{GrantID: "g1", AccountID: "acme", EndsAt: &noon})
	if !g.LiveAt(noon.Add(-time.Second)) || g.LiveAt(noon) {
		t.Errorf("live at 11:59:59: %v, at 12:00:00: %v", g.LiveAt(noon.Add(-time.Second)), g.LiveAt(noon))
	}
	if ev, _ := g.Expire(noon.Add(-time.Second)); ev != nil {
		t.Error("recorded expired before its end")
	}
	ev, _ := g.Expire(noon.Add(time.Minute))
	if len(ev) != 1 || ev[0].(grant.Expired).At != noon {
		t.Fatalf("expiry %v", ev)
	}
	if again, _ := g.Apply(ev[0]).Expire(noon.Add(time.Hour)); again != nil {
		t.Error("expired twice")
	}
	revoked := g.Apply(grant.Revoked{GrantID: "g1"})
	if revoked.LiveAt(now) {
		t.Error("a revoked grant is live")
	}
	if ev, _ := revoked.Expire(noon.Add(time.Hour)); ev != nil {
		t.Error("a revoked grant expired")
	}
	forever := grant.Grant{}.Apply(grant.Created{GrantID: "g2", AccountID: "acme"})
	if !forever.LiveAt(noon.AddDate(10, 0, 0)) {
		t.Error("a permanent grant ended")
	}
}

func TestCreateRefuses(t *testing.T) {
	many := make([]string, grant.MaxItems+1)
	for i := range many {
		many[i] = fmt.Sprintf("item-%d", i)
	}
	existing := grant.Grant{}.Apply(grant.Created{GrantID: "g1", AccountID: "acme"})
	tests := []struct {
		name     string
		existing grant.Grant
		items    []string
		note     string
		want     error
	}{
		{"more items than a grant names", grant.Grant{}, many, "", domaintest.Refused("item_ids")},
		{"a note with a control character", grant.Grant{}, []string{"a"}, "ticket\u0000", domaintest.Refused("note")},
		{"a note too long", grant.Grant{}, []string{"a"}, strings.Repeat("n", 201), domaintest.Refused("note")},
	}
	for _, tt := range tests {
		domaintest.Decide(t, tt.name, tt.existing, func(g grant.Grant) ([]grant.Event, error) {
			return grant.Create(g, "g1", "acme", false, tt.items, nil, tt.note, "u1", now)
		}, nil, tt.want)
	}
	if _, err := grant.Create(existing, "g1", "acme", true, nil, nil, "", "u1", now); err == nil {
		t.Error("a grant created over an existing one")
	}
}

func TestRevoke(t *testing.T) {
	live := grant.Grant{}.Apply(grant.Created{GrantID: "g1", AccountID: "acme", EndsAt: &noon})
	revoke := func(g grant.Grant) ([]grant.Event, error) { return g.Revoke() }
	domaintest.Decide(t, "a live grant", live, revoke, []grant.Event{grant.Revoked{GrantID: "g1", AccountID: "acme"}}, nil)
	domaintest.Decide(t, "a grant revoked already: nothing more", live.Apply(grant.Revoked{GrantID: "g1"}), revoke, nil, nil)
	domaintest.Decide(t, "an ended grant is revoked for the record", live.Apply(grant.Expired{GrantID: "g1", At: noon}), revoke,
		[]grant.Event{grant.Revoked{GrantID: "g1", AccountID: "acme"}}, nil)
	domaintest.Decide(t, "no grant", grant.Grant{}, revoke, nil, grant.ErrNotFound)
}
