package access_test

import (
	"context"
	"errors"
	"testing"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/identity/group"
)

// TestRequireMember: a user reads what needs no permission in their own account; below it, only
// with a permission other than support.act, which reaches another account under a grant alone.
func TestRequireMember(t *testing.T) {
	authz := access.NewAuthorizer(tree{})
	user := func(perms ...group.Permission) access.Principal {
		return access.Principal{Kind: access.User, ID: "u1", AccountID: "partner", Permissions: perms}
	}
	agent := access.Principal{Kind: access.SupportAgent, ID: "u2", AccountID: "customer", Permissions: []group.Permission{group.RecordersManage}, Grant: access.Grant{ID: "g"}}
	tests := []struct {
		name    string
		p       access.Principal
		account string
		want    error
	}{
		{"support.act alone, own account", user(group.SupportAct), "partner", nil},
		{"support.act alone, below", user(group.SupportAct), "customer", access.ErrForbidden},
		{"nothing at all, own account", user(), "partner", nil},
		{"nothing at all, below", user(), "customer", access.ErrForbidden},
		{"support.act and billing.view, below", user(group.SupportAct, group.BillingView), "customer", nil},
		{"a viewer, below", user(group.BillingView), "customer", nil},
		{"beside: out of scope before the permission", user(group.SupportAct), "elsewhere", access.ErrOutOfScope},
		{"a support agent in the account of its grant", agent, "customer", nil},
		{"a support agent elsewhere", agent, "partner", access.ErrOutOfScope},
		{"the service", access.ServicePrincipal("job"), "customer", nil},
		{"nobody", access.Anonymous, "partner", access.ErrUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := authz.RequireMember(context.Background(), tt.p, tt.account)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("RequireMember = %v, want %v", err, tt.want)
			}
		})
	}
}
