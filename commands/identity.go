package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/domain/group"
	"github.com/camcloud/accounts/domain/reservation"
	"github.com/camcloud/accounts/domain/user"
	"github.com/camcloud/accounts/eventstore"
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

// Strength is a password's assessment, shown while the user types and with every refusal.
type Strength struct {
	Score      int      `json:"score"` // 0 (guessable) .. 4 (strong)
	Acceptable bool     `json:"acceptable"`
	Problems   []string `json:"problems"` // why it is refused; empty when acceptable
	Hints      []string `json:"hints"`    // how to make it stronger
}

// WeakPasswordError refuses a password, saying why and how to do better. It never holds the
// password.
type WeakPasswordError struct {
	Field    string // the request field that held the password
	Strength Strength
}

func (e *WeakPasswordError) Error() string        { return ErrWeakPassword.Error() }
func (e *WeakPasswordError) Is(target error) bool { return target == ErrWeakPassword }
func (e *WeakPasswordError) Kind() fault.Kind     { return fault.Invalid }

// Describe names the field and gives the strength, so that the client can show what to improve.
func (e *WeakPasswordError) Describe() fault.Problem {
	p := weakPassword
	p.Field, p.Extensions = e.Field, map[string]any{"strength": e.Strength}
	return p
}

var weakPassword = fault.Problem{Type: "weak-password", Title: "Password refused"}

// PasswordHasher hashes passwords (argon2id, adapters/password).
type PasswordHasher interface {
	Hash(plain string) (string, error)
	Verify(plain, hash string) (bool, error)
	// DummyVerify spends the time of a verification, so an unknown user answers as slowly as a
	// known one. Like Verify, it fails when no hashing slot frees up in time (overload).
	DummyVerify(plain string) error
}

// PasswordPolicy assesses a candidate password; userInputs (username, e-mail) count against it.
type PasswordPolicy interface {
	Check(plain string, userInputs ...string) Strength
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

// authorizeOnUser checks that p may act on u: as u themself (nil perm), or holding perm on u's
// account and every permission u holds, so that nobody acts on (disables, demotes, resets) a
// user with more power than their own.
func (id *Identity) authorizeOnUser(ctx context.Context, p Principal, u user.User, perm *group.Permission) error {
	if perm == nil {
		if p.UserID != u.ID && !p.isSystem() {
			return ErrOutOfScope
		}
		return nil
	}
	if err := id.authz.Require(ctx, p, *perm, u.AccountID); err != nil {
		if errors.Is(err, ErrOutOfScope) {
			return user.ErrNotFound
		}
		return err
	}
	held, err := id.permissionsOf(ctx, u)
	if err != nil {
		return err
	}
	if err := p.holdsAll(held); err != nil {
		return fmt.Errorf("%w: the user holds permissions you lack", ErrForbidden)
	}
	return nil
}

// permissionsOf returns what u's groups grant now.
func (id *Identity) permissionsOf(ctx context.Context, u user.User) ([]group.Permission, error) {
	var out []group.Permission
	for _, g := range u.GroupIDs {
		if g == group.AdministratorID(u.AccountID) {
			return group.All(), nil
		}
		s, err := load(ctx, id.Handler, GroupStream(g), group.Group{}, applyGroup)
		if err != nil {
			return nil, err
		}
		if s.state.Exists && !s.state.Deleted {
			out = append(out, s.state.Permissions...)
		}
	}
	return out, nil
}

// ErrLastAdministrator: the change would leave an account without an active member of its
// Administrator group.
var ErrLastAdministrator = fault.New(fault.State, "the account would have no active administrator left").With(fault.Problem{
	Type: "last-administrator", Title: "Last administrator",
	Detail: "the account must keep an active member of its Administrator group; make another user an administrator first",
})

// keepAnAdministrator refuses a change that takes away target's place as an active administrator
// when nobody else holds one. It relies on another administrator only after reading that user's
// stream, and makes the append depend on it: two administrators demoting each other at once
// cannot both succeed, because the second one's append finds the first one's stream changed and
// is decided again.
func (id *Identity) keepAnAdministrator(ctx context.Context, u *unit, target user.User) error {
	admin := group.AdministratorID(target.AccountID)
	if target.Status != user.StatusActive || !slices.Contains(target.GroupIDs, admin) {
		return nil
	}
	candidates, err := id.members.Administrators(ctx, target.AccountID)
	if err != nil {
		return err
	}
	for _, c := range candidates {
		if c == target.ID {
			continue
		}
		s, err := loadInto(ctx, u, UserStream(c), user.User{}, applyUser)
		if err != nil {
			return err
		}
		if s.state.Status == user.StatusActive && slices.Contains(s.state.GroupIDs, admin) {
			u.check(UserStream(c))
			return nil
		}
	}
	return ErrLastAdministrator
}

func ptr[T any](v T) *T { return &v }

// --- invitations -------------------------------------------------------------------------------

// InviteUser adds a user to an account and sends them an invitation.
type InviteUser struct {
	AccountID string
	Username  string
	Email     string
	GroupIDs  []string // default: the account's Administrator group
}

// Invited is the answer to InviteUser.
type Invited struct {
	Result
	UserID string
}

// Invite adds a user ("+ Add new user"); the invitation e-mail follows from the event.
func (id *Identity) Invite(ctx context.Context, p Principal, origin Origin, cmd InviteUser) (Invited, error) {
	if err := id.authz.Require(ctx, p, group.UsersManage, cmd.AccountID); err != nil {
		return Invited{}, err
	}
	if len(cmd.GroupIDs) == 0 {
		cmd.GroupIDs = []string{group.AdministratorID(cmd.AccountID)}
	}
	if err := id.grantable(ctx, p, cmd.AccountID, cmd.GroupIDs); err != nil {
		return Invited{}, err
	}
	return id.invite(ctx, origin, uuid.NewString(), cmd)
}

// InviteFirstAdministrator invites the first user of an account that was just created by a
// caller authorized to create it: an administrator of the new account.
func (id *Identity) InviteFirstAdministrator(ctx context.Context, origin Origin, accountID, username, email string) (Invited, error) {
	return id.invite(ctx, origin, uuid.NewString(), InviteUser{AccountID: accountID, Username: username, Email: email})
}

// CheckAvailable refuses a username or e-mail address that is invalid or taken. It is a courtesy
// check before work that should not start for nothing (creating an account with its first user);
// the reservation made by Invite is what guarantees uniqueness.
func (id *Identity) CheckAvailable(ctx context.Context, username, email string) error {
	// The e-mail first: a username left out defaults to it, and its problem is the e-mail's.
	emailKey, err := reservation.NormalizeEmail(email)
	if err != nil {
		return err
	}
	userKey, err := reservation.NormalizeUsername(username)
	if err != nil {
		return err
	}
	for _, r := range []struct {
		kind, key string
		taken     error
	}{{reserveUsername, userKey, ErrUsernameTaken}, {reserveEmail, emailKey, ErrEmailTaken}} {
		_, held, err := id.owner(ctx, r.kind, r.key)
		if err != nil {
			return err
		}
		if !held {
			continue
		}
		if _, orphaned, err := id.orphanedHold(ctx, r.kind, r.key); err != nil || !orphaned {
			return errors.Join(err, r.taken)
		}
	}
	return nil
}

func (id *Identity) invite(ctx context.Context, origin Origin, userID string, cmd InviteUser) (Invited, error) {
	done, err := id.transact(ctx, origin, true, func(u *unit) error {
		return id.stageInvitation(ctx, u, userID, cmd)
	})
	if err != nil {
		return Invited{}, fmt.Errorf("invite: %w", err)
	}
	res := done[UserStream(userID)]
	res.Position = done.last().Position
	return Invited{Result: res, UserID: userID}, nil
}

// stageInvitation stages a new user's invitation: bad input is refused before anything else;
// then the username and e-mail reservations, the memberships of the custom groups and the user's
// first event, all in u's one append. A value someone else holds is ErrUsernameTaken or
// ErrEmailTaken, and nothing is written.
func (id *Identity) stageInvitation(ctx context.Context, u *unit, userID string, cmd InviteUser) error {
	if len(cmd.GroupIDs) == 0 {
		cmd.GroupIDs = []string{group.AdministratorID(cmd.AccountID)}
	}
	nonce, err := NewNonce()
	if err != nil {
		return err
	}
	now := id.now()
	events, err := user.Invite(user.User{}, user.InviteCommand{UserID: userID, AccountID: cmd.AccountID, Username: cmd.Username, Email: cmd.Email,
		GroupIDs: cmd.GroupIDs, Nonce: nonce, ExpiresAt: now.Add(id.cfg.InvitationTTL), Now: now})
	if err != nil {
		return err
	}
	userKey, _ := reservation.NormalizeUsername(cmd.Username)
	emailKey, _ := reservation.NormalizeEmail(cmd.Email)
	if err := id.stageReservation(ctx, u, reserveUsername, userKey, userID, cmd.AccountID); err != nil {
		if isTaken(err) {
			return ErrUsernameTaken
		}
		return err
	}
	if err := id.stageReservation(ctx, u, reserveEmail, emailKey, userID, cmd.AccountID); err != nil {
		if isTaken(err) {
			return ErrEmailTaken
		}
		return err
	}
	invited := events[0].(user.Invited)
	if err := id.stageMemberships(ctx, u, cmd.AccountID, userID, nil, invited.GroupIDs); err != nil {
		return err
	}
	u.write(cmd.AccountID, UserStream(userID), asEvents(events)...)
	return nil
}

// stageMemberships records in the custom groups' streams that userID leaves the groups of from
// that are not in to, and joins those of to that are not in from. A group that is not the
// account's, or is gone, is ErrUnknownGroup.
func (id *Identity) stageMemberships(ctx context.Context, u *unit, accountID, userID string, from, to []string) error {
	admin := group.AdministratorID(accountID)
	for _, g := range to {
		if g == admin || slices.Contains(from, g) {
			continue
		}
		s, err := id.loadGroupInto(ctx, u, accountID, g)
		if err != nil {
			return err
		}
		joined, err := s.state.Join(userID)
		if err != nil {
			return fmt.Errorf("%w: %q", ErrUnknownGroup, g)
		}
		u.write(accountID, GroupStream(g), asEvents(joined)...)
	}
	for _, g := range from {
		if g == admin || slices.Contains(to, g) {
			continue
		}
		if _, err := uuid.Parse(g); err != nil {
			continue
		}
		s, err := loadInto(ctx, u, GroupStream(g), group.Group{}, applyGroup)
		if err != nil {
			return err
		}
		left, err := s.state.Leave(userID)
		if err != nil {
			return err
		}
		u.write(accountID, GroupStream(g), asEvents(left)...)
	}
	return nil
}

// loadGroupInto loads one of an account's live custom groups into u.
func (id *Identity) loadGroupInto(ctx context.Context, u *unit, accountID, groupID string) (stream[group.Group], error) {
	if _, err := uuid.Parse(groupID); err != nil {
		return stream[group.Group]{}, fmt.Errorf("%w: %q", ErrUnknownGroup, groupID)
	}
	s, err := loadInto(ctx, u, GroupStream(groupID), group.Group{}, applyGroup)
	if err != nil {
		return s, err
	}
	if !s.state.Exists || s.state.Deleted || s.state.AccountID != accountID {
		return s, fmt.Errorf("%w: %q", ErrUnknownGroup, groupID)
	}
	return s, nil
}

// checkGroups refuses groups that are not the account's (its Administrator group or one of its
// live custom groups).
func (id *Identity) checkGroups(ctx context.Context, accountID string, groupIDs []string) error {
	for _, g := range groupIDs {
		if g == group.AdministratorID(accountID) {
			continue
		}
		if _, err := uuid.Parse(g); err != nil {
			return fmt.Errorf("%w: %q", ErrUnknownGroup, g)
		}
		s, err := load(ctx, id.Handler, GroupStream(g), group.Group{}, applyGroup)
		if err != nil {
			return err
		}
		if !s.state.Exists || s.state.Deleted || s.state.AccountID != accountID {
			return fmt.Errorf("%w: %q", ErrUnknownGroup, g)
		}
	}
	return nil
}

// grantable checks that groups are the account's and that p holds every permission they give:
// an administrator of users cannot hand out (to others or to themself) more than they have.
func (id *Identity) grantable(ctx context.Context, p Principal, accountID string, groupIDs []string) error {
	if err := id.checkGroups(ctx, accountID, groupIDs); err != nil {
		return err
	}
	for _, g := range groupIDs {
		perms := group.All()
		if g != group.AdministratorID(accountID) {
			s, err := load(ctx, id.Handler, GroupStream(g), group.Group{}, applyGroup)
			if err != nil {
				return err
			}
			perms = s.state.Permissions
		}
		if err := p.holdsAll(perms); err != nil {
			return err
		}
	}
	return nil
}

// ResendInvitation sends a new invitation; the previous link stops working. Resends to one user
// are charged to a budget once authorized and possible; beyond it the answer is the same but
// nothing is written or sent, so no administrator can flood an invitee's mailbox.
func (id *Identity) ResendInvitation(ctx context.Context, p Principal, origin Origin, userID string) (Result, error) {
	nonce, err := NewNonce()
	if err != nil {
		return Result{}, err
	}
	now := id.now()
	var charged, allowed bool // once: a decision retried after a conflict is not charged again
	return id.changeUser(ctx, p, origin, userID, ptr(group.UsersManage), func(u user.User) ([]user.Event, error) {
		events, err := u.ResendInvitation(nonce, now.Add(id.cfg.InvitationTTL), now)
		if err != nil {
			return nil, err
		}
		if !charged {
			wait, err := id.limiter.Take(ctx, now, Attempt{Key: "resend:user:" + u.ID, Limit: resendPerUser})
			if err != nil {
				return nil, fmt.Errorf("resend invitation: %w", err)
			}
			charged, allowed = true, wait == 0
		}
		if !allowed {
			return nil, nil // silently: the answer is the user as it is
		}
		return events, nil
	})
}

// RevokeInvitation withdraws an invitation that was not accepted; the username and e-mail
// address become free again and the user leaves their groups, in the same append.
func (id *Identity) RevokeInvitation(ctx context.Context, p Principal, origin Origin, userID string) (Result, error) {
	return id.changeUserWith(ctx, p, origin, userID, ptr(group.UsersManage), func(u *unit, invited user.User) ([]user.Event, error) {
		events, err := invited.RevokeInvitation()
		if err != nil {
			return nil, err
		}
		userKey, _ := reservation.NormalizeUsername(invited.Username)
		emailKey, _ := reservation.NormalizeEmail(invited.Email)
		for _, r := range []struct{ kind, key string }{{reserveUsername, userKey}, {reserveEmail, emailKey}} {
			if err := id.stageRelease(ctx, u, r.kind, r.key, userID, invited.AccountID); err != nil {
				return nil, err
			}
		}
		if err := id.stageMemberships(ctx, u, invited.AccountID, userID, invited.GroupIDs, nil); err != nil {
			return nil, err
		}
		return events, nil
	})
}

// AcceptInvitation activates an invited user: password, age confirmation, terms of use.
type AcceptInvitation struct {
	Token                string
	Password             string
	PasswordConfirmation string
	AgeConfirmed         bool
	TermsVersion         string
}

// AcceptInvitation sets the invited user's password; from then on they can sign in.
func (id *Identity) AcceptInvitation(ctx context.Context, origin Origin, cmd AcceptInvitation) (Result, error) {
	userID, nonce, err := id.links.Open(PurposeInvitation, cmd.Token)
	if err != nil {
		return Result{}, err
	}
	opens := func(u user.User) error { return u.InvitationOpens(nonce, id.now()) }
	return id.setPassword(ctx, origin, userID, cmd.Password, cmd.PasswordConfirmation, opens, func(u user.User, hash string) ([]user.Event, error) {
		events, err := u.AcceptInvitation(nonce, hash, cmd.TermsVersion, id.cfg.TermsVersion, cmd.AgeConfirmed, id.now())
		if errors.Is(err, user.ErrInvalidLink) {
			err = ErrInvalidToken
		}
		return events, err
	})
}

// setPassword checks a new password against the policy and its confirmation, hashes it and
// decides with the hash. Used by the flows that set a password from a link.
func (id *Identity) setPassword(ctx context.Context, origin Origin, userID, password, confirmation string, opens func(user.User) error, decide func(user.User, string) ([]user.Event, error)) (Result, error) {
	s, err := id.loadUser(ctx, userID)
	if errors.Is(err, user.ErrNotFound) {
		return Result{}, ErrInvalidToken
	}
	if err != nil {
		return Result{}, err
	}
	// A dead link is refused before the password is judged or hashed: the user learns first that
	// they need a new link, and a dead link costs no argon2 work.
	if opens(s.state) != nil {
		return Result{}, ErrInvalidToken
	}
	hash, err := id.acceptablePassword("password", password, confirmation, s.state)
	if err != nil {
		return Result{}, err
	}
	origin.Actor = userID // the link proves who acts
	return update(ctx, id.Handler, origin, userAccount, UserStream(userID), user.User{}, applyUser, nil,
		func(u user.User) ([]eventstore.Event, error) {
			events, err := decide(u, hash)
			return asEvents(events), err
		})
}

// acceptablePassword refuses a mismatched or weak password, or the user's current one, and
// hashes an acceptable one.
func (id *Identity) acceptablePassword(field, password, confirmation string, u user.User) (string, error) {
	if password != confirmation {
		return "", ErrPasswordMismatch
	}
	strength := id.policy.Check(password, u.Username, u.Email)
	if !strength.Acceptable {
		return "", &WeakPasswordError{Field: field, Strength: strength}
	}
	// Checked against the stored hash, the only form the current password exists in, after the
	// cheap checks so that a weak password costs no argon2 work. A "change" to the same password
	// leaves a leaked one in force while the user believes it replaced.
	if u.PasswordHash != "" {
		same, err := id.hasher.Verify(password, u.PasswordHash)
		if err != nil {
			return "", fmt.Errorf("compare with the current password: %w", err)
		}
		if same {
			strength.Acceptable = false
			strength.Problems = append(strength.Problems, "The new password must differ from the current one.")
			return "", &WeakPasswordError{Field: field, Strength: strength}
		}
	}
	return id.hasher.Hash(password)
}

// PasswordStrength assesses a candidate password as the user types.
func (id *Identity) PasswordStrength(password string, userInputs ...string) Strength {
	return id.policy.Check(password, userInputs...)
}

// --- user administration -----------------------------------------------------------------------

// DisableUser stops a user from signing in and ends all their sessions at once. The account's
// last active administrator is not disabled, not even by themself.
func (id *Identity) DisableUser(ctx context.Context, p Principal, origin Origin, userID string) (Result, error) {
	res, err := id.changeUserWith(ctx, p, origin, userID, ptr(group.UsersManage), func(u *unit, target user.User) ([]user.Event, error) {
		events, err := target.Disable()
		if err != nil || len(events) == 0 {
			return events, err
		}
		return events, id.keepAnAdministrator(ctx, u, target)
	})
	if err != nil {
		return Result{}, err
	}
	return res, id.sessions.EndAll(ctx, userID, "")
}

// EnableUser lets a disabled user sign in again.
func (id *Identity) EnableUser(ctx context.Context, p Principal, origin Origin, userID string) (Result, error) {
	return id.changeUser(ctx, p, origin, userID, ptr(group.UsersManage), func(u user.User) ([]user.Event, error) {
		return u.Enable()
	})
}

// AssignGroups sets a user's groups: only groups whose permissions the actor holds, never taking
// the account's last active administrator out of the Administrator group.
func (id *Identity) AssignGroups(ctx context.Context, p Principal, origin Origin, userID string, groupIDs []string) (Result, error) {
	return id.changeUserWith(ctx, p, origin, userID, ptr(group.UsersManage), func(u *unit, target user.User) ([]user.Event, error) {
		if err := id.grantable(ctx, p, target.AccountID, groupIDs); err != nil {
			return nil, err
		}
		events, err := target.AssignGroups(groupIDs)
		if err != nil || len(events) == 0 {
			return events, err
		}
		assigned := events[0].(user.GroupsAssigned).GroupIDs
		if !slices.Contains(assigned, group.AdministratorID(target.AccountID)) {
			if err := id.keepAnAdministrator(ctx, u, target); err != nil {
				return nil, err
			}
		}
		return events, id.stageMemberships(ctx, u, target.AccountID, target.ID, target.GroupIDs, assigned)
	})
}

// --- passwords ---------------------------------------------------------------------------------

// ChangePassword: the signed-in user gives the original password, the new one and its
// confirmation; other sessions can be ended at the same time.
type ChangePassword struct {
	Original, New, Confirmation string
	EndOtherSessions            bool
}

// ChangePassword changes the signed-in user's password.
func (id *Identity) ChangePassword(ctx context.Context, p Principal, origin Origin, cmd ChangePassword) (Result, error) {
	s, err := id.loadUser(ctx, p.UserID)
	if err != nil {
		return Result{}, err
	}
	if err := id.confirmPassword(ctx, s.state, "original_password", cmd.Original); err != nil {
		return Result{}, err
	}
	hash, err := id.acceptablePassword("new_password", cmd.New, cmd.Confirmation, s.state)
	if err != nil {
		return Result{}, err
	}
	res, err := id.changeUser(ctx, p, origin, p.UserID, nil, func(u user.User) ([]user.Event, error) {
		return u.ChangePassword(hash)
	})
	if err != nil || !cmd.EndOtherSessions {
		return res, err
	}
	return res, id.sessions.EndAll(ctx, p.UserID, p.SessionID)
}

// RequestPasswordReset sends a reset link to the active user with this e-mail address. It
// answers the same whether or not there is one, so the answer reveals no address. Anybody may
// ask, so requests are charged to budgets per target address and per client address before
// anything is looked up; beyond them it silently sends nothing (answering otherwise would tell
// which addresses exist, and flooding a mailbox is what the budgets prevent).
func (id *Identity) RequestPasswordReset(ctx context.Context, origin Origin, email, clientAddress string) error {
	key, err := reservation.NormalizeEmail(email)
	if err != nil {
		return nil
	}
	wait, err := id.limiter.Take(ctx, id.now(), sortedAttempts(
		Attempt{Key: "reset:target:" + key, Limit: resetPerTarget},
		Attempt{Key: "reset:addr:" + clientAddress, Limit: resetPerAddress},
	)...)
	if err != nil {
		return fmt.Errorf("password reset: %w", err)
	}
	if wait > 0 {
		return nil
	}
	owner, held, err := id.owner(ctx, reserveEmail, key)
	if err != nil || !held {
		return err
	}
	_, err = id.sendReset(ctx, System, origin, owner, false)
	return err
}

// SendPasswordReset: an administrator has a reset link sent to a user; they never choose the
// password.
func (id *Identity) SendPasswordReset(ctx context.Context, p Principal, origin Origin, userID string) (Result, error) {
	return id.sendReset(ctx, p, origin, userID, true)
}

func (id *Identity) sendReset(ctx context.Context, p Principal, origin Origin, userID string, byAdmin bool) (Result, error) {
	nonce, err := NewNonce()
	if err != nil {
		return Result{}, err
	}
	now := id.now()
	var perm *group.Permission
	if byAdmin {
		perm = ptr(group.UsersManage)
	}
	return id.changeUser(ctx, p, origin, userID, perm, func(u user.User) ([]user.Event, error) {
		return u.RequestPasswordReset(nonce, now.Add(id.cfg.PasswordResetTTL), now, byAdmin)
	})
}

// ResetPassword sets a new password from a reset link and ends all the user's sessions.
func (id *Identity) ResetPassword(ctx context.Context, origin Origin, token, password, confirmation string) (Result, error) {
	userID, nonce, err := id.links.Open(PurposePasswordReset, token)
	if err != nil {
		return Result{}, err
	}
	opens := func(u user.User) error { return u.PasswordResetOpens(nonce, id.now()) }
	res, err := id.setPassword(ctx, origin, userID, password, confirmation, opens, func(u user.User, hash string) ([]user.Event, error) {
		events, err := u.ResetPassword(nonce, hash, id.now())
		if errors.Is(err, user.ErrInvalidLink) {
			err = ErrInvalidToken
		}
		return events, err
	})
	if err != nil {
		return Result{}, err
	}
	return res, id.sessions.EndAll(ctx, userID, "")
}

// --- profile -----------------------------------------------------------------------------------

// UpdateProfile changes the signed-in user's preferences and/or asks for a new e-mail address,
// all in one append or not at all. nil fields stay as they are.
type UpdateProfile struct {
	TimeFormat      *user.TimeFormat
	TimeZone        *string
	Email           *string // takes effect when confirmed from the link sent to it
	CurrentPassword string  // required with Email
}

// UpdateProfile applies an UpdateProfile.
func (id *Identity) UpdateProfile(ctx context.Context, p Principal, origin Origin, cmd UpdateProfile) (Result, error) {
	s, err := id.loadUser(ctx, p.UserID)
	if err != nil {
		return Result{}, err
	}
	changesEmail := cmd.Email != nil && *cmd.Email != s.state.Email
	if changesEmail {
		if err := id.checkNewEmail(ctx, p, s.state, cmd.CurrentPassword, *cmd.Email); err != nil {
			return Result{}, err
		}
	}
	if cmd.TimeZone != nil {
		if _, err := time.LoadLocation(*cmd.TimeZone); err != nil || *cmd.TimeZone == "" || *cmd.TimeZone == "Local" {
			return Result{}, user.ValidationError{Field: "time_zone", Problem: "is not a known IANA time zone"}
		}
	}
	nonce, err := NewNonce()
	if err != nil {
		return Result{}, err
	}
	now := id.now()
	return id.changeUser(ctx, p, origin, p.UserID, nil, func(u user.User) ([]user.Event, error) {
		var events []user.Event
		if cmd.TimeFormat != nil || cmd.TimeZone != nil {
			format, zone := u.TimeFormat, u.TimeZone
			if cmd.TimeFormat != nil {
				format = *cmd.TimeFormat
			}
			if cmd.TimeZone != nil {
				zone = *cmd.TimeZone
			}
			changed, err := u.ChangePreferences(format, zone)
			if err != nil {
				return nil, err
			}
			events = append(events, changed...)
		}
		if changesEmail {
			requested, err := u.RequestEmailChange(*cmd.Email, nonce, now.Add(id.cfg.EmailChangeTTL), now)
			if err != nil {
				return nil, err
			}
			events = append(events, requested...)
		}
		return events, nil
	})
}

// WrongPasswordError refuses a change confirmed with a wrong current password; Field is the
// request field that held it.
type WrongPasswordError struct{ Field string }

func (e *WrongPasswordError) Error() string        { return ErrWrongPassword.Error() }
func (e *WrongPasswordError) Is(target error) bool { return target == ErrWrongPassword }
func (e *WrongPasswordError) Kind() fault.Kind     { return fault.Invalid }

// Describe names the field that held the wrong password.
func (e *WrongPasswordError) Describe() fault.Problem {
	p := wrongPassword
	p.Field = e.Field
	return p
}

var wrongPassword = fault.Problem{Type: "wrong-password", Title: "Wrong password", Detail: "the current password is wrong"}

// confirmPassword checks the password a signed-in user gives to confirm a change. Like a
// sign-in, each check is charged to a budget before the hash is verified, under a key of its own
// (so that it does not lock the user out of signing in), so a stolen session cannot be used to
// guess the password, however many requests it sends at once. A right password gives it back.
func (id *Identity) confirmPassword(ctx context.Context, u user.User, field, password string) error {
	now := id.now()
	attempt := Attempt{Key: "confirm:user:" + u.ID, Limit: confirmPerUser}
	if err := take(ctx, id.limiter, now, attempt); err != nil {
		return err
	}
	ok, err := id.hasher.Verify(password, u.PasswordHash)
	if err != nil || ok {
		// No password was judged (the hasher was busy), or the right one: only wrong guesses use
		// the budget up.
		if giveErr := id.limiter.Give(ctx, now, attempt); giveErr != nil && err == nil {
			err = fmt.Errorf("give the password check back: %w", giveErr)
		}
		if err != nil {
			return fmt.Errorf("confirm password: %w", err)
		}
		return nil
	}
	return &WrongPasswordError{Field: field}
}

// checkNewEmail refuses an e-mail change without the right current password, or to an address
// another user holds.
func (id *Identity) checkNewEmail(ctx context.Context, p Principal, u user.User, password, newEmail string) error {
	if err := id.confirmPassword(ctx, u, "current_password", password); err != nil {
		return err
	}
	key, err := reservation.NormalizeEmail(newEmail)
	if err != nil {
		return err
	}
	owner, held, err := id.owner(ctx, reserveEmail, key)
	if err != nil {
		return err
	}
	if held && owner != p.UserID {
		return ErrEmailTaken
	}
	return nil
}

// ConfirmEmailChange applies a pending e-mail change from its link: the new address is reserved,
// the user's address changed and the old one released, in one append.
func (id *Identity) ConfirmEmailChange(ctx context.Context, origin Origin, token string) (Result, error) {
	userID, nonce, err := id.links.Open(PurposeEmailChange, token)
	if err != nil {
		return Result{}, err
	}
	if _, err := uuid.Parse(userID); err != nil {
		return Result{}, ErrInvalidToken
	}
	origin.Actor = userID // the link proves who acts
	res, err := id.changeUserWith(ctx, System, origin, userID, nil, func(u *unit, current user.User) ([]user.Event, error) {
		events, err := current.ConfirmEmailChange(nonce, id.now())
		if err != nil {
			return nil, ErrInvalidToken
		}
		newKey, _ := reservation.NormalizeEmail(current.EmailChange.Email)
		oldKey, _ := reservation.NormalizeEmail(current.Email)
		if err := id.stageReservation(ctx, u, reserveEmail, newKey, userID, current.AccountID); err != nil {
			if isTaken(err) {
				return nil, ErrEmailTaken
			}
			return nil, err
		}
		if oldKey != newKey {
			if err := id.stageRelease(ctx, u, reserveEmail, oldKey, userID, current.AccountID); err != nil {
				return nil, err
			}
		}
		return events, nil
	})
	if errors.Is(err, user.ErrNotFound) {
		return Result{}, ErrInvalidToken
	}
	return res, err
}

// Profile returns the signed-in user as their stream has it (always current).
func (id *Identity) Profile(ctx context.Context, p Principal) (user.User, uint64, error) {
	s, err := id.loadUser(ctx, p.UserID)
	return s.state, s.revision, err
}

// userAccount is the account a user's events belong to.
func userAccount(u user.User) string { return u.AccountID }
