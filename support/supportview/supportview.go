// Package supportview is the support access read model: every account's grants, and what the
// expiry job finds to record.
package supportview

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/internal/pgerr"
	"github.com/camcloud/accounts/projections"
	"github.com/camcloud/accounts/support/grant"
)

//go:embed schema.sql
var schema string

// Name is the read model's name, also used by read-your-writes waits.
const Name = "support"

// Projector maintains the support access read model.
type Projector struct{}

var _ projections.Projector = Projector{}

func (Projector) Name() string { return Name }
func (Projector) Version() int { return 1 }

func (Projector) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, schema)
	return err
}

func (Projector) Drop(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `DROP TABLE IF EXISTS support_grants`)
	return err
}

func (Projector) Handles() []string {
	return projections.TypesOf(grant.Created{}, grant.Revoked{}, grant.Expired{})
}

// Apply queues each event's statement and sends them in one round trip.
func (Projector) Apply(ctx context.Context, tx pgx.Tx, events []projections.Envelope) error {
	b := &pgx.Batch{}
	for _, env := range events {
		rev := int64(env.Revision)
		switch e := env.Event.(type) {
		case grant.Created:
			items := e.Items
			if items == nil {
				items = []string{}
			}
			b.Queue(`INSERT INTO support_grants (id, account_id, items, ends_at, note, granted_by, granted_at, revision)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, e.GrantID, e.AccountID, items, e.EndsAt, e.Note, e.GrantedBy, env.RecordedAt, rev)
		case grant.Revoked:
			b.Queue(`UPDATE support_grants SET revoked_at = $2, revision = $3 WHERE id = $1`, e.GrantID, env.RecordedAt, rev)
		case grant.Expired:
			b.Queue(`UPDATE support_grants SET expired_at = $2, revision = $3 WHERE id = $1`, e.GrantID, e.At, rev)
		default:
			return fmt.Errorf("support read model: %s: event type unknown to this version", env.Type)
		}
	}
	return tx.SendBatch(ctx, b).Close()
}

// Grant is a grant as the read model holds it, with its status now.
type Grant struct {
	ID            string     `json:"id"`
	AccountID     string     `json:"account_id"`
	WholeAccount  bool       `json:"whole_account"`
	ItemIDs       []string   `json:"item_ids"`
	EndsAt        *time.Time `json:"ends_at"` // null: permanent
	Note          string     `json:"note"`
	GrantedBy     string     `json:"granted_by"` // the user's ID
	GrantedByName string     `json:"granted_by_name,omitempty"`
	GrantedAt     time.Time  `json:"granted_at"`
	// Status is active, expired (its end passed, by the clock) or revoked.
	Status    string     `json:"status"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	Revision  uint64     `json:"revision"`
}

// Queries reads the support access read model.
type Queries struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewQueries returns the queries on pool.
func NewQueries(pool *pgxpool.Pool) *Queries { return &Queries{pool: pool, now: time.Now} }

// Grants lists an account's grants, newest first: active, expired and revoked. Who granted is
// named from the identity read model (same database), when it knows them.
func (q *Queries) Grants(ctx context.Context, accountID string) ([]Grant, error) {
	rows, err := q.pool.Query(ctx, `SELECT g.id::text, g.account_id::text, g.items::text[], g.ends_at, g.note, g.granted_by,
			coalesce(u.username, ''), g.granted_at, g.revoked_at, g.revision
		FROM support_grants g LEFT JOIN identity_users u ON u.id::text = g.granted_by
		WHERE g.account_id = $1 ORDER BY g.granted_at DESC, g.id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("grants of %s: %w", accountID, pgerr.Classify(err))
	}
	defer rows.Close()
	now := q.now()
	out := []Grant{}
	for rows.Next() {
		var g Grant
		var rev int64
		if err := rows.Scan(&g.ID, &g.AccountID, &g.ItemIDs, &g.EndsAt, &g.Note, &g.GrantedBy, &g.GrantedByName, &g.GrantedAt, &g.RevokedAt, &rev); err != nil {
			return nil, fmt.Errorf("grants of %s: %w", accountID, pgerr.Classify(err))
		}
		g.Revision, g.WholeAccount = uint64(rev), len(g.ItemIDs) == 0
		switch {
		case g.RevokedAt != nil:
			g.Status = "revoked"
		case g.EndsAt != nil && !now.Before(*g.EndsAt):
			g.Status = "expired"
		default:
			g.Status = "active"
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// Ended lists the grants past their end whose expiry is not recorded yet (the expiry job's work).
func (q *Queries) Ended(ctx context.Context) ([]string, error) {
	rows, err := q.pool.Query(ctx, `SELECT id::text FROM support_grants WHERE revoked_at IS NULL AND expired_at IS NULL AND ends_at <= $1`, q.now())
	if err != nil {
		return nil, fmt.Errorf("ended grants: %w", pgerr.Classify(err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("ended grants: %w", pgerr.Classify(err))
	}
	return ids, nil
}

// Reader answers the support access queries a principal asks, authorized first.
type Reader struct {
	q     *Queries
	authz *access.Authorizer
}

// NewReader returns the authorized queries over q.
func NewReader(q *Queries, authz *access.Authorizer) *Reader { return &Reader{q: q, authz: authz} }

// Grants lists an account's grants to a user with support.manage on it.
func (r *Reader) Grants(ctx context.Context, p access.Principal, accountID string) ([]Grant, error) {
	if err := r.authz.Require(ctx, p, group.SupportManage, accountID); err != nil {
		return nil, err
	}
	return r.q.Grants(ctx, accountID)
}
