package commands

import (
	"context"
	"time"

	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/user"
	"github.com/google/uuid"
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

// IdentityConfig holds the identity rules that are settings.
type IdentityConfig struct {
	InvitationTTL    time.Duration // default 7 days
	PasswordResetTTL time.Duration // default 1 hour
	EmailChangeTTL   time.Duration // default 24 hours
	SessionIdle      time.Duration // default 30 minutes
	SessionLifetime  time.Duration // default 12 hours
	TermsVersion     string        // the terms of use a user accepts with an invitation
}

func (c *IdentityConfig) defaults() {
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

// Identity handles users, invitations, sign-in, passwords, profiles and groups.
type Identity struct {
	*Handler
	cfg      IdentityConfig
	links    *Links
	hasher   PasswordHasher
	policy   PasswordPolicy
	sessions SessionStore
	members  Members
	authz    *Authorizer
	limiter  Limiter
	// orphanAfter is how old a reservation held by a user that was never invited must be before
	// another user may take it over.
	orphanAfter time.Duration
}

// IdentityDeps are Identity's collaborators.
type IdentityDeps struct {
	Links    *Links
	Hasher   PasswordHasher
	Policy   PasswordPolicy
	Sessions SessionStore
	Members  Members
	Authz    *Authorizer
	Limiter  Limiter // attempt budgets shared by every instance; nil: in this process only (tests)
}

// NewIdentity returns the identity command handlers.
func NewIdentity(h *Handler, cfg IdentityConfig, deps IdentityDeps) *Identity {
	cfg.defaults()
	if deps.Limiter == nil {
		deps.Limiter = NewMemoryLimiter()
	}
	return &Identity{Handler: h, cfg: cfg, links: deps.Links, hasher: deps.Hasher, policy: deps.Policy,
		sessions: deps.Sessions, members: deps.Members, authz: deps.Authz, limiter: deps.Limiter, orphanAfter: time.Minute}
}

// Config returns the identity settings in force.
func (id *Identity) Config() IdentityConfig { return id.cfg }

// Links returns the link signer, for the mail dispatcher.
func (id *Identity) Links() *Links { return id.links }

// UserStream names a user's stream.
func UserStream(userID string) string { return eventstore.StreamName("user", userID) }

// GroupStream names a group's stream.
func GroupStream(groupID string) string { return eventstore.StreamName("group", groupID) }

func applyUser(u user.User, e eventstore.Event) user.User {
	if ue, ok := e.(user.Event); ok {
		return u.Apply(ue)
	}
	return u
}

func applyGroup(g group.Group, e eventstore.Event) group.Group {
	if ge, ok := e.(group.Event); ok {
		return g.Apply(ge)
	}
	return g
}

func (id *Identity) loadUser(ctx context.Context, userID string) (stream[user.User], error) {
	if _, err := uuid.Parse(userID); err != nil {
		return stream[user.User]{}, user.ErrNotFound
	}
	s, err := load(ctx, id.Handler, UserStream(userID), user.User{}, applyUser)
	if err == nil && !s.exists {
		err = user.ErrNotFound
	}
	return s, err
}

// changeUser runs a decision on a user's stream after checking that p may act on the user with
// perm (nil perm: p must be the user). Out of scope answers like a missing user.
func (id *Identity) changeUser(ctx context.Context, p Principal, origin Origin, userID string, perm *group.Permission, decide func(user.User) ([]user.Event, error)) (Result, error) {
	return id.changeUserWith(ctx, p, origin, userID, perm, func(_ *unit, u user.User) ([]user.Event, error) {
		return decide(u)
	})
}

// changeUserWith is changeUser for decisions that also write other streams in the same append
// (reservations, group memberships) or depend on them.
func (id *Identity) changeUserWith(ctx context.Context, p Principal, origin Origin, userID string, perm *group.Permission, decide func(*unit, user.User) ([]user.Event, error)) (Result, error) {
	if _, err := uuid.Parse(userID); err != nil {
		return Result{}, user.ErrNotFound
	}
	name := UserStream(userID)
	var unchanged Result
	done, err := id.transact(ctx, origin, true, func(u *unit) error {
		s, err := loadInto(ctx, u, name, user.User{}, applyUser)
		if err != nil {
			return err
		}
		if !s.state.Exists {
			return user.ErrNotFound
		}
		if err := id.authorizeOnUser(ctx, p, s.state, perm); err != nil {
			return err
		}
		unchanged = Result{Stream: name, Revision: s.revision, Position: s.position}
		events, err := decide(u, s.state)
		if err != nil {
			return err
		}
		u.write(s.state.AccountID, name, asEvents(events)...)
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	return done.of(name, unchanged), nil
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

// userAccount is the account a user's events belong to.
func userAccount(u user.User) string { return u.AccountID }
