package attemptlimit_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/camcloud/accounts/accounts/accountcmd"

	"github.com/camcloud/accounts/identity/identitycmd"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/attempts"
	"github.com/camcloud/accounts/command"

	"github.com/alexedwards/argon2id"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/adapters/attemptlimit"
	"github.com/camcloud/accounts/adapters/password"
	"github.com/camcloud/accounts/adapters/sessionstore"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
)

// countingHasher is the real hasher (with cheap parameters), counting verifications.
type countingHasher struct {
	*password.Hasher
	verifications atomic.Int64
}

func (h *countingHasher) Verify(plain, hash string) (bool, error) {
	h.verifications.Add(1)
	return h.Hasher.Verify(plain, hash)
}

func (h *countingHasher) DummyVerify(plain string) error {
	h.verifications.Add(1)
	return h.Hasher.DummyVerify(plain)
}

const rightPassword = "correct horse battery staple"

type acceptAll struct{}

func (acceptAll) Check(string, ...string) identitycmd.Strength {
	return identitycmd.Strength{Score: 4, Acceptable: true}
}

// instances are n service instances on one event store and one database, each with its own pool
// and limiter; the root administrator "admin" has rightPassword.
func instances(t *testing.T, n int) ([]*identitycmd.Commands, *countingHasher) {
	t.Helper()
	ctx := t.Context()
	_, pool := newLimiter(t)
	if err := sessionstore.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	store := memory.New()
	handler := command.NewHandler(store, eventstore.NewCodec(domain.Events()...))
	root := account.Address{Line1: "1 Platform Way", City: "Springfield", Country: "US"}
	if _, err := accountcmd.New(handler, nil, nil).EnsurePlatformRoot(ctx, command.Service("test"), "Platform", root); err != nil {
		t.Fatal(err)
	}
	links, err := identitycmd.NewLinks(bytes.Repeat([]byte("k"), 32))
	if err != nil {
		t.Fatal(err)
	}
	hasher := &countingHasher{Hasher: password.NewHasherWithParams(&argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})}
	var ids []*identitycmd.Commands
	for i := range n {
		p := pool
		if i > 0 {
			p = secondPool(t, pool)
		}
		ids = append(ids, identitycmd.New(handler, identitycmd.Config{TermsVersion: "t1"}, identitycmd.Deps{
			Links: links, Hasher: hasher, Policy: acceptAll{}, Sessions: sessionstore.New(p), Limiter: attemptlimit.New(p),
		}))
	}
	token, err := ids[0].EnsureRootAdministrator(ctx, command.Service("test"), "admin", "admin@example.test")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ids[0].AcceptInvitation(ctx, command.Service("test"), identitycmd.AcceptInvitation{Token: token, Password: rightPassword, PasswordConfirmation: rightPassword, AgeConfirmed: true, TermsVersion: "t1"})
	if err != nil {
		t.Fatal(err)
	}
	hasher.verifications.Store(0)
	return ids, hasher
}

// TestConcurrentGuessesOnTwoInstances: 100 wrong guesses for one username sent at once to two
// instances get at most 5 password verifications in all (the old per-instance limiter, checked
// before and counted after, verified all 100); then the right password among 50 concurrent
// guesses does not sign in.
func TestConcurrentGuessesOnTwoInstances(t *testing.T) {
	ids, hasher := instances(t, 2)
	ctx := context.Background()
	guess := func(i int, pw string) error {
		// Each guess from its own address: only the username's budget holds them back.
		_, err := ids[i%2].SignIn(ctx, "admin", pw, fmt.Sprintf("10.%d.%d.1", i/200, i%200), "test")
		return err
	}
	var wg sync.WaitGroup
	var limited atomic.Int64
	for i := range 100 {
		wg.Go(func() {
			err := guess(i, fmt.Sprint("wrong guess ", i))
			switch {
			case errors.Is(err, attempts.ErrRateLimited):
				limited.Add(1)
			case !errors.Is(err, identitycmd.ErrBadCredentials):
				t.Errorf("guess %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if n := hasher.verifications.Load(); n > 5 {
		t.Fatalf("%d password verifications for 100 concurrent guesses on two instances, want at most 5", n)
	}
	if n := limited.Load(); n < 95 {
		t.Fatalf("%d of 100 guesses refused with 429, want at least 95", n)
	}

	var signedIn atomic.Int64
	for i := range 50 {
		wg.Go(func() {
			pw := fmt.Sprint("another guess ", i)
			if i == 25 {
				pw = rightPassword
			}
			if err := guess(100+i, pw); err == nil {
				signedIn.Add(1)
			}
		})
	}
	wg.Wait()
	if signedIn.Load() != 0 {
		t.Fatal("the right password among 50 concurrent guesses signed in after the budget was spent")
	}
}

// TestConcurrentCurrentPasswordChecksOnTwoInstances: a stolen session guessing the current
// password (to change it) with 100 concurrent requests on two instances gets at most 5
// verifications.
func TestConcurrentCurrentPasswordChecksOnTwoInstances(t *testing.T) {
	ids, hasher := instances(t, 2)
	ctx := context.Background()
	in, err := ids[0].SignIn(ctx, "admin", rightPassword, "10.0.0.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	p := access.Principal{Kind: access.User, ID: in.Session.UserID, AccountID: in.Session.AccountID, SessionID: in.Session.ID}
	hasher.verifications.Store(0)
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			_, err := ids[i%2].ChangePassword(ctx, command.By(p, ""), identitycmd.ChangePassword{
				Original: fmt.Sprint("guess ", i), New: "a whole new passphrase", Confirmation: "a whole new passphrase",
			})
			if !errors.Is(err, identitycmd.ErrWrongPassword) && !errors.Is(err, attempts.ErrRateLimited) {
				t.Errorf("guess %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if n := hasher.verifications.Load(); n > 5 {
		t.Fatalf("%d verifications of the current password for 100 concurrent guesses, want at most 5", n)
	}
}

// TestSignInWithAUserAgentCutInsideACharacter: a User-Agent whose 200th byte falls inside a
// multi-byte character is stored cut before it; sign-in succeeds (PostgreSQL refused the
// half character, and sign-in answered 500).
func TestSignInWithAUserAgentCutInsideACharacter(t *testing.T) {
	ids, _ := instances(t, 1)
	for _, ua := range []string{
		strings.Repeat("a", 199) + "€ and more",
		"Mozilla/5.0 \xff\xfe",
	} {
		in, err := ids[0].SignIn(t.Context(), "admin", rightPassword, "10.0.0.1", ua)
		if err != nil {
			t.Fatalf("sign-in with User-Agent %q: %v", ua, err)
		}
		if got := in.Session.UserAgent; !utf8.ValidString(got) || len(got) > 200 || !strings.HasPrefix(got, "Mozilla") && !strings.HasPrefix(ua, got) {
			t.Fatalf("stored User-Agent %q for %q", got, ua)
		}
	}
}
