package sessionstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/adapters/sessionstore"
	"github.com/camcloud/accounts/identity/identitycmd"
	"github.com/camcloud/accounts/internal/pgtest"
)

func newStore(t *testing.T) *sessionstore.Store {
	pool := pgtest.NewPool(t)
	if err := sessionstore.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	return sessionstore.New(pool)
}

func session(userID string, now time.Time) identitycmd.Session {
	return identitycmd.Session{ID: uuid.NewString(), UserID: userID, AccountID: uuid.NewString(), CreatedAt: now, ExpiresAt: now.Add(12 * time.Hour)}
}

func TestLookupHonoursBothExpiries(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	user := uuid.NewString()
	idle := 30 * time.Minute
	sess := session(user, now)
	if err := s.Create(ctx, sess, []byte("digest-1")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"fresh", now.Add(time.Minute), true},
		{"used again within the idle time of the last use", now.Add(29 * time.Minute), true},
		{"idle too long since the last use", now.Add(29*time.Minute + idle + time.Second), false},
	}
	for _, c := range cases {
		got, err := s.Lookup(ctx, []byte("digest-1"), c.at, idle)
		if c.ok && (err != nil || got.ID != sess.ID || !got.IdleExpiresAt.Equal(c.at.Add(idle))) {
			t.Fatalf("%s: %+v, %v", c.name, got, err)
		}
		if !c.ok && !errors.Is(err, access.ErrUnauthenticated) {
			t.Fatalf("%s: %v, want ErrUnauthenticated", c.name, err)
		}
	}

	absolute := session(user, now)
	absolute.ExpiresAt = now.Add(time.Hour)
	if err := s.Create(ctx, absolute, []byte("digest-2")); err != nil {
		t.Fatal(err)
	}
	for at := now.Add(20 * time.Minute); at.Before(now.Add(time.Hour)); at = at.Add(20 * time.Minute) {
		if _, err := s.Lookup(ctx, []byte("digest-2"), at, idle); err != nil {
			t.Fatalf("active session at %v: %v", at.Sub(now), err)
		}
	}
	if _, err := s.Lookup(ctx, []byte("digest-2"), now.Add(time.Hour+time.Second), idle); !errors.Is(err, access.ErrUnauthenticated) {
		t.Fatalf("past the absolute expiry: %v", err)
	}
}

func TestEndOneAndAll(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := time.Now().UTC()
	user, other := uuid.NewString(), uuid.NewString()
	a, b, c := session(user, now), session(user, now), session(user, now)
	theirs := session(other, now)
	for i, sess := range []identitycmd.Session{a, b, c, theirs} {
		if err := s.Create(ctx, sess, []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if ended, err := s.End(ctx, user, theirs.ID); err != nil || ended {
		t.Fatalf("ending another user's session: ended %v, %v", ended, err)
	}
	if ended, err := s.End(ctx, user, a.ID); err != nil || !ended {
		t.Fatalf("end: %v, %v", ended, err)
	}
	if err := s.EndAll(ctx, user, b.ID); err != nil {
		t.Fatal(err)
	}
	left, err := s.List(ctx, user, time.Hour)
	if err != nil || len(left) != 1 || left[0].ID != b.ID {
		t.Fatalf("after ending all but b: %+v, %v", left, err)
	}
	if err := s.EndAll(ctx, user, ""); err != nil {
		t.Fatal(err)
	}
	if left, _ := s.List(ctx, user, time.Hour); len(left) != 0 {
		t.Fatalf("%d sessions left after ending all", len(left))
	}
	if theirs, _ := s.List(ctx, other, time.Hour); len(theirs) != 1 {
		t.Fatal("ending one user's sessions ended another's")
	}
}

// TestLookupWritesOnlyWhenTheLastUseIsStale: within half a minute of the recorded last use a
// lookup does not write; its idle expiry counts from the recorded use.
func TestLookupWritesOnlyWhenTheLastUseIsStale(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	idle := 30 * time.Minute
	sess := session(uuid.NewString(), now)
	if err := s.Create(ctx, sess, []byte("d")); err != nil {
		t.Fatal(err)
	}
	got, err := s.Lookup(ctx, []byte("d"), now.Add(10*time.Second), idle)
	if err != nil || !got.LastSeenAt.Equal(now) || !got.IdleExpiresAt.Equal(now.Add(idle)) {
		t.Fatalf("10 s later: last seen %v, idle expiry %v (%v); want them unmoved", got.LastSeenAt, got.IdleExpiresAt, err)
	}
	later := now.Add(time.Minute)
	if got, err = s.Lookup(ctx, []byte("d"), later, idle); err != nil || !got.LastSeenAt.Equal(later) {
		t.Fatalf("a minute later: last seen %v (%v), want %v", got.LastSeenAt, err, later)
	}
	if got, err = s.Lookup(ctx, []byte("d"), later.Add(time.Second), idle); err != nil || !got.LastSeenAt.Equal(later) {
		t.Fatalf("the stored last use is %v (%v), want %v", got.LastSeenAt, err, later)
	}
}
