package identitycmd

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/user"
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
	// access.ErrUnauthenticated when there is none.
	Lookup(ctx context.Context, tokenDigest []byte, now time.Time, idle time.Duration) (Session, error)
	List(ctx context.Context, userID string, idle time.Duration) ([]Session, error)
	End(ctx context.Context, userID, sessionID string) (bool, error)
	// EndAll ends every session of a user except the one with ID except ("" for none).
	EndAll(ctx context.Context, userID, except string) error
}

// Member is what authentication needs of a session's user, read from the identity read model:
// their account, status ("" when the model does not know them) and the permissions their
// groups hold now.
type Member struct {
	AccountID   string
	Status      user.Status
	Permissions []group.Permission
}

// SessionMembers is a SessionStore that can also read the session's user as Members.Member
// would, in the same round trip: the session and the identity read model share a database, and
// every authenticated request pays for this lookup. Nothing is cached, so a sign-out, a disabled
// user or a group change applies on the next request. Authenticate uses it when the store has
// it, and Lookup then Members.Member otherwise.
type SessionMembers interface {
	LookupMember(ctx context.Context, tokenDigest []byte, now time.Time, idle time.Duration) (Session, Member, error)
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
