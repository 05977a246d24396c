package commands

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/domain/field"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/identity/reservation"
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
	// FirstUser, when set, is invited as the new account's administrator in the same append: the
	// account and its first user are created together or not at all.
	FirstUser *FirstUser
}

// FirstUser names a new account's first administrator.
type FirstUser struct {
	Username string
	Email    string
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
	Result           // the account's stream
	AccountID        string
	RegistrationCode account.RegistrationCode
	FirstUserID      string // "" without a first user
	// Position is the furthest global position the creation reached (the first user's
	// invitation comes after the account): what read-your-writes waits for.
	Position eventstore.Position
}

// Accounts handles the account commands.
type Accounts struct {
	*Handler
	random      io.Reader
	invitations *Identity
}

// NewAccounts returns the account command handlers.
func NewAccounts(h *Handler) *Accounts { return &Accounts{Handler: h, random: rand.Reader} }

// InviteFirstUsersWith lets Create invite a new account's first user through the identity
// commands.
func (a *Accounts) InviteFirstUsersWith(id *Identity) { a.invitations = id }

func applyAccount(a account.Account, e eventstore.Event) account.Account {
	if ae, ok := e.(account.Event); ok {
		return a.Apply(ae)
	}
	return a
}

func (a *Accounts) load(ctx context.Context, id string) (stream[account.Account], error) {
	return load(ctx, a.Handler, AccountStream(id), account.Account{}, applyAccount)
}

// Create creates a child account with a fresh, reserved registration code and, when asked, its
// first administrator's invitation: one append, so a refused or lost request leaves nothing behind.
func (a *Accounts) Create(ctx context.Context, origin Origin, cmd CreateAccount) (Created, error) {
	if _, err := uuid.Parse(cmd.ParentID); err != nil {
		return Created{}, account.ErrUnknownParent
	}
	if cmd.FirstUser != nil && a.invitations == nil {
		return Created{}, errors.New("create account: no identity commands to invite the first user")
	}
	created := Created{AccountID: uuid.NewString()}
	if cmd.FirstUser != nil {
		created.FirstUserID = uuid.NewString()
	}
	done, err := a.transact(ctx, origin, true, func(u *unit) error {
		parent, err := load(ctx, a.Handler, AccountStream(cmd.ParentID), account.Account{}, applyAccount)
		if err != nil {
			return err
		}
		return a.stageCreation(ctx, u, &created, func(code account.RegistrationCode) ([]account.Event, error) {
			return account.CreateChild(parent.state, account.Account{}, account.Create{
				AccountID: created.AccountID, ParentID: cmd.ParentID, Kind: cmd.Kind, Name: cmd.Name, Address: cmd.Address, RegistrationCode: code,
			})
		}, cmd.FirstUser)
	})
	if err != nil {
		return Created{}, fmt.Errorf("create account: %w", err)
	}
	created.Result = done[AccountStream(created.AccountID)]
	created.Position = done.last().Position
	return created, nil
}

// EnsurePlatformRoot creates the platform root partner account if the store has none. It is safe
// to call from every instance on every start.
func (a *Accounts) EnsurePlatformRoot(ctx context.Context, origin Origin, name string, address account.Address) (created bool, err error) {
	root := Created{AccountID: PlatformRootID}
	done, err := a.transact(ctx, origin, true, func(u *unit) error {
		s, err := loadInto(ctx, u, AccountStream(PlatformRootID), account.Account{}, applyAccount)
		if err != nil || s.exists {
			return err // another instance created it first, or it was there all along
		}
		return a.stageCreation(ctx, u, &root, func(code account.RegistrationCode) ([]account.Event, error) {
			return account.CreateRoot(account.Account{}, account.Create{
				AccountID: PlatformRootID, Kind: account.KindPartner, Name: name, Address: address, RegistrationCode: code,
			})
		}, nil)
	})
	return len(done) > 0, err
}

// stageCreation decides a new account with a fresh registration code (bad input is refused before
// anything is staged), reserves the code and, with first set, stages the first user's
// invitation. A code taken meanwhile fails the append on its reservation stream, and the retry
// draws another: codes are never released, so a code that once resolved to an account never
// resolves to another.
func (a *Accounts) stageCreation(ctx context.Context, u *unit, c *Created, decide func(account.RegistrationCode) ([]account.Event, error), first *FirstUser) error {
	code, err := account.NewRegistrationCode(a.random)
	if err != nil {
		return fmt.Errorf("registration code: %w", err)
	}
	events, err := decide(code)
	if err != nil {
		return err
	}
	if first != nil {
		if first.Email == "" {
			return field.Invalid("first_user.email", "the e-mail address of the account's first user is required")
		}
		if first.Username == "" {
			// The username defaults to the e-mail address, so a bad address is the address's
			// problem, not the username's.
			if _, err := reservation.NormalizeEmail(first.Email); err != nil {
				return fault.Within("first_user", err)
			}
			first.Username = first.Email
		}
		invite := InviteUser{AccountID: c.AccountID, Username: first.Username, Email: first.Email}
		if err := a.invitations.stageInvitation(ctx, u, c.FirstUserID, invite); err != nil {
			// The request names the first user's fields under first_user.
			return fault.Within("first_user", err)
		}
	}
	c.RegistrationCode = code
	u.write(c.AccountID, registrationCodeStream(code), account.RegistrationCodeReserved{Code: code, AccountID: c.AccountID})
	u.write(c.AccountID, AccountStream(c.AccountID), asEvents(events)...)
	return nil
}

// Update renames an account and/or changes its address, in one append.
func (a *Accounts) Update(ctx context.Context, origin Origin, cmd UpdateAccount) (Result, error) {
	if _, err := uuid.Parse(cmd.AccountID); err != nil {
		return Result{}, account.ErrNotFound
	}
	return update(ctx, a.Handler, origin, accountID, AccountStream(cmd.AccountID), account.Account{}, applyAccount, cmd.IfRevision,
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

// RotateRegistrationCode reserves a new code and moves the account to it, in one append.
func (a *Accounts) RotateRegistrationCode(ctx context.Context, origin Origin, cmd RotateRegistrationCode) (Result, account.RegistrationCode, error) {
	if _, err := uuid.Parse(cmd.AccountID); err != nil {
		return Result{}, "", account.ErrNotFound
	}
	name := AccountStream(cmd.AccountID)
	var code account.RegistrationCode
	done, err := a.transact(ctx, origin, cmd.IfRevision == nil, func(u *unit) error {
		s, err := loadInto(ctx, u, name, account.Account{}, applyAccount)
		switch {
		case err != nil:
			return err
		case !s.exists:
			return account.ErrNotFound
		case cmd.IfRevision != nil && s.revision != *cmd.IfRevision:
			return fmt.Errorf("%s is at revision %d, not %d: %w", name, s.revision, *cmd.IfRevision, ErrRevisionMismatch)
		}
		if code, err = account.NewRegistrationCode(a.random); err != nil {
			return fmt.Errorf("rotate registration code: %w", err)
		}
		events, err := s.state.RotateRegistrationCode(code)
		if err != nil {
			return err
		}
		u.write(cmd.AccountID, registrationCodeStream(code), account.RegistrationCodeReserved{Code: code, AccountID: cmd.AccountID})
		u.write(cmd.AccountID, name, asEvents(events)...)
		return nil
	})
	if err != nil {
		if cmd.IfRevision != nil && errors.Is(err, eventstore.ErrConcurrency) {
			err = fmt.Errorf("%w: %w", ErrRevisionMismatch, err)
		}
		return Result{}, "", err
	}
	return done[name], code, nil
}

// accountID is the account an account's events belong to: itself.
func accountID(a account.Account) string { return a.ID }

func asEvents[E eventstore.Event](events []E) []eventstore.Event {
	out := make([]eventstore.Event, len(events))
	for i, e := range events {
		out[i] = e
	}
	return out
}
