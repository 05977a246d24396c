package identitycmd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/attempts"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/identity/reservation"
	"github.com/camcloud/accounts/identity/user"
)

// SignedIn is the answer to a successful sign-in: the bearer token, shown this once.
type SignedIn struct {
	Token   string
	Session Session
}

// SignIn checks a username and password and opens a session. An unknown username and a wrong
// password get the same error after about the same time. Every attempt is charged to its
// username's and its client address's budget BEFORE the password is verified, so concurrent
// guesses, on any number of instances, get no more verifications than the budget holds; a right
// password gives its attempt back, so a user's own sign-ins never lock them out.
func (id *Commands) SignIn(ctx context.Context, username, password, clientAddress, userAgent string) (SignedIn, error) {
	now := id.h.Now()
	key, err := reservation.NormalizeUsername(username)
	if err != nil {
		// Still limited, never found; in a form the database can store (no U+0000, valid UTF-8).
		key = strings.ReplaceAll(strings.ToValidUTF8(username, "\uFFFD"), "\x00", "\uFFFD")
	}
	charged := signInAttempts(key, clientAddress)
	if err := attempts.Take(ctx, id.limiter, now, charged...); err != nil {
		return SignedIn{}, err
	}
	u, err := id.credentials(ctx, key, password)
	if errors.Is(err, ErrBadCredentials) {
		return SignedIn{}, err // the attempt stays spent
	}
	// A right password, or an attempt that judged no password (the database or the hasher was
	// unavailable), gives its attempt back: only wrong guesses use the budget up.
	if giveErr := id.limiter.Give(ctx, now, charged...); giveErr != nil && err == nil {
		err = fmt.Errorf("give the sign-in attempt back: %w", giveErr)
	}
	if err != nil {
		return SignedIn{}, err
	}
	if err := id.accountAdmits(ctx, u); err != nil {
		return SignedIn{}, err
	}
	token, digest, err := newSessionToken()
	if err != nil {
		return SignedIn{}, err
	}
	s := Session{
		ID: uuid.NewString(), UserID: u.ID, AccountID: u.AccountID,
		CreatedAt: now, LastSeenAt: now, IdleExpiresAt: now.Add(id.cfg.SessionIdle), ExpiresAt: now.Add(id.cfg.SessionLifetime),
		UserAgent: truncate(userAgent, 200), ClientAddress: clientAddress,
	}
	if err := id.sessions.Create(ctx, s, digest); err != nil {
		return SignedIn{}, err
	}
	return SignedIn{Token: token, Session: s}, nil
}

// credentials returns the active user a username and password name, or ErrBadCredentials.
func (id *Commands) credentials(ctx context.Context, key, password string) (user.User, error) {
	owner, held, err := id.owner(ctx, reserveUsername, key)
	if err != nil {
		return user.User{}, err
	}
	if !held {
		if err := id.hasher.DummyVerify(password); err != nil {
			return user.User{}, fmt.Errorf("verify password: %w", err)
		}
		return user.User{}, ErrBadCredentials
	}
	s, err := id.loadUser(ctx, owner)
	if err != nil {
		return user.User{}, err
	}
	if s.State.PasswordHash == "" { // invited, never accepted
		if err := id.hasher.DummyVerify(password); err != nil {
			return user.User{}, fmt.Errorf("verify password: %w", err)
		}
		return user.User{}, ErrBadCredentials
	}
	ok, err := id.hasher.Verify(password, s.State.PasswordHash)
	if err != nil {
		return user.User{}, fmt.Errorf("verify password: %w", err)
	}
	if !ok || !s.State.CanSignIn() {
		// A disabled user with the right password learns no more than a stranger.
		return user.User{}, ErrBadCredentials
	}
	return s.State, nil
}

// The statuses the identity read model gives an active user whose account is not effectively
// active (identityview.MemberSQL): the account, or one above it, is suspended or closed. They are
// not active, so Authenticate refuses the user's sessions (401) while it lasts.
const (
	StatusAccountSuspended user.Status = "account-suspended"
	StatusAccountClosed    user.Status = "account-closed"
)

var (
	// ErrAccountSuspended: the right password, but the user's account (or one above it) is
	// suspended; sign-in is refused until it is reactivated.
	ErrAccountSuspended = fault.New(fault.Forbidden, "account suspended").With(fault.Problem{
		Type: "account-suspended", Title: "Account suspended",
		Detail: "your account is suspended; its users cannot sign in until the account above it reactivates it",
	})
	// ErrAccountClosed: the right password, but the user's account (or one above it) is closed.
	ErrAccountClosed = fault.New(fault.Forbidden, "account closed").With(fault.Problem{
		Type: "account-closed", Title: "Account closed",
		Detail: "your account is closed; its users cannot sign in",
	})
)

// accountAdmits refuses the sign-in of a user (whose password was right) while their account is
// not effectively active, as the identity read model has it now (Members.Member). Only a user
// who proved their password learns why; anyone else gets ErrBadCredentials before this.
func (id *Commands) accountAdmits(ctx context.Context, u user.User) error {
	if id.members == nil {
		return nil
	}
	_, status, _, err := id.members.Member(ctx, u.ID)
	if err != nil {
		return err
	}
	switch status {
	case StatusAccountSuspended:
		return ErrAccountSuspended
	case StatusAccountClosed:
		return ErrAccountClosed
	}
	return nil
}

// Authenticate returns the principal of a bearer token: its session's user, who must still be
// an active member, with the permissions their groups hold now.
func (id *Commands) Authenticate(ctx context.Context, token string) (access.Principal, error) {
	if token == "" {
		return access.Principal{}, access.ErrUnauthenticated
	}
	s, m, err := id.lookupMember(ctx, tokenDigest(token))
	if err != nil {
		return access.Principal{}, err
	}
	if m.Status != user.StatusActive {
		return access.Principal{}, access.ErrUnauthenticated
	}
	return access.Principal{Kind: access.User, ID: s.UserID, AccountID: m.AccountID, SessionID: s.ID, Permissions: m.Permissions}, nil
}

// lookupMember finds the live session of a token digest and its user as the identity read model
// has them now: in one round trip when the session store can join them (SessionMembers).
func (id *Commands) lookupMember(ctx context.Context, digest []byte) (Session, Member, error) {
	if sm, ok := id.sessions.(SessionMembers); ok {
		return sm.LookupMember(ctx, digest, id.h.Now(), id.cfg.SessionIdle)
	}
	s, err := id.sessions.Lookup(ctx, digest, id.h.Now(), id.cfg.SessionIdle)
	if err != nil {
		return Session{}, Member{}, err
	}
	var m Member
	m.AccountID, m.Status, m.Permissions, err = id.members.Member(ctx, s.UserID)
	return s, m, err
}

// SignOut ends the principal's current session.
func (id *Commands) SignOut(ctx context.Context, p access.Principal) error {
	_, err := id.sessions.End(ctx, p.ID, p.SessionID)
	return err
}

// Sessions lists the principal's live sessions.
func (id *Commands) Sessions(ctx context.Context, p access.Principal) ([]Session, error) {
	return id.sessions.List(ctx, p.ID, id.cfg.SessionIdle)
}

// EndSession ends one of the principal's sessions; another user's session is not found.
func (id *Commands) EndSession(ctx context.Context, p access.Principal, sessionID string) error {
	ended, err := id.sessions.End(ctx, p.ID, sessionID)
	if err == nil && !ended {
		err = ErrSessionNotFound
	}
	return err
}

// EndAllSessions ends every session of the principal, the current one included unless keepCurrent.
func (id *Commands) EndAllSessions(ctx context.Context, p access.Principal, keepCurrent bool) error {
	except := ""
	if keepCurrent {
		except = p.SessionID
	}
	return id.sessions.EndAll(ctx, p.ID, except)
}

// ErrSessionNotFound: no such session of the caller's.
var ErrSessionNotFound = fault.New(fault.NotFound, "session not found")

// truncate cuts s to at most n bytes of valid UTF-8, on a rune boundary: the result is stored in
// PostgreSQL text, which refuses invalid bytes, and a client's header may hold any.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
