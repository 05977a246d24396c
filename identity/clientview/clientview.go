// Package clientview is the service clients read model: their keys' digests, for
// authentication, and the listing of an account's clients.
package clientview

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/identity/client"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/internal/pgerr"
	"github.com/camcloud/accounts/projections"
)

//go:embed schema.sql
var schema string

// Name is the read model's name, also used by read-your-writes waits.
const Name = "clients"

// Projector maintains the service clients read model.
type Projector struct{}

var _ projections.Projector = Projector{}

func (Projector) Name() string { return Name }
func (Projector) Version() int { return 1 }

func (Projector) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, schema)
	return err
}

func (Projector) Drop(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `DROP TABLE IF EXISTS service_clients`)
	return err
}

func (Projector) Handles() []string { return projections.TypesOf(client.Created{}, client.Revoked{}) }

// Apply queues each event's statement and sends them in one round trip.
func (Projector) Apply(ctx context.Context, tx pgx.Tx, events []projections.Envelope) error {
	b := &pgx.Batch{}
	for _, env := range events {
		switch e := env.Event.(type) {
		case client.Created:
			b.Queue(`INSERT INTO service_clients (id, account_id, name, scopes, expires_at, secret_digest, revision, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, e.ClientID, e.AccountID, e.Name, e.Scopes, e.ExpiresAt, e.SecretDigest, int64(env.Revision), env.RecordedAt)
		case client.Revoked:
			b.Queue(`UPDATE service_clients SET revoked = true, revision = $2 WHERE id = $1`, e.ClientID, int64(env.Revision))
		default:
			return fmt.Errorf("clients read model: %s: event type unknown to this version", env.Type)
		}
	}
	return tx.SendBatch(ctx, b).Close()
}

// Client is a service client as the read model holds it (never its key).
type Client struct {
	ID        string     `json:"id"`
	AccountID string     `json:"account_id"`
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	Revoked   bool       `json:"revoked"`
	Revision  uint64     `json:"revision"`
	CreatedAt time.Time  `json:"created_at"`
}

// Queries reads the service clients read model.
type Queries struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewQueries returns the queries on pool.
func NewQueries(pool *pgxpool.Pool) *Queries { return &Queries{pool: pool, now: time.Now} }

// ClientKey returns what authenticating a client needs; usable is false once it is revoked or
// past its expiry (the clock decides, not a job). accountStatus is the effective status of the
// client's account (closed or suspended when it or one above it is), which the accounts read
// model in the same database answers (accountview.EffectiveStatusSQL).
func (q *Queries) ClientKey(ctx context.Context, clientID string) (accountID, digest string, scopes []string, usable bool, accountStatus account.Status, err error) {
	var expires *time.Time
	var revoked bool
	err = q.pool.QueryRow(ctx, `SELECT c.account_id::text, c.secret_digest, c.scopes, c.expires_at, c.revoked, `+accountview.EffectiveStatusSQL("c.account_id")+`
		FROM service_clients c WHERE c.id = $1`, clientID).
		Scan(&accountID, &digest, &scopes, &expires, &revoked, &accountStatus)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", nil, false, "", client.ErrNotFound
	}
	if err != nil {
		return "", "", nil, false, "", fmt.Errorf("service client %s: %w", clientID, pgerr.Classify(err))
	}
	usable = !revoked && (expires == nil || q.now().Before(*expires))
	return accountID, digest, scopes, usable, accountStatus, nil
}

// Reader answers the service client queries a principal asks, authorized first.
type Reader struct {
	q     *Queries
	authz *access.Authorizer
}

// NewReader returns the authorized queries over q.
func NewReader(q *Queries, authz *access.Authorizer) *Reader { return &Reader{q: q, authz: authz} }

// Clients lists an account's service clients by name (accounts.manage on it).
func (r *Reader) Clients(ctx context.Context, p access.Principal, accountID string) ([]Client, error) {
	if err := r.authz.Require(ctx, p, group.AccountsManage, accountID); err != nil {
		return nil, err
	}
	return r.q.clients(ctx, accountID)
}

func (q *Queries) clients(ctx context.Context, accountID string) ([]Client, error) {
	rows, err := q.pool.Query(ctx, `SELECT id::text, account_id::text, name, scopes, expires_at, revoked, revision, created_at
		FROM service_clients WHERE account_id = $1 ORDER BY name, id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("service clients of %s: %w", accountID, pgerr.Classify(err))
	}
	out := []Client{}
	for rows.Next() {
		var c Client
		var rev int64
		if err := rows.Scan(&c.ID, &c.AccountID, &c.Name, &c.Scopes, &c.ExpiresAt, &c.Revoked, &rev, &c.CreatedAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("service clients of %s: %w", accountID, pgerr.Classify(err))
		}
		c.Revision = uint64(rev)
		out = append(out, c)
	}
	return out, rows.Err()
}
