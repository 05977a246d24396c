package identitycmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
)

func newIdentityFixture(t *testing.T) (*Commands, *memory.Store) {
	t.Helper()
	store := memory.New()
	handler := command.NewHandler(store, eventstore.NewCodec(domain.Events()...))
	links, err := NewLinks(bytes.Repeat([]byte("k"), 32))
	if err != nil {
		t.Fatal(err)
	}
	// The system principal needs neither scope nor sessions: those dependencies stay empty.
	return New(handler, Config{}, Deps{Links: links}), store
}

// TestRacingInvitationsForOneUsername: of many invitations racing for one username, exactly one
// wins; the losers leave no reservation of their e-mail address behind.
func TestRacingInvitationsForOneUsername(t *testing.T) {
	id, _ := newIdentityFixture(t)
	ctx := context.Background()
	const racers = 8
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		won     []int
		refused int
	)
	for i := range racers {
		wg.Go(func() {
			_, err := id.Invite(ctx, command.Service("test"), InviteUser{AccountID: account.PlatformRootID, Username: "Jana", Email: fmt.Sprintf("jana%d@example.test", i)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won = append(won, i)
			case errors.Is(err, ErrUsernameTaken):
				refused++
			default:
				t.Errorf("racer %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if len(won) != 1 || refused != racers-1 {
		t.Fatalf("%d won, %d refused; want exactly one winner", len(won), refused)
	}
	for i := range racers {
		if i == won[0] {
			continue
		}
		if err := id.CheckAvailable(ctx, fmt.Sprintf("other%d", i), fmt.Sprintf("jana%d@example.test", i)); err != nil {
			t.Errorf("loser %d's e-mail address is still reserved: %v", i, err)
		}
	}
	if err := id.CheckAvailable(ctx, "JANA", "new@example.test"); !errors.Is(err, ErrUsernameTaken) {
		t.Errorf("the username in another case: %v, want ErrUsernameTaken", err)
	}
}

// TestRevokedInvitationFreesItsValues: revoking an invitation releases the username and the
// e-mail address, and a new user may take them.
func TestRevokedInvitationFreesItsValues(t *testing.T) {
	id, _ := newIdentityFixture(t)
	ctx := context.Background()
	invited, err := id.Invite(ctx, command.Service("test"), InviteUser{AccountID: account.PlatformRootID, Username: "typo", Email: "typo@example.test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := id.Invite(ctx, command.Service("test"), InviteUser{AccountID: account.PlatformRootID, Username: "typo", Email: "other@example.test"}); !errors.Is(err, ErrUsernameTaken) {
		t.Fatalf("second invitation with the username: %v, want ErrUsernameTaken", err)
	}
	if _, err := id.RevokeInvitation(ctx, command.Service("test"), invited.UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := id.Invite(ctx, command.Service("test"), InviteUser{AccountID: account.PlatformRootID, Username: "TYPO", Email: "Typo@Example.test"}); err != nil {
		t.Fatalf("invitation after the revocation: %v", err)
	}
}

// TestLinksAreBoundToPurposeAndKey: a token opens only for its purpose and under its key.
func TestLinksAreBoundToPurposeAndKey(t *testing.T) {
	links, _ := NewLinks(bytes.Repeat([]byte("a"), 32))
	other, _ := NewLinks(bytes.Repeat([]byte("b"), 32))
	nonce, err := NewNonce()
	if err != nil {
		t.Fatal(err)
	}
	const user = "8a0c5a4e-1f39-4a53-a8b1-4d1b50d2c3a1"
	token, err := links.Token(PurposeInvitation, user, nonce)
	if err != nil {
		t.Fatal(err)
	}
	if gotUser, gotNonce, err := links.Open(PurposeInvitation, token); err != nil || gotUser != user || gotNonce != nonce {
		t.Fatalf("open = %s %s %v", gotUser, gotNonce, err)
	}
	for name, open := range map[string]func() error{
		"other purpose": func() error { _, _, err := links.Open(PurposePasswordReset, token); return err },
		"other key":     func() error { _, _, err := other.Open(PurposeInvitation, token); return err },
		"cut short":     func() error { _, _, err := links.Open(PurposeInvitation, token[:len(token)-2]); return err },
		"not base64":    func() error { _, _, err := links.Open(PurposeInvitation, "!!"+token); return err },
	} {
		if err := open(); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: %v, want ErrInvalidToken", name, err)
		}
	}
	if _, err := NewLinks([]byte("short")); err == nil {
		t.Error("a 5-byte key was accepted")
	}
}

// TestOrphanedReservationIsTakenOver: a username reserved by an invitation that never happened
// (the process died in between) is taken over once the hold is old enough, and not before.
func TestOrphanedReservationIsTakenOver(t *testing.T) {
	id, _ := newIdentityFixture(t)
	ctx := context.Background()
	ghost := "0d9d6f3c-5a55-4c58-9d0c-2f2f0e6f8b11"
	reserveFor(t, id, reserveUsername, "orphan", ghost)
	invite := InviteUser{AccountID: account.PlatformRootID, Username: "orphan", Email: "orphan@example.test"}
	if _, err := id.Invite(ctx, command.Service("test"), invite); !errors.Is(err, ErrUsernameTaken) {
		t.Fatalf("while the hold is fresh: %v, want ErrUsernameTaken", err)
	}
	id.orphanAfter = 0
	if err := id.CheckAvailable(ctx, "orphan", "orphan@example.test"); err != nil {
		t.Fatalf("an orphaned hold counts as free: %v", err)
	}
	invited, err := id.Invite(ctx, command.Service("test"), invite)
	if err != nil {
		t.Fatalf("after the hold is orphaned: %v", err)
	}
	if owner, held, _ := id.owner(ctx, reserveUsername, "orphan"); !held || owner != invited.UserID {
		t.Fatalf("username held by %q (%v), want the new user", owner, held)
	}
	// A real user's hold is never taken over, however old.
	if _, err := id.Invite(ctx, command.Service("test"), InviteUser{AccountID: account.PlatformRootID, Username: "orphan", Email: "x@example.test"}); !errors.Is(err, ErrUsernameTaken) {
		t.Fatalf("a live user's username: %v, want ErrUsernameTaken", err)
	}
}

// reserveFor reserves a value for an owner that never becomes a user, as a process that died
// between reserving and inviting would leave it.
func reserveFor(t *testing.T, id *Commands, kind, key, owner string) {
	t.Helper()
	ctx := context.Background()
	_, err := id.h.Transact(ctx, command.Service("test"), true, func(u *command.Unit) error {
		return id.reserve(ctx, u, kind, key, owner, account.PlatformRootID)
	})
	if err != nil {
		t.Fatal(err)
	}
}
