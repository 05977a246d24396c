package commands

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Session is a signed-in user's session. Its bearer token is handed out once at sign-in and
// stored only as a digest.
type Session struct {
	ID            string    `json:"id"`
	UserID        string    `json:"user_id"`
	AccountID     string    `json:"account_id"`
	CreatedAt     time.Time `json:"created_at"`
	LastSeenAt    time.Time `json:"last_seen_at"`
	IdleExpiresAt time.Time `json:"idle_expires_at"`
	ExpiresAt     time.Time `json:"expires_at"`
	UserAgent     string    `json:"user_agent,omitempty"`
	ClientAddress string    `json:"client_address,omitempty"`
}

// SessionStore keeps sessions; adapters/sessionstore implements it on PostgreSQL.
type SessionStore interface {
	Create(ctx context.Context, s Session, tokenDigest []byte) error
	// Lookup returns the live session of a token digest and marks it used at now;
	// ErrUnauthenticated when there is none.
	Lookup(ctx context.Context, tokenDigest []byte, now time.Time, idle time.Duration) (Session, error)
	List(ctx context.Context, userID string, idle time.Duration) ([]Session, error)
	End(ctx context.Context, userID, sessionID string) (bool, error)
	// EndAll ends every session of a user except the one with ID except ("" for none).
	EndAll(ctx context.Context, userID, except string) error
}

// newSessionToken returns a bearer token of 256 random bits and its digest.
func newSessionToken() (token string, digest []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("session token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, tokenDigest(token), nil
}

func tokenDigest(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// RateLimitedError answers a sign-in attempt made while too many recent ones failed.
type RateLimitedError struct {
	RetryAfter time.Duration
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("too many failed sign-ins; retry in %s", e.RetryAfter.Round(time.Second))
}

// ErrRateLimited is matched by every *RateLimitedError.
var ErrRateLimited = errors.New("rate limited")

func (e *RateLimitedError) Is(target error) bool { return target == ErrRateLimited }

// SignInLimiter limits failed sign-ins per username and per client address with token buckets:
// each failure takes a token, and an attempt is refused while either bucket is empty. Successful
// sign-ins take nothing. It is in memory: each instance limits on its own.
type SignInLimiter struct {
	mu        sync.Mutex
	byUser    map[string]*rate.Limiter
	byAddress map[string]*rate.Limiter
	user      limit
	address   limit
}

type limit struct {
	every time.Duration
	burst int
}

// NewSignInLimiter allows userBurst failures per username and addressBurst per client address,
// each refilling one every interval.
func NewSignInLimiter(userBurst, addressBurst int, interval time.Duration) *SignInLimiter {
	return &SignInLimiter{
		byUser: map[string]*rate.Limiter{}, byAddress: map[string]*rate.Limiter{},
		user: limit{interval, userBurst}, address: limit{interval, addressBurst},
	}
}

func (l *SignInLimiter) bucket(m map[string]*rate.Limiter, key string, lim limit, now time.Time) *rate.Limiter {
	b, ok := m[key]
	if !ok {
		if len(m) > 100_000 { // forget full buckets rather than grow without bound
			for k, v := range m {
				if v.TokensAt(now) >= float64(v.Burst()) {
					delete(m, k)
				}
			}
		}
		b = rate.NewLimiter(rate.Every(lim.every), lim.burst)
		m[key] = b
	}
	return b
}

// Check returns how long the caller must wait, or 0 if it may try now.
func (l *SignInLimiter) Check(username, address string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, b := range []*rate.Limiter{l.bucket(l.byUser, username, l.user, now), l.bucket(l.byAddress, address, l.address, now)} {
		if tokens := b.TokensAt(now); tokens < 1 {
			wait = max(wait, time.Duration((1-tokens)/float64(b.Limit())*float64(time.Second)))
		}
	}
	return wait
}

// Fail records a failed attempt.
func (l *SignInLimiter) Fail(username, address string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.bucket(l.byUser, username, l.user, now).AllowN(now, 1)
	l.bucket(l.byAddress, address, l.address, now).AllowN(now, 1)
}
