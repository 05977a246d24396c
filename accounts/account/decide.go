package account

import "fmt"

// Create is the command to create an account. The command layer chooses AccountID (a new UUID)
// and RegistrationCode (NewRegistrationCode, then reserved) before deciding.
type Create struct {
	AccountID        string
	ParentID         string
	Kind             Kind
	Name             string
	Address          Address
	RegistrationCode RegistrationCode
}

// CreateChild decides the creation of an account below parent. existing is the state of the new
// account's own stream, which must be empty. The parent must be the account cmd.ParentID names,
// exist, and be a partner: customers hold no accounts.
func CreateChild(parent, existing Account, cmd Create) ([]Event, error) {
	if existing.Exists {
		return nil, ErrAlreadyExists
	}
	switch {
	case !parent.Exists:
		return nil, ErrUnknownParent
	case parent.ID != cmd.ParentID:
		// The caller loaded another stream than the command names: nothing is known of the parent.
		return nil, fmt.Errorf("%w: the command names %q, the state given is %q", ErrUnknownParent, cmd.ParentID, parent.ID)
	case parent.Kind != KindPartner:
		return nil, ErrParentNotPartner
	case parent.Status == StatusClosed:
		return nil, ErrParentClosed
	case cmd.Kind == KindSupportTeam && parent.ParentID != "":
		return nil, ErrSupportTeamPlace
	}
	return created(cmd)
}

// CreateRoot decides the creation of the platform root: the partner at the top of the tree, the
// only account without a parent. cmd.ParentID must be empty; an empty Kind means partner, since
// the root cannot be anything else. Which id the root has, and that there is only one, is the
// command layer's choice (a well-known id makes a second creation fail with ErrAlreadyExists).
func CreateRoot(existing Account, cmd Create) ([]Event, error) {
	if existing.Exists {
		return nil, ErrAlreadyExists
	}
	if cmd.ParentID != "" {
		return nil, invalid("parent_id", "must be empty for the platform root")
	}
	switch cmd.Kind {
	case "":
		cmd.Kind = KindPartner
	case KindPartner:
	default:
		return nil, invalid("kind", "must be partner for the platform root")
	}
	return created(cmd)
}

// created validates and normalizes the content of cmd into the Created event.
func created(cmd Create) ([]Event, error) {
	if cmd.AccountID == "" {
		return nil, invalid("account_id", "must not be empty")
	}
	if !cmd.Kind.valid() {
		return nil, invalid("kind", fmt.Sprintf("must be %q, %q or %q", KindPartner, KindCustomer, KindSupportTeam))
	}
	name, err := normalizeName(cmd.Name)
	if err != nil {
		return nil, err
	}
	addr, err := cmd.Address.normalized()
	if err != nil {
		return nil, err
	}
	if err := cmd.RegistrationCode.validate(); err != nil {
		return nil, err
	}
	return []Event{Created{
		AccountID:        cmd.AccountID,
		ParentID:         cmd.ParentID,
		Kind:             cmd.Kind,
		Name:             name,
		Address:          addr,
		RegistrationCode: cmd.RegistrationCode,
	}}, nil
}

// Rename decides a new name. A name equal to the current one once trimmed yields no events, so a
// client that saves an unchanged form adds nothing to the history.
func (a Account) Rename(name string) ([]Event, error) {
	if err := a.changeable(); err != nil {
		return nil, err
	}
	name, err := normalizeName(name)
	if err != nil {
		return nil, err
	}
	if name == a.Name {
		return nil, nil
	}
	return []Event{Renamed{AccountID: a.ID, Name: name}}, nil
}

// ChangeAddress decides a new address, which replaces the current one as a whole. An address equal
// to the current one once normalized yields no events.
func (a Account) ChangeAddress(addr Address) ([]Event, error) {
	if err := a.changeable(); err != nil {
		return nil, err
	}
	addr, err := addr.normalized()
	if err != nil {
		return nil, err
	}
	if addr == a.Address {
		return nil, nil
	}
	return []Event{AddressChanged{AccountID: a.ID, Address: addr}}, nil
}

// RotateRegistrationCode decides a move to a new code, e.g. after the old one leaked. Unlike a
// rename, asking for the current code is an error: the caller meant to retire it, and a silent
// success would leave the leaked code in place.
func (a Account) RotateRegistrationCode(code RegistrationCode) ([]Event, error) {
	if err := a.changeable(); err != nil {
		return nil, err
	}
	if err := code.validate(); err != nil {
		return nil, err
	}
	if code == a.RegistrationCode {
		return nil, invalid("registration_code", "must differ from the current code")
	}
	return []Event{RegistrationCodeRotated{AccountID: a.ID, Previous: a.RegistrationCode, Code: code}}, nil
}

// changeable returns why the account cannot be changed: it does not exist, or it is closed.
func (a Account) changeable() error {
	switch {
	case !a.Exists:
		return ErrNotFound
	case a.Status == StatusClosed:
		return ErrClosed
	}
	return nil
}

// Suspend decides a suspension: the account's users, and those of every account below it, cannot
// sign in until it is reactivated. Suspending a suspended account changes nothing, whatever the
// reason (the first one stays); a closed account, or the platform root, is refused. reason is optional.
func (a Account) Suspend(reason string) ([]Event, error) {
	if err := a.changeable(); err != nil {
		return nil, err
	}
	if a.ParentID == "" {
		return nil, ErrPlatformRoot
	}
	if a.Status == StatusSuspended {
		return nil, nil
	}
	reason, err := normalizeReason(reason)
	if err != nil {
		return nil, err
	}
	return []Event{Suspended{AccountID: a.ID, Reason: reason}}, nil
}

// Reactivate decides the end of a suspension. An active account changes nothing; a closed one is
// refused: closing is terminal. Only the account's own suspension ends: an account below a
// suspended one stays effectively suspended until that one is reactivated.
func (a Account) Reactivate() ([]Event, error) {
	if err := a.changeable(); err != nil {
		return nil, err
	}
	if a.Status == StatusActive {
		return nil, nil
	}
	return []Event{Reactivated{AccountID: a.ID}}, nil
}

// Close decides the account's closure, which is terminal: nothing is deleted from its history,
// but it is never changed again and its registration code stops resolving. A suspended account
// may be closed; closing a closed account changes nothing; the platform root is refused.
func (a Account) Close(reason string) ([]Event, error) {
	if !a.Exists {
		return nil, ErrNotFound
	}
	if a.ParentID == "" {
		return nil, ErrPlatformRoot
	}
	if a.Status == StatusClosed {
		return nil, nil
	}
	reason, err := normalizeReason(reason)
	if err != nil {
		return nil, err
	}
	return []Event{Closed{AccountID: a.ID, Reason: reason}}, nil
}
