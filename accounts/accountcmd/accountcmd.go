// Package accountcmd holds the account commands: create an account under a partner (with its
// first administrator's invitation), rename it, change its address, rotate its registration
// code, suspend, reactivate and close it. Each command authorizes its origin's principal before
// it decides.
package accountcmd

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/domain/field"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/identitycmd"
	"github.com/camcloud/accounts/identity/reservation"
)

// accountAggregate and codeAggregate are how the account aggregates live in the store: an account's stream, and
// the reservation stream that makes a registration code unique ("regcode-<compact code>").
var (
	accountAggregate = command.Aggregate[account.Account, account.Event]{
		Category: "account", Apply: account.Account.Apply, Account: func(a account.Account) string { return a.ID },
		Keep: true, // a plain value: kept between commands, so a rename reads only what is new
	}
	codeAggregate = command.Aggregate[account.CodeReservation, account.Event]{
		Category: "regcode", Apply: account.CodeReservation.Apply, Account: func(r account.CodeReservation) string { return r.AccountID },
	}
)

// AccountStream names an account's stream.
func AccountStream(id string) string { return eventstore.StreamName(accountAggregate.Category, id) }

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

// ChangeStatus suspends, reactivates or closes an account (Suspend, Reactivate, Close).
type ChangeStatus struct {
	AccountID  string
	Reason     string  // why, for people; optional, ignored by Reactivate
	IfRevision *uint64 // the revision the caller read (If-Match); nil appends at whatever is current
}

// ErrOwnAccount: nobody suspends, reactivates or closes their own account; the accounts above it
// do.
var ErrOwnAccount = fault.New(fault.Forbidden, "an account's status is changed from above it").With(fault.Problem{
	Type: "own-account", Title: "Own account",
	Detail: "an account is suspended, reactivated or closed by an administrator of an account above it, not by its own users",
})

// Created is the answer to CreateAccount.
type Created struct {
	command.Result   // the account's stream
	AccountID        string
	RegistrationCode account.RegistrationCode
	FirstUserID      string // "" without a first user
	// Position is the furthest global position the creation reached (the first user's
	// invitation comes after the account): what read-your-writes waits for.
	Position eventstore.Position
}

// Commands handles the account commands.
type Commands struct {
	h           *command.Handler
	accounts    command.Repository[account.Account, account.Event]
	codes       command.Repository[account.CodeReservation, account.Event]
	authz       *access.Authorizer
	random      io.Reader
	invitations *identitycmd.Commands
}

// New returns the account command handlers; a new account's first user is invited through
// invitations, and every command is authorized by authz.
func New(h *command.Handler, authz *access.Authorizer, invitations *identitycmd.Commands) *Commands {
	return &Commands{h: h, accounts: command.NewRepository(h, accountAggregate), codes: command.NewRepository(h, codeAggregate),
		authz: authz, random: rand.Reader, invitations: invitations}
}

// Create creates a child account with a fresh, reserved registration code and, when asked, its
// first administrator's invitation: one append, so a refused or lost request leaves nothing behind.
// Without a parent, the parent is the principal's own account.
func (a *Commands) Create(ctx context.Context, origin command.Origin, cmd CreateAccount) (Created, error) {
	if cmd.ParentID == "" {
		cmd.ParentID = origin.Principal.AccountID
	}
	if _, err := uuid.Parse(cmd.ParentID); err != nil {
		return Created{}, account.ErrUnknownParent
	}
	if err := a.authz.Require(ctx, origin.Principal, group.AccountsManage, cmd.ParentID); err != nil {
		return Created{}, err
	}
	if cmd.FirstUser != nil && a.invitations == nil {
		return Created{}, errors.New("create account: no identity commands to invite the first user")
	}
	created := Created{AccountID: uuid.NewString()}
	if cmd.FirstUser != nil {
		created.FirstUserID = uuid.NewString()
	}
	done, err := a.h.Transact(ctx, origin, true, func(u *command.Unit) error {
		// The parent as read is a condition of the append: a parent closed (or suspended)
		// meanwhile makes the decision run again on it, so no child lands after its close.
		parent, err := a.accounts.LoadKept(ctx, u, cmd.ParentID)
		if err != nil {
			return err
		}
		return a.stageCreation(ctx, u, &created, func(code account.RegistrationCode) ([]account.Event, error) {
			return account.CreateChild(parent.State, account.Account{}, account.Create{
				AccountID: created.AccountID, ParentID: cmd.ParentID, Kind: cmd.Kind, Name: cmd.Name, Address: cmd.Address, RegistrationCode: code,
			})
		}, cmd.FirstUser)
	})
	if err != nil {
		return Created{}, fmt.Errorf("create account: %w", err)
	}
	created.Result = done[AccountStream(created.AccountID)]
	created.Position = done.Last().Position
	return created, nil
}

// EnsurePlatformRoot creates the platform root partner account if the store has none. It is safe
// to call from every instance on every start.
func (a *Commands) EnsurePlatformRoot(ctx context.Context, origin command.Origin, name string, address account.Address) (created bool, err error) {
	if origin.Principal.Kind != access.Service {
		return false, fmt.Errorf("%w: only the service creates the platform root", access.ErrForbidden)
	}
	root := Created{AccountID: account.PlatformRootID}
	done, err := a.h.Transact(ctx, origin, true, func(u *command.Unit) error {
		s, err := a.accounts.LoadInto(ctx, u, account.PlatformRootID)
		if err != nil || s.Exists {
			return err // another instance created it first, or it was there all along
		}
		return a.stageCreation(ctx, u, &root, func(code account.RegistrationCode) ([]account.Event, error) {
			return account.CreateRoot(account.Account{}, account.Create{
				AccountID: account.PlatformRootID, Kind: account.KindPartner, Name: name, Address: address, RegistrationCode: code,
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
func (a *Commands) stageCreation(ctx context.Context, u *command.Unit, c *Created, decide func(account.RegistrationCode) ([]account.Event, error), first *FirstUser) error {
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
		invite := identitycmd.InviteUser{AccountID: c.AccountID, Username: first.Username, Email: first.Email}
		if err := a.invitations.StageInvitation(ctx, u, c.FirstUserID, invite); err != nil {
			// The request names the first user's fields under first_user.
			return fault.Within("first_user", err)
		}
	}
	c.RegistrationCode = code
	a.codes.Stage(u, a.codes.New(code.Compact()), account.RegistrationCodeReserved{Code: code, AccountID: c.AccountID})
	a.accounts.Stage(u, a.accounts.New(c.AccountID), events...)
	return nil
}

// Update renames an account and/or changes its address, in one append.
func (a *Commands) Update(ctx context.Context, origin command.Origin, cmd UpdateAccount) (command.Result, error) {
	return a.accounts.Update(ctx, origin, command.Change[account.Account, account.Event]{
		ID: cmd.AccountID, IfRevision: cmd.IfRevision, NotFound: account.ErrNotFound,
		Authorize: a.manages(origin.Principal),
		Decide: func(_ *command.Unit, acc account.Account) ([]account.Event, error) {
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
			return events, nil
		},
	})
}

// manages authorizes a change of an account: accounts.manage on it, within p's scope.
func (a *Commands) manages(p access.Principal) func(context.Context, account.Account) error {
	return func(ctx context.Context, acc account.Account) error {
		return a.authz.Require(ctx, p, group.AccountsManage, acc.ID)
	}
}

// RotateRegistrationCode reserves a new code and moves the account to it, in one append.
func (a *Commands) RotateRegistrationCode(ctx context.Context, origin command.Origin, cmd RotateRegistrationCode) (command.Result, account.RegistrationCode, error) {
	var code account.RegistrationCode
	res, err := a.accounts.Update(ctx, origin, command.Change[account.Account, account.Event]{
		ID: cmd.AccountID, IfRevision: cmd.IfRevision, NotFound: account.ErrNotFound,
		Authorize: a.manages(origin.Principal),
		Decide: func(u *command.Unit, acc account.Account) ([]account.Event, error) {
			var err error
			if code, err = account.NewRegistrationCode(a.random); err != nil {
				return nil, fmt.Errorf("rotate registration code: %w", err)
			}
			events, err := acc.RotateRegistrationCode(code)
			if err != nil {
				return nil, err
			}
			a.codes.Stage(u, a.codes.New(code.Compact()), account.RegistrationCodeReserved{Code: code, AccountID: cmd.AccountID})
			return events, nil
		},
	})
	if err != nil {
		return command.Result{}, "", err
	}
	return res, code, nil
}

// managesFromAbove authorizes a change of an account's status: accounts.manage on it, within p's
// scope (else not found), and strictly below p's own account, so that a partner administrator
// manages the accounts below them but nobody suspends or closes their own account (nor, as
// nobody is above it, the platform root).
func (a *Commands) managesFromAbove(p access.Principal) func(context.Context, account.Account) error {
	return func(ctx context.Context, acc account.Account) error {
		if err := a.authz.Require(ctx, p, group.AccountsManage, acc.ID); err != nil {
			return err
		}
		if p.Kind != access.Service && acc.ID == p.AccountID {
			return ErrOwnAccount
		}
		return nil
	}
}

// Suspend suspends an account: its users, and those of every account below it, cannot sign in
// and their sessions stop working on their next request, until it is reactivated. Suspending a
// suspended account changes nothing.
func (a *Commands) Suspend(ctx context.Context, origin command.Origin, cmd ChangeStatus) (command.Result, error) {
	return a.changeStatus(ctx, origin, cmd, func(acc account.Account) ([]account.Event, error) { return acc.Suspend(cmd.Reason) })
}

// Reactivate ends an account's suspension. An active account changes nothing; a closed one is
// refused (account.ErrClosed).
func (a *Commands) Reactivate(ctx context.Context, origin command.Origin, cmd ChangeStatus) (command.Result, error) {
	return a.changeStatus(ctx, origin, cmd, account.Account.Reactivate)
}

// Close closes an account for good: it is never changed again and its registration code stops
// resolving; its history stays. Closing a closed account changes nothing.
func (a *Commands) Close(ctx context.Context, origin command.Origin, cmd ChangeStatus) (command.Result, error) {
	return a.changeStatus(ctx, origin, cmd, func(acc account.Account) ([]account.Event, error) { return acc.Close(cmd.Reason) })
}

func (a *Commands) changeStatus(ctx context.Context, origin command.Origin, cmd ChangeStatus, decide func(account.Account) ([]account.Event, error)) (command.Result, error) {
	return a.accounts.Update(ctx, origin, command.Change[account.Account, account.Event]{
		ID: cmd.AccountID, IfRevision: cmd.IfRevision, NotFound: account.ErrNotFound,
		Authorize: a.managesFromAbove(origin.Principal),
		Decide:    func(_ *command.Unit, acc account.Account) ([]account.Event, error) { return decide(acc) },
	})
}
