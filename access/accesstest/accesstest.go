// Package accesstest holds test doubles of access's ports, for the tests of the contexts that
// authorize through an access.Authorizer.
package accesstest

import "context"

// Everywhere is a scope in which every account is within every other: an Authorizer on it checks
// permissions and principals only, for tests about something else than the account tree.
type Everywhere struct{}

// IsWithin reports true.
func (Everywhere) IsWithin(context.Context, string, string) (bool, error) { return true, nil }
