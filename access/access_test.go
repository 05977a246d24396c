package access_test

import (
	"context"
	"errors"
	"testing"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/identity/group"
)

// tree is a scope of two accounts: "partner" holds "customer".
type tree struct{}

func (tree) IsWithin(_ context.Context, ancestor, id string) (bool, error) {
	return ancestor == id || (ancestor == "partner" && id == "customer"), nil
}

func TestActorNamesEveryKind(t *testing.T) {
	tests := []struct {
		p    access.Principal
		want string
	}{
		{access.Principal{Kind: access.User, ID: "u1"}, "u1"},
		{access.Principal{Kind: access.Recorder, ID: "r1"}, "recorder:r1"},
		{access.Principal{Kind: access.SupportAgent, ID: "a1"}, "support-agent:a1"},
		{access.Principal{Kind: access.ServiceClient, ID: "c1"}, "service-client:c1"},
		{access.ServicePrincipal("bootstrap"), "service:bootstrap"},
		{access.Anonymous, "anonymous"},
	}
	for _, tt := range tests {
		if got := tt.p.Actor(); got != tt.want {
			t.Errorf("%+v.Actor() = %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestRequire(t *testing.T) {
	authz := access.NewAuthorizer(tree{})
	manager := access.Principal{Kind: access.User, ID: "u1", AccountID: "partner", Permissions: []group.Permission{group.AccountsManage}}
	viewer := access.Principal{Kind: access.User, ID: "u2", AccountID: "partner"}
	below := access.Principal{Kind: access.User, ID: "u3", AccountID: "customer", Permissions: group.All()}
	agent := access.Principal{Kind: access.SupportAgent, ID: "u4", AccountID: "partner", Permissions: []group.Permission{group.AccountsManage}, Grant: access.Grant{ID: "g"}}
	tests := []struct {
		name    string
		p       access.Principal
		account string
		want    error
	}{
		{"own account", manager, "partner", nil},
		{"an account below", manager, "customer", nil},
		{"no permission, in scope", viewer, "customer", access.ErrForbidden},
		{"above: out of scope before the permission", below, "partner", access.ErrOutOfScope},
		{"beside", manager, "elsewhere", access.ErrOutOfScope},
		{"the service, anywhere", access.ServicePrincipal("job"), "elsewhere", nil},
		{"nobody", access.Anonymous, "partner", access.ErrUnauthenticated},
		{"a kind with no permission", access.Principal{Kind: access.Recorder, ID: "r", AccountID: "partner"}, "partner", access.ErrForbidden},
		{"a support agent in the account of its grant", agent, "partner", nil},
		{"a support agent never below it", agent, "customer", access.ErrOutOfScope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := authz.Require(context.Background(), tt.p, group.AccountsManage, tt.account)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Require = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestReaches(t *testing.T) {
	user := access.Principal{Kind: access.User, ID: "u1", AccountID: "partner"}
	whole := access.Principal{Kind: access.SupportAgent, ID: "u2", AccountID: "partner", Grant: access.Grant{ID: "g1"}}
	hq := access.Principal{Kind: access.SupportAgent, ID: "u2", AccountID: "partner", Grant: access.Grant{ID: "g2", Items: []string{"hq", "cam-9"}}}
	tests := []struct {
		name      string
		p         access.Principal
		item      string
		ancestors []string
		want      bool
	}{
		{"a user reaches every item", user, "lobby", []string{"branch"}, true},
		{"a grant of the whole account reaches every item", whole, "lobby", nil, true},
		{"a granted folder itself", hq, "hq", nil, true},
		{"an item below a granted folder", hq, "lobby", []string{"hq", "floor-2"}, true},
		{"a granted camera", hq, "cam-9", []string{"branch"}, true},
		{"a sibling folder's camera", hq, "cam-1", []string{"branch"}, false},
		{"the top level", hq, "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Reaches(tt.item, tt.ancestors); got != tt.want {
				t.Fatalf("Reaches(%q, %q) = %v, want %v", tt.item, tt.ancestors, got, tt.want)
			}
		})
	}
}
