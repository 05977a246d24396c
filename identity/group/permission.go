package group

import (
	"fmt"
	"slices"
)

// Permission names something a group lets its members do in their account and, for partners, in
// every account below it. The names are part of the API and of recorded events: never rename one.
type Permission string

const (
	UsersManage     Permission = "users.manage"
	AccountsManage  Permission = "accounts.manage"
	RecordersManage Permission = "recorders.manage"
	BillingView     Permission = "billing.view"
	BillingManage   Permission = "billing.manage"
	SupportManage   Permission = "support.manage"
	// SupportAct makes a user of the platform root, or of a support team account, a support
	// agent: they may act inside an account under a live support grant of it.
	SupportAct        Permission = "support.act"
	ConnectionsManage Permission = "connections.manage"
)

// All returns every permission, sorted by name: what the Administrator group holds. It builds a
// new slice on every call so that no caller can change what another one sees.
func All() []Permission {
	return []Permission{
		AccountsManage,
		BillingManage,
		BillingView,
		ConnectionsManage,
		RecordersManage,
		SupportAct,
		SupportManage,
		UsersManage,
	}
}

// Known reports whether p is one of All.
func (p Permission) Known() bool {
	return slices.Contains(All(), p)
}

// ParsePermissions reads permission names as a client sends them. It returns them sorted and
// without duplicates (never nil, so that an empty set encodes as []), or a ValidationError for
// "permissions" naming the first unknown one. Names are matched exactly.
func ParsePermissions(names []string) ([]Permission, error) {
	perms := make([]Permission, len(names))
	for i, name := range names {
		perms[i] = Permission(name)
	}
	return normalizePermissions(perms)
}

// normalizePermissions returns perms sorted and without duplicates, in a new non-nil slice, or a
// ValidationError for the first unknown permission.
func normalizePermissions(perms []Permission) ([]Permission, error) {
	out := make([]Permission, 0, len(perms))
	for _, p := range perms {
		if !p.Known() {
			return nil, invalid("permissions", fmt.Sprintf("unknown permission %q", p))
		}
		out = append(out, p)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
