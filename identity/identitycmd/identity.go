package identitycmd

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/attempts"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/user"
)

var (
	// ErrBadCredentials answers a sign-in with an unknown username or a wrong password alike.
	ErrBadCredentials = fault.New(fault.Unauthenticated, "unknown username or wrong password").With(fault.Problem{
		Type: "bad-credentials", Title: "Sign-in failed", Detail: "unknown username or wrong password",
	})
	// ErrUsernameTaken and ErrEmailTaken: the value is reserved by another user.
	ErrUsernameTaken = fault.New(fault.Taken, "username is taken").With(fault.Problem{Title: "Username taken", Field: "username"})
	ErrEmailTaken    = fault.New(fault.Taken, "e-mail address is taken").With(fault.Problem{Title: "E-mail address taken", Field: "email"})
	// ErrUnknownGroup: a group that does not exist in the user's account.
	ErrUnknownGroup = fault.New(fault.Invalid, "unknown group").With(fault.Problem{
		Title: "Unknown group", Field: "group_ids", Detail: "a group is not one of this account's",
	})
	// ErrWeakPassword is matched by every *WeakPasswordError.
	ErrWeakPassword = fault.New(fault.Invalid, "password does not meet the policy").With(weakPassword)
	// ErrPasswordMismatch: the new password and its confirmation differ.
	ErrPasswordMismatch = fault.New(fault.Invalid, "the password and its confirmation differ").With(fault.Problem{
		Title: "Passwords differ", Field: "password_confirmation", Explain: true,
	})
	// ErrWrongPassword: the current password given to confirm a change is wrong.
	ErrWrongPassword = fault.New(fault.Invalid, "the current password is wrong").With(wrongPassword)
)

func (e *WeakPasswordError) Error() string        { return ErrWeakPassword.Error() }
func (e *WeakPasswordError) Is(target error) bool { return target == ErrWeakPassword }
func (e *WeakPasswordError) Kind() fault.Kind     { return fault.Invalid }

// Describe names the field and gives the strength, so that the client can show what to improve.
func (e *WeakPasswordError) Describe() fault.Problem {
	p := weakPassword
	p.Field, p.Extensions = e.Field, map[string]any{"strength": e.Strength}
	return p
}

// Members looks up what authentication needs of a user: their account, status ("" when
// unknown) and the permissions their groups hold now. The identity read model implements it.
type Members interface {
	Member(ctx context.Context, userID string) (accountID string, status user.Status, perms []group.Permission, err error)
	// Administrators lists the active members of an account's Administrator group; it may lag.
	Administrators(ctx context.Context, accountID string) ([]string, error)
	// GroupMembers lists the users (any status) whose groups include groupID; it may lag.
	GroupMembers(ctx context.Context, groupID string) ([]string, error)
}

// Config holds the identity rules that are settings.
type Config struct {
	InvitationTTL    time.Duration // default 7 days
	PasswordResetTTL time.Duration // default 1 hour
	EmailChangeTTL   time.Duration // default 24 hours
	SessionIdle      time.Duration // default 30 minutes
	SessionLifetime  time.Duration // default 12 hours
	TermsVersion     string        // the terms of use a user accepts with an invitation
}

func (c *Config) defaults() {
	set := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	set(&c.InvitationTTL, 7*24*time.Hour)
	set(&c.PasswordResetTTL, time.Hour)
	set(&c.EmailChangeTTL, 24*time.Hour)
	set(&c.SessionIdle, 30*time.Minute)
	set(&c.SessionLifetime, 12*time.Hour)
	if c.TermsVersion == "" {
		c.TermsVersion = "1"
	}
}

// Commands handles users, invitations, sign-in, passwords, profiles and groups.
type Commands struct {
	h        *command.Handler
	users    command.Repository[user.User, user.Event]
	groups   command.Repository[group.Group, group.Event]
	cfg      Config
	links    *Links
	hasher   PasswordHasher
	policy   PasswordPolicy
	sessions SessionStore
	members  Members
	authz    *access.Authorizer
	limiter  attempts.Limiter
	// orphanAfter is how old a reservation held by a user that was never invited must be before
	// another user may take it over.
	orphanAfter time.Duration
}

// Deps are the identity commands' collaborators.
type Deps struct {
	Links    *Links
	Hasher   PasswordHasher
	Policy   PasswordPolicy
	Sessions SessionStore
	Members  Members
	Authz    *access.Authorizer
	Limiter  attempts.Limiter // attempt budgets shared by every instance; nil: in this process only (tests)
}

// New returns the identity command handlers.
func New(h *command.Handler, cfg Config, deps Deps) *Commands {
	cfg.defaults()
	if deps.Limiter == nil {
		deps.Limiter = attempts.NewMemory()
	}
	return &Commands{h: h, users: command.NewRepository(h, users), groups: command.NewRepository(h, groups), cfg: cfg, links: deps.Links, hasher: deps.Hasher, policy: deps.Policy,
		sessions: deps.Sessions, members: deps.Members, authz: deps.Authz, limiter: deps.Limiter, orphanAfter: time.Minute}
}

// Config returns the identity settings in force.
func (id *Commands) Config() Config { return id.cfg }

// Links returns the link signer, for the mail dispatcher.
func (id *Commands) Links() *Links { return id.links }

// users and groups are how the identity aggregates live in the store.
var (
	users  = command.Aggregate[user.User, user.Event]{Category: "user", Apply: user.User.Apply, Account: func(u user.User) string { return u.AccountID }}
	groups = command.Aggregate[group.Group, group.Event]{Category: "group", Apply: group.Group.Apply, Account: func(g group.Group) string { return g.AccountID }}
)

// UserStream names a user's stream.
func UserStream(userID string) string { return eventstore.StreamName(users.Category, userID) }

// GroupStream names a group's stream.
func GroupStream(groupID string) string { return eventstore.StreamName(groups.Category, groupID) }

func (id *Commands) loadUser(ctx context.Context, userID string) (command.Stream[user.User], error) {
	if _, err := uuid.Parse(userID); err != nil {
		return command.Stream[user.User]{}, user.ErrNotFound
	}
	s, err := id.users.Load(ctx, userID)
	if err == nil && !s.Exists {
		err = user.ErrNotFound
	}
	return s, err
}

// changeUser runs a decision on a user's stream after checking that p may act on the user with
// perm (nil perm: p must be the user). Out of scope answers like a missing user.
func (id *Commands) changeUser(ctx context.Context, origin command.Origin, userID string, perm *group.Permission, decide func(user.User) ([]user.Event, error)) (command.Result, error) {
	return id.changeUserWith(ctx, origin, userID, perm, func(_ *command.Unit, u user.User) ([]user.Event, error) {
		return decide(u)
	})
}

// changeUserWith is changeUser for decisions that also write other streams in the same append
// (reservations, group memberships) or depend on them.
func (id *Commands) changeUserWith(ctx context.Context, origin command.Origin, userID string, perm *group.Permission, decide func(*command.Unit, user.User) ([]user.Event, error)) (command.Result, error) {
	return id.users.Update(ctx, origin, command.Change[user.User, user.Event]{
		ID: userID, NotFound: user.ErrNotFound,
		Authorize: func(ctx context.Context, u user.User) error {
			if !u.Exists { // a voided ID: its stream exists, the user never did
				return user.ErrNotFound
			}
			return id.authorizeOnUser(ctx, origin.Principal, u, perm)
		},
		Decide: decide,
	})
}

func ptr[T any](v T) *T { return &v }

func (e *WrongPasswordError) Error() string        { return ErrWrongPassword.Error() }
func (e *WrongPasswordError) Is(target error) bool { return target == ErrWrongPassword }
func (e *WrongPasswordError) Kind() fault.Kind     { return fault.Invalid }

// Describe names the field that held the wrong password.
func (e *WrongPasswordError) Describe() fault.Problem {
	p := wrongPassword
	p.Field = e.Field
	return p
}
