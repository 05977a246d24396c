package commands

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"

	"github.com/camcloud/accounts/domain/account"
	"github.com/camcloud/accounts/eventstore"
	"github.com/google/uuid"
)

// PlatformRootID is the platform root account's ID. It is fixed so that every instance that starts
// on an empty store agrees on which account is the root, whichever of them creates it.
var PlatformRootID = uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:camcloud:account:platform-root")).String()

// AccountStream names an account's stream.
func AccountStream(id string) string { return eventstore.StreamName("account", id) }

// registrationCodeStream names the reservation stream that makes a registration code unique.
func registrationCodeStream(code account.RegistrationCode) string {
	return eventstore.StreamName("regcode", code.Compact())
}

// CreateAccount creates a child account under a partner.
type CreateAccount struct {
	ParentID string
	Kind     account.Kind
	Name     string
	Address  account.Address
}

// UpdateAccount renames an account and/or changes its address; nil fields stay as they are.
type UpdateAccount struct {
	AccountID string
	Name      *string
	Address   *account.Address
	// AddressPatch changes some fields of the address as it is when the change is decided, so a
	// concurrent change of another field is kept (PATCH); give it or Address, not both.
	AddressPatch *account.AddressPatch
	IfRevision   *uint64 // the revision the caller read (If-Match); nil appends at whatever is current
}

// RotateRegistrationCode gives an account a new registration code; the old one stops resolving.
type RotateRegistrationCode struct {
	AccountID  string
	IfRevision *uint64
}

// Created is the answer to CreateAccount.
type Created struct {
	Result
	AccountID        string
	RegistrationCode account.RegistrationCode
}

// Accounts handles the account commands.
type Accounts struct {
	*Handler
	random io.Reader
}

// NewAccounts returns the account command handlers.
func NewAccounts(h *Handler) *Accounts { return &Accounts{Handler: h, random: rand.Reader} }

func applyAccount(a account.Account, e eventstore.Event) account.Account {
	if ae, ok := e.(account.Event); ok {
		return a.Apply(ae)
	}
	return a
}

func (a *Accounts) load(ctx context.Context, id string) (stream[account.Account], error) {
	return load(ctx, a.Handler, AccountStream(id), account.Account{}, applyAccount)
}

// Create creates a child account with a fresh, reserved registration code.
func (a *Accounts) Create(ctx context.Context, origin Origin, cmd CreateAccount) (Created, error) {
	id := uuid.NewString()
	decide, err := a.decideChild(ctx, id, cmd)
	if err != nil {
		return Created{}, err
	}
	return a.create(ctx, origin, id, decide)
}

// CheckCreate refuses what Create would refuse for its input, without writing anything, so a
// caller can check the rest of a request (the first user) before anything is created.
func (a *Accounts) CheckCreate(ctx context.Context, cmd CreateAccount) error {
	decide, err := a.decideChild(ctx, uuid.NewString(), cmd)
	if err != nil {
		return err
	}
	code, err := account.NewRegistrationCode(a.random)
	if err != nil {
		return err
	}
	_, err = decide(code)
	return err
}

// decideChild loads the parent and returns the decision that creates account id under it.
func (a *Accounts) decideChild(ctx context.Context, id string, cmd CreateAccount) (func(account.RegistrationCode) ([]account.Event, error), error) {
	if _, err := uuid.Parse(cmd.ParentID); err != nil {
		return nil, account.ErrUnknownParent
	}
	parent, err := a.load(ctx, cmd.ParentID)
	if err != nil {
		return nil, err
	}
	return func(code account.RegistrationCode) ([]account.Event, error) {
		return account.CreateChild(parent.state, account.Account{}, account.Create{
			AccountID: id, ParentID: cmd.ParentID, Kind: cmd.Kind, Name: cmd.Name, Address: cmd.Address, RegistrationCode: code,
		})
	}, nil
}

// EnsurePlatformRoot creates the platform root partner account if the store has none. It is safe
// to call from every instance on every start.
func (a *Accounts) EnsurePlatformRoot(ctx context.Context, origin Origin, name string, address account.Address) (created bool, err error) {
	root, err := a.load(ctx, PlatformRootID)
	if err != nil || root.exists {
		return false, err
	}
	decide := func(code account.RegistrationCode) ([]account.Event, error) {
		return account.CreateRoot(account.Account{}, account.Create{
			AccountID: PlatformRootID, Kind: account.KindPartner, Name: name, Address: address, RegistrationCode: code,
		})
	}
	_, err = a.create(ctx, origin, PlatformRootID, decide)
	if errors.Is(err, eventstore.ErrConcurrency) {
		return false, nil // another instance created it first
	}
	return err == nil, err
}

// create decides with a candidate code first, so that bad input is refused before anything is
// written, then reserves the code and appends the account's first events.
func (a *Accounts) create(ctx context.Context, origin Origin, id string, decide func(account.RegistrationCode) ([]account.Event, error)) (Created, error) {
	code, err := account.NewRegistrationCode(a.random)
	if err != nil {
		return Created{}, fmt.Errorf("create account: %w", err)
	}
	if _, err := decide(code); err != nil {
		return Created{}, err
	}
	if code, err = a.reserveCode(ctx, origin, id, code); err != nil {
		return Created{}, err
	}
	events, err := decide(code)
	if err != nil {
		return Created{}, err
	}
	res, err := a.append(ctx, origin, id, AccountStream(id), eventstore.NoStream, asEvents(events))
	if err != nil {
		return Created{}, fmt.Errorf("create account: %w", err)
	}
	return Created{Result: res, AccountID: id, RegistrationCode: code}, nil
}

// reserveCode makes code the account's by appending to the code's reservation stream, which
// only succeeds while that stream does not exist. A taken code is replaced by a fresh one. Codes
// are never released, so a code that once resolved to an account never resolves to another.
func (a *Accounts) reserveCode(ctx context.Context, origin Origin, accountID string, code account.RegistrationCode) (account.RegistrationCode, error) {
	const attempts = 5
	for range attempts {
		reserved := account.RegistrationCodeReserved{Code: code, AccountID: accountID}
		_, err := a.append(ctx, origin, accountID, registrationCodeStream(code), eventstore.NoStream, []eventstore.Event{reserved})
		if !errors.Is(err, eventstore.ErrConcurrency) {
			return code, err
		}
		if code, err = account.NewRegistrationCode(a.random); err != nil {
			return "", fmt.Errorf("reserve registration code: %w", err)
		}
	}
	return "", fmt.Errorf("reserve registration code: %d codes in a row were taken", attempts)
}

// Update renames an account and/or changes its address, in one append.
func (a *Accounts) Update(ctx context.Context, origin Origin, cmd UpdateAccount) (Result, error) {
	if _, err := uuid.Parse(cmd.AccountID); err != nil {
		return Result{}, account.ErrNotFound
	}
	return update(ctx, a.Handler, origin, cmd.AccountID, AccountStream(cmd.AccountID), account.Account{}, applyAccount, cmd.IfRevision,
		func(acc account.Account) ([]eventstore.Event, error) {
			if !acc.Exists {
				return nil, account.ErrNotFound
			}
			var events []account.Event
			if cmd.Name != nil {
				renamed, err := acc.Rename(*cmd.Name)
				if err != nil {
					return nil, err
				}
				events = append(events, renamed...)
			}
			if cmd.Address != nil {
				moved, err := acc.ChangeAddress(*cmd.Address)
				if err != nil {
					return nil, err
				}
				events = append(events, moved...)
			}
			if cmd.AddressPatch != nil {
				moved, err := acc.ChangeAddress(acc.Address.Patched(*cmd.AddressPatch))
				if err != nil {
					return nil, err
				}
				events = append(events, moved...)
			}
			return asEvents(events), nil
		})
}

// RotateRegistrationCode reserves a new code and moves the account to it.
func (a *Accounts) RotateRegistrationCode(ctx context.Context, origin Origin, cmd RotateRegistrationCode) (Result, account.RegistrationCode, error) {
	if _, err := uuid.Parse(cmd.AccountID); err != nil {
		return Result{}, "", account.ErrNotFound
	}
	var code account.RegistrationCode // reserved once, kept across conflict retries
	res, err := update(ctx, a.Handler, origin, cmd.AccountID, AccountStream(cmd.AccountID), account.Account{}, applyAccount, cmd.IfRevision,
		func(acc account.Account) ([]eventstore.Event, error) {
			if !acc.Exists {
				return nil, account.ErrNotFound
			}
			if code == "" {
				candidate, err := account.NewRegistrationCode(a.random)
				if err != nil {
					return nil, fmt.Errorf("rotate registration code: %w", err)
				}
				if code, err = a.reserveCode(ctx, origin, cmd.AccountID, candidate); err != nil {
					return nil, err
				}
			}
			events, err := acc.RotateRegistrationCode(code)
			return asEvents(events), err
		})
	return res, code, err
}

func asEvents[E eventstore.Event](events []E) []eventstore.Event {
	out := make([]eventstore.Event, len(events))
	for i, e := range events {
		out[i] = e
	}
	return out
}
