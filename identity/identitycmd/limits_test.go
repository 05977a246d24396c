package identitycmd

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/attempts"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
)

// TestMemoryLimiterForgetsFullBudgets: keys whose budget is full again are dropped a few per
// call, so the state shrinks back after a burst of distinct keys without scanning it all.
func TestMemoryLimiterForgetsFullBudgets(t *testing.T) {
	ctx := context.Background()
	l := attempts.NewMemory()
	t0 := time.Now()
	lim := attempts.Limit{Burst: 5, Every: time.Minute}
	for i := range 1000 {
		if _, err := l.Take(ctx, t0, attempts.Attempt{Key: fmt.Sprint("k", i), Limit: lim}); err != nil {
			t.Fatal(err)
		}
	}
	if l.Len() != 1000 {
		t.Fatalf("%d keys after 1000 distinct attempts", l.Len())
	}
	later := t0.Add(time.Hour)
	for range 200 {
		if _, err := l.Take(ctx, later, attempts.Attempt{Key: "live", Limit: lim}); err != nil {
			t.Fatal(err)
		}
	}
	if n := l.Len(); n != 1 {
		t.Fatalf("%d keys an hour later, want only the live one", n)
	}
}

func TestTruncateKeepsValidUTF8(t *testing.T) {
	cases := []struct {
		name, in string
		n        int
		want     string
	}{
		{"short", "curl/8.5", 200, "curl/8.5"},
		{"cut between runes", "abé", 4, "abé"},
		{"cut inside a two-byte rune", "abé", 3, "ab"},
		{"cut inside a three-byte rune", strings.Repeat("a", 198) + "€", 200, strings.Repeat("a", 198)},
		{"cut inside a four-byte rune", "x😀", 4, "x"},
		{"invalid bytes are replaced", "a\xffb", 200, "a\uFFFDb"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := truncate(c.in, c.n)
			if got != c.want || !utf8.ValidString(got) || len(got) > c.n {
				t.Fatalf("truncate(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
			}
		})
	}
}

// fakeHasher "hashes" by prefixing and counts verifications, for tests of what the command layer
// does around hashing.
type fakeHasher struct{ verifications atomic.Int64 }

func (h *fakeHasher) Hash(plain string) (string, error) {
	sum := sha256.Sum256([]byte(plain))
	return "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$" + base64.RawStdEncoding.EncodeToString(sum[:]), nil
}

func (h *fakeHasher) Verify(plain, hash string) (bool, error) {
	h.verifications.Add(1)
	time.Sleep(time.Millisecond) // lets concurrent callers overlap
	want, _ := h.Hash(plain)
	return hash == want, nil
}

func (h *fakeHasher) DummyVerify(plain string) error {
	_, err := h.Verify(plain, "")
	return err
}

type acceptAll struct{}

func (acceptAll) Check(string, ...string) Strength { return Strength{Score: 4, Acceptable: true} }

type noSessions struct{ SessionStore }

func (noSessions) Create(context.Context, Session, []byte) error { return nil }

// newLimitFixture is the identity handlers on a memory store with the root administrator
// ("admin", admin@example.test) signed up with password, and a counting hasher.
func newLimitFixture(t *testing.T, password string) (*Commands, *memory.Store, *fakeHasher) {
	t.Helper()
	ctx := context.Background()
	store := memory.New()
	handler := command.NewHandler(store, eventstore.NewCodec(domain.Events()...))
	links, err := NewLinks(bytes.Repeat([]byte("k"), 32))
	if err != nil {
		t.Fatal(err)
	}
	hasher := &fakeHasher{}
	id := New(handler, Config{TermsVersion: "t1"}, Deps{Links: links, Hasher: hasher, Policy: acceptAll{}, Sessions: noSessions{}})
	token, err := id.EnsureRootAdministrator(ctx, command.Service("test"), "admin", "admin@example.test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := id.AcceptInvitation(ctx, command.Service("test"), AcceptInvitation{Token: token, Password: password, PasswordConfirmation: password, AgeConfirmed: true, TermsVersion: "t1"}); err != nil {
		t.Fatal(err)
	}
	return id, store, hasher
}

func countEvents(t *testing.T, store *memory.Store, typ string) int {
	t.Helper()
	events, err := store.ReadAll(context.Background(), eventstore.Start, eventstore.Forwards, 100_000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range events {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// TestConcurrentGuessesAreCountedBeforeVerifying: 100 wrong guesses at once get at most the
// username's budget of verifications (the old limiter checked before and counted after, so all
// 100 were verified), and after them the right password is refused too.
func TestConcurrentGuessesAreCountedBeforeVerifying(t *testing.T) {
	const right = "correct horse battery staple"
	id, _, hasher := newLimitFixture(t, right)
	ctx := context.Background()
	hasher.verifications.Store(0)
	var wg sync.WaitGroup
	var limited atomic.Int64
	for i := range 100 {
		wg.Go(func() {
			_, err := id.SignIn(ctx, "admin", fmt.Sprint("guess ", i), fmt.Sprintf("10.0.%d.%d", i/250, i%250), "")
			switch {
			case errors.Is(err, attempts.ErrRateLimited):
				limited.Add(1)
			case !errors.Is(err, ErrBadCredentials):
				t.Errorf("guess %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if n := hasher.verifications.Load(); n > int64(signInPerUsername.Burst) {
		t.Fatalf("%d verifications for 100 concurrent guesses, want at most %d", n, signInPerUsername.Burst)
	}
	if limited.Load() < 100-int64(signInPerUsername.Burst) {
		t.Fatalf("only %d of 100 guesses were refused", limited.Load())
	}
	if _, err := id.SignIn(ctx, "admin", right, "10.9.9.9", ""); !errors.Is(err, attempts.ErrRateLimited) {
		t.Fatalf("the right password once the budget is spent: %v, want attempts.ErrRateLimited", err)
	}
}

// TestRightPasswordGivesItsAttemptBack: a user who signs in many times in a row, or confirms
// their password many times, is never locked out by it.
func TestRightPasswordGivesItsAttemptBack(t *testing.T) {
	const right = "correct horse battery staple"
	id, _, _ := newLimitFixture(t, right)
	ctx := context.Background()
	for i := range 3 * signInPerUsername.Burst {
		if _, err := id.SignIn(ctx, "admin", right, "10.0.0.1", ""); err != nil {
			t.Fatalf("sign-in %d: %v", i, err)
		}
	}
	s, err := id.loadUser(ctx, RootAdministratorID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 * confirmPerUser.Burst {
		if err := id.confirmPassword(ctx, s.State, "current_password", right); err != nil {
			t.Fatalf("confirmation %d: %v", i, err)
		}
	}
}

// TestConcurrentCurrentPasswordGuesses: a stolen session sending 100 current-password guesses
// at once gets at most the budget of verifications.
func TestConcurrentCurrentPasswordGuesses(t *testing.T) {
	const right = "correct horse battery staple"
	id, _, hasher := newLimitFixture(t, right)
	ctx := context.Background()
	s, err := id.loadUser(ctx, RootAdministratorID)
	if err != nil {
		t.Fatal(err)
	}
	hasher.verifications.Store(0)
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			err := id.confirmPassword(ctx, s.State, "current_password", fmt.Sprint("guess ", i))
			if !errors.Is(err, ErrWrongPassword) && !errors.Is(err, attempts.ErrRateLimited) {
				t.Errorf("guess %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if n := hasher.verifications.Load(); n > int64(confirmPerUser.Burst) {
		t.Fatalf("%d verifications for 100 concurrent guesses, want at most %d", n, confirmPerUser.Burst)
	}
	if err := id.confirmPassword(ctx, s.State, "current_password", right); !errors.Is(err, attempts.ErrRateLimited) {
		t.Fatalf("the right password once the budget is spent: %v, want attempts.ErrRateLimited", err)
	}
}

// TestPasswordResetRequestsAreLimitedSilently: anonymous reset requests all answer alike, but
// beyond the budgets per target and per client address no event (so no mail) is written.
func TestPasswordResetRequestsAreLimitedSilently(t *testing.T) {
	id, store, _ := newLimitFixture(t, "correct horse battery staple")
	ctx := context.Background()
	const requested = "user.password-reset-requested.v1"
	for i := range 10 {
		if err := id.RequestPasswordReset(ctx, command.Service("test"), "admin@example.test", fmt.Sprint("10.0.0.", i)); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if n := countEvents(t, store, requested); n != resetPerTarget.Burst {
		t.Fatalf("10 requests for one address wrote %d events, want %d", n, resetPerTarget.Burst)
	}

	// One client address asking for many targets: the address's budget stops it.
	other, store2, _ := newLimitFixture(t, "correct horse battery staple")
	for i := range resetPerAddress.Burst {
		if err := other.RequestPasswordReset(ctx, command.Service("test"), fmt.Sprintf("nobody%d@example.test", i), "10.1.1.1"); err != nil {
			t.Fatal(err)
		}
	}
	if err := other.RequestPasswordReset(ctx, command.Service("test"), "admin@example.test", "10.1.1.1"); err != nil {
		t.Fatal(err)
	}
	if n := countEvents(t, store2, requested); n != 0 {
		t.Fatalf("a client address past its budget still had %d mails sent", n)
	}
	if err := other.RequestPasswordReset(ctx, command.Service("test"), "admin@example.test", "10.1.1.2"); err != nil {
		t.Fatal(err)
	}
	if n := countEvents(t, store2, requested); n != 1 {
		t.Fatalf("another client address: %d events, want 1", n)
	}
}

// TestInvitationResendsAreLimitedSilently: an administrator resending an invitation 10 times
// gets the same answer each time, but the invitee gets at most the budget of new links.
func TestInvitationResendsAreLimitedSilently(t *testing.T) {
	id, store, _ := newLimitFixture(t, "correct horse battery staple")
	ctx := context.Background()
	invited, err := id.Invite(ctx, command.Service("test"), InviteUser{AccountID: account.PlatformRootID, Username: "jana", Email: "jana@example.test"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := id.ResendInvitation(ctx, command.Service("test"), invited.UserID); err != nil {
			t.Fatalf("resend %d: %v", i, err)
		}
	}
	if n := countEvents(t, store, "user.invitation-resent.v1"); n != resendPerUser.Burst {
		t.Fatalf("10 resends wrote %d events, want %d", n, resendPerUser.Burst)
	}
}
