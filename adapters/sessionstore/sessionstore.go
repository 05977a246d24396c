// Package sessionstore keeps sign-in sessions in PostgreSQL. Only a SHA-256 digest of each bearer
// token is stored, so a copy of the table signs nobody in.
package sessionstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/identity/identitycmd"
	"github.com/camcloud/accounts/identity/identityview"
	"github.com/camcloud/accounts/internal/pgerr"
	"github.com/camcloud/accounts/internal/pgmigrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the PostgreSQL session store.
type Store struct {
	pool         *pgxpool.Pool
	lookupMember string // lookupMemberSQL
}

var (
	_ identitycmd.SessionStore   = (*Store)(nil)
	_ identitycmd.SessionMembers = (*Store)(nil)
)

// New returns a store on pool; call Migrate first.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool, lookupMember: lookupMemberSQL()} }

// Migrate creates or updates the sessions table.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	return pgmigrate.Up(ctx, pool, sub, "sessions_schema_version")
}

func (s *Store) Create(ctx context.Context, sess identitycmd.Session, digest []byte) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO sessions (id, token_digest, user_id, account_id, created_at, last_seen_at, expires_at, user_agent, client_address)
		VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)`,
		sess.ID, digest, sess.UserID, sess.AccountID, sess.CreatedAt, sess.ExpiresAt, sess.UserAgent, sess.ClientAddress)
	if err != nil {
		return fmt.Errorf("create session: %w", pgerr.Classify(err))
	}
	return nil
}

// touchEvery is how stale a session's last use may be recorded: most requests then read the
// session without writing it, and its idle expiry is exact to within this much.
const touchEvery = 30 * time.Second

// Lookup finds the live session of a token digest and records that it was used now. A session
// idle for longer than idle, or past its absolute expiry, is deleted and not found.
func (s *Store) Lookup(ctx context.Context, digest []byte, now time.Time, idle time.Duration) (identitycmd.Session, error) {
	var sess identitycmd.Session
	err := s.pool.QueryRow(ctx, selectSession+`WHERE token_digest = $1`, digest).
		Scan(&sess.ID, &sess.UserID, &sess.AccountID, &sess.CreatedAt, &sess.LastSeenAt, &sess.ExpiresAt, &sess.UserAgent, &sess.ClientAddress)
	if err := s.live(ctx, &sess, err, now, idle); err != nil {
		return identitycmd.Session{}, err
	}
	return sess, nil
}

// lookupMemberSQL is Lookup's query joined to the identity read model's member query (same database), so
// that authenticating a request costs one round trip. The member's columns are NULL when the read
// model does not know the user (status "": not authenticated).
func lookupMemberSQL() string {
	return `SELECT s.id::text, s.user_id::text, s.account_id::text, s.created_at, s.last_seen_at, s.expires_at, s.user_agent, s.client_address,
		coalesce(m.account_id, ''), coalesce(m.status, ''), coalesce(m.permissions, '{}')
	FROM sessions s LEFT JOIN LATERAL (` + identityview.MemberSQL("s.user_id", 2) + `) m ON true
	WHERE s.token_digest = $1`
}

// LookupMember is Lookup, and reads the session's user as identityview.Queries.Member does, in the
// same statement. Nothing of it is cached: a sign-out, a disabled user or a group change applies
// on the next request.
func (s *Store) LookupMember(ctx context.Context, digest []byte, now time.Time, idle time.Duration) (identitycmd.Session, identitycmd.Member, error) {
	var (
		sess  identitycmd.Session
		m     identitycmd.Member
		perms []string
	)
	err := s.pool.QueryRow(ctx, s.lookupMember, digest, identityview.AdministratorPermissions()).
		Scan(&sess.ID, &sess.UserID, &sess.AccountID, &sess.CreatedAt, &sess.LastSeenAt, &sess.ExpiresAt, &sess.UserAgent, &sess.ClientAddress,
			&m.AccountID, &m.Status, &perms)
	if err := s.live(ctx, &sess, err, now, idle); err != nil {
		return identitycmd.Session{}, identitycmd.Member{}, err
	}
	m.Permissions = identityview.Permissions(perms)
	return sess, m, nil
}

const selectSession = `SELECT id::text, user_id::text, account_id::text, created_at, last_seen_at, expires_at, user_agent, client_address FROM sessions `

// live checks a session just read (err is the read's): it is not found when there was none or
// when it expired (then it is deleted), and its last use is recorded at now when the recorded one
// is touchEvery old.
func (s *Store) live(ctx context.Context, sess *identitycmd.Session, err error, now time.Time, idle time.Duration) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return access.ErrUnauthenticated
	}
	if err != nil {
		return fmt.Errorf("look up session: %w", pgerr.Classify(err))
	}
	if !now.Before(sess.ExpiresAt) || !now.Before(sess.LastSeenAt.Add(idle)) {
		if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, sess.ID); err != nil {
			return fmt.Errorf("end expired session: %w", pgerr.Classify(err))
		}
		return access.ErrUnauthenticated
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		// A session ended meanwhile stays ended: the update then finds no row, which is fine.
		if _, err := s.pool.Exec(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2`, sess.ID, now); err != nil {
			return fmt.Errorf("touch session: %w", pgerr.Classify(err))
		}
		sess.LastSeenAt = now
	}
	sess.IdleExpiresAt = sess.LastSeenAt.Add(idle)
	return nil
}

func (s *Store) List(ctx context.Context, userID string, idle time.Duration) ([]identitycmd.Session, error) {
	rows, err := s.pool.Query(ctx, `SELECT id::text, user_id::text, account_id::text, created_at, last_seen_at, expires_at, user_agent, client_address
		FROM sessions WHERE user_id = $1 AND expires_at > now() AND last_seen_at > now() - $2 * interval '1 second' ORDER BY created_at`, userID, idle.Seconds())
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", pgerr.Classify(err))
	}
	var out []identitycmd.Session
	var sess identitycmd.Session
	_, err = pgx.ForEachRow(rows, []any{&sess.ID, &sess.UserID, &sess.AccountID, &sess.CreatedAt, &sess.LastSeenAt, &sess.ExpiresAt, &sess.UserAgent, &sess.ClientAddress}, func() error {
		sess.IdleExpiresAt = sess.LastSeenAt.Add(idle)
		out = append(out, sess)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", pgerr.Classify(err))
	}
	return out, nil
}

func (s *Store) End(ctx context.Context, userID, sessionID string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id::text = $2`, userID, sessionID)
	if err != nil {
		return false, fmt.Errorf("end session: %w", pgerr.Classify(err))
	}
	return tag.RowsAffected() > 0, nil
}

func (s *Store) EndAll(ctx context.Context, userID, except string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id::text <> $2`, userID, except)
	if err != nil {
		return fmt.Errorf("end sessions: %w", pgerr.Classify(err))
	}
	return nil
}

// Sweep deletes expired sessions.
func (s *Store) Sweep(ctx context.Context, now time.Time, idle time.Duration) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $1 - $2 * interval '1 second'`, now, idle.Seconds())
	if err != nil {
		return fmt.Errorf("sweep sessions: %w", pgerr.Classify(err))
	}
	return nil
}
