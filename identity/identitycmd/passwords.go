package identitycmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/attempts"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/reservation"
	"github.com/camcloud/accounts/identity/user"
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

// setPassword checks a new password against the policy and its confirmation, hashes it and
// decides with the hash. Used by the flows that set a password from a link.
func (id *Commands) setPassword(ctx context.Context, origin command.Origin, userID, password, confirmation string, opens func(user.User) error, beforeCommit func() error, decide func(user.User, string) ([]user.Event, error)) (command.Result, error) {
	s, err := id.loadUser(ctx, userID)
	if errors.Is(err, user.ErrNotFound) {
		return command.Result{}, ErrInvalidToken
	}
	if err != nil {
		return command.Result{}, err
	}
	// A dead link is refused before the password is judged or hashed: the user learns first that
	// they need a new link, and a dead link costs no argon2 work.
	if opens(s.State) != nil {
		return command.Result{}, ErrInvalidToken
	}
	hash, err := id.acceptablePassword("password", password, confirmation, s.State)
	if err != nil {
		return command.Result{}, err
	}
	if beforeCommit != nil {
		if err := beforeCommit(); err != nil {
			return command.Result{}, err
		}
	}
	// The link proves who acts.
	origin.Principal = access.Principal{Kind: access.User, ID: userID, AccountID: s.State.AccountID}
	return id.users.Update(ctx, origin, command.Change[user.User, user.Event]{
		ID: userID, NotFound: ErrInvalidToken,
		Decide: func(_ *command.Unit, u user.User) ([]user.Event, error) { return decide(u, hash) },
	})
}

// acceptablePassword refuses a mismatched or weak password, or the user's current one, and
// hashes an acceptable one.
func (id *Commands) acceptablePassword(field, password, confirmation string, u user.User) (string, error) {
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
func (id *Commands) PasswordStrength(password string, userInputs ...string) Strength {
	return id.policy.Check(password, userInputs...)
}

// ChangePassword: the signed-in user gives the original password, the new one and its
// confirmation; other sessions can be ended at the same time.
type ChangePassword struct {
	Original, New, Confirmation string
	EndOtherSessions            bool
}

// ChangePassword changes the signed-in user's password.
func (id *Commands) ChangePassword(ctx context.Context, origin command.Origin, cmd ChangePassword) (command.Result, error) {
	p := origin.Principal
	s, err := id.loadUser(ctx, p.ID)
	if err != nil {
		return command.Result{}, err
	}
	if err := id.confirmPassword(ctx, s.State, "original_password", cmd.Original); err != nil {
		return command.Result{}, err
	}
	hash, err := id.acceptablePassword("new_password", cmd.New, cmd.Confirmation, s.State)
	if err != nil {
		return command.Result{}, err
	}
	// Other sessions end before the change is stored, so that a session store failing after the
	// commit cannot leave them alive behind an answer the client would retry in vain.
	if cmd.EndOtherSessions {
		if err := id.sessions.EndAll(ctx, p.ID, p.SessionID); err != nil {
			return command.Result{}, err
		}
	}
	return id.changeUser(ctx, origin, p.ID, nil, func(u user.User) ([]user.Event, error) {
		return u.ChangePassword(hash)
	})
}

// RequestPasswordReset sends a reset link to the active user with this e-mail address. It
// answers the same whether or not there is one, so the answer reveals no address. Anybody may
// ask, so requests are charged to budgets per target address and per client address before
// anything is looked up; beyond them it silently sends nothing (answering otherwise would tell
// which addresses exist, and flooding a mailbox is what the budgets prevent).
func (id *Commands) RequestPasswordReset(ctx context.Context, origin command.Origin, email, clientAddress string) error {
	key, err := reservation.NormalizeEmail(email)
	if err != nil {
		return nil
	}
	wait, err := id.limiter.Take(ctx, id.h.Now(), attempts.Sorted(
		attempts.Attempt{Key: "reset:target:" + key, Limit: resetPerTarget},
		attempts.Attempt{Key: "reset:addr:" + clientAddress, Limit: resetPerAddress},
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
	// Nobody is signed in: the service sends the mail the address's owner asked for.
	origin.Principal = access.ServicePrincipal("password-reset")
	_, err = id.sendReset(ctx, origin, owner, false)
	if errors.Is(err, user.ErrNotFound) {
		return nil // a reservation whose owner never became a user: answered like no address
	}
	return err
}

// SendPasswordReset: an administrator has a reset link sent to a user; they never choose the
// password.
func (id *Commands) SendPasswordReset(ctx context.Context, origin command.Origin, userID string) (command.Result, error) {
	return id.sendReset(ctx, origin, userID, true)
}

func (id *Commands) sendReset(ctx context.Context, origin command.Origin, userID string, byAdmin bool) (command.Result, error) {
	nonce, err := NewNonce()
	if err != nil {
		return command.Result{}, err
	}
	now := id.h.Now()
	var perm *group.Permission
	if byAdmin {
		perm = ptr(group.UsersManage)
	}
	return id.changeUser(ctx, origin, userID, perm, func(u user.User) ([]user.Event, error) {
		return u.RequestPasswordReset(nonce, now.Add(id.cfg.PasswordResetTTL), now, byAdmin)
	})
}

// ResetPassword sets a new password from a reset link and ends all the user's sessions.
func (id *Commands) ResetPassword(ctx context.Context, origin command.Origin, token, password, confirmation string) (command.Result, error) {
	userID, nonce, err := id.links.Open(PurposePasswordReset, token)
	if err != nil {
		return command.Result{}, err
	}
	opens := func(u user.User) error { return u.PasswordResetOpens(nonce, id.h.Now()) }
	// The sessions end before the new password is stored: were it the other way round, a
	// session store failing after the commit would answer 503 for a reset that happened, and the
	// retry would find the link used, leaving a possibly stolen session alive.
	endSessions := func() error { return id.sessions.EndAll(ctx, userID, "") }
	return id.setPassword(ctx, origin, userID, password, confirmation, opens, endSessions, func(u user.User, hash string) ([]user.Event, error) {
		events, err := u.ResetPassword(nonce, hash, id.h.Now())
		if errors.Is(err, user.ErrInvalidLink) {
			err = ErrInvalidToken
		}
		return events, err
	})
}

// WrongPasswordError refuses a change confirmed with a wrong current password; Field is the
// request field that held it.
type WrongPasswordError struct{ Field string }

var wrongPassword = fault.Problem{Type: "wrong-password", Title: "Wrong password", Detail: "the current password is wrong"}

// confirmPassword checks the password a signed-in user gives to confirm a change. Like a
// sign-in, each check is charged to a budget before the hash is verified, under a key of its own
// (so that it does not lock the user out of signing in), so a stolen session cannot be used to
// guess the password, however many requests it sends at once. A right password gives it back.
func (id *Commands) confirmPassword(ctx context.Context, u user.User, field, password string) error {
	now := id.h.Now()
	attempt := attempts.Attempt{Key: "confirm:user:" + u.ID, Limit: confirmPerUser}
	if err := attempts.Take(ctx, id.limiter, now, attempt); err != nil {
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
