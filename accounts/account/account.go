// Package account holds the Account aggregate: the partner and customer accounts that form the
// platform's tree. Channel partners hold customer accounts and sub-partners; every account has a
// name, a postal address and the recorder registration code its recorders (NVRs) register with.
//
// The package is pure: decisions are functions from the folded state and a command to new events
// or a typed error, and the state changes only by applying events. Loading streams, appending with
// an expected revision and reserving unique registration codes are the command layer's work.
//
// Decisions check the state before the command's content: an answer about an account (it does not
// exist, it already exists, its parent may not hold children) never depends on how well-formed the
// request was. Content is validated and normalized in the decision, so events carry normalized
// values and a replayed history never needs the rules again. A validation error reports the first
// problem, in the order the fields are declared.
package account

// Kind says what an account may hold.
type Kind string

const (
	// KindPartner is a channel partner: it may hold customer accounts and sub-partners.
	KindPartner Kind = "partner"
	// KindCustomer is an end customer: it holds users and recorders but no other accounts.
	KindCustomer Kind = "customer"
	// KindSupportTeam is the platform's technical support staff, directly below the platform
	// root: its users with support.act are support agents, who see an account only under a live
	// support grant of it. It holds no other accounts.
	KindSupportTeam Kind = "support-team"
)

func (k Kind) valid() bool { return k == KindPartner || k == KindCustomer || k == KindSupportTeam }

// Status is where an account stands in its lifecycle. It is the account's own status: an account
// is effectively suspended when it or any ancestor is suspended, and effectively closed when it or
// any ancestor is closed (the read model answers that, see accountview.EffectiveStatusSQL).
type Status string

const (
	// StatusActive is every account's status until it is suspended or closed.
	StatusActive Status = "active"
	// StatusSuspended: the account's users (and those of every account below it) cannot sign in,
	// and their sessions stop working; nothing is lost, and reactivation undoes it.
	StatusSuspended Status = "suspended"
	// StatusClosed is terminal: a closed account is never reactivated or changed again, and its
	// registration code stops resolving. Its history stays.
	StatusClosed Status = "closed"
)

// Account is the state of one account, folded from its stream. The zero value is an account that
// does not exist yet (an empty stream).
type Account struct {
	ID               string
	ParentID         string // "" only for the platform root
	Kind             Kind
	Name             string
	Address          Address
	RegistrationCode RegistrationCode
	Status           Status // StatusActive from creation on
	Exists           bool
}

// Apply returns the state after e. Events of other streams and unknown types leave the state as it
// is, so an account stream may gain event types this version does not know.
func (a Account) Apply(e Event) Account {
	switch e := e.(type) {
	case Created:
		return Account{
			ID:               e.AccountID,
			ParentID:         e.ParentID,
			Kind:             e.Kind,
			Name:             e.Name,
			Address:          e.Address,
			RegistrationCode: e.RegistrationCode,
			Status:           StatusActive,
			Exists:           true,
		}
	case Renamed:
		a.Name = e.Name
	case AddressChanged:
		a.Address = e.Address
	case RegistrationCodeRotated:
		a.RegistrationCode = e.Code
	case Suspended:
		a.Status = StatusSuspended
	case Reactivated:
		a.Status = StatusActive
	case Closed:
		a.Status = StatusClosed
	}
	return a
}

// Fold returns the state after events, applied in order to an account that does not exist.
func Fold(events ...Event) Account {
	var a Account
	for _, e := range events {
		a = a.Apply(e)
	}
	return a
}

// PlatformRootID is the platform root account's ID. It is fixed so that every instance that starts
// on an empty store agrees on which account is the root, whichever of them creates it. It is the
// name-based (SHA-1) UUID of "urn:camcloud:account:platform-root" in the URL namespace, as
// earlier versions derived it at start.
const PlatformRootID = "b9d11dbe-5c6a-5b3a-b1d4-491e9ba95ac2"
