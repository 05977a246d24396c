// Package supportview is the support access read model: every account's grants, what support
// agents changed under each (the events whose metadata names a grant), and what the expiry job
// finds to record.
package supportview

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/internal/pgerr"
	"github.com/camcloud/accounts/projections"
	"github.com/camcloud/accounts/recorders/itemtree"
	"github.com/camcloud/accounts/recorders/recorder"
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
func (Projector) Version() int { return 2 }

func (Projector) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, schema)
	return err
}

func (Projector) Drop(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `DROP TABLE IF EXISTS support_grants, support_activity`)
	return err
}

// Handles the grants' events, and every event of the contexts agents act in (the recorders and
// the item tree), to record those appended under a grant.
func (Projector) Handles() []string {
	types := projections.TypesOf(grant.Created{}, grant.Revoked{}, grant.Expired{})
	for _, e := range recorder.Events() {
		types = append(types, e.EventType())
	}
	for _, e := range itemtree.Events() {
		types = append(types, e.EventType())
	}
	return types
}

// subject is what an event concerns, by the names every context's events give their IDs.
type subject struct {
	CameraID   string   `json:"camera_id"`
	CameraIDs  []string `json:"camera_ids"`
	FolderID   string   `json:"folder_id"`
	RecorderID string   `json:"recorder_id"`
}

// activity queues the row of an event an agent appended under a grant.
func activity(b *pgx.Batch, env projections.Envelope) error {
	raw, err := json.Marshal(env.Event)
	if err != nil {
		return fmt.Errorf("support activity: %s: %w", env.Type, err)
	}
	var s subject
	if err := json.Unmarshal(raw, &s); err != nil {
		return fmt.Errorf("support activity: %s: %w", env.Type, err)
	}
	items := s.CameraIDs
	switch {
	case items != nil:
	case s.CameraID != "":
		items = []string{s.CameraID}
	case s.FolderID != "":
		items = []string{s.FolderID}
	default:
		items = []string{}
	}
	var rec *string
	if s.RecorderID != "" {
		rec = &s.RecorderID
	}
	agent := strings.TrimPrefix(env.Metadata.Actor, string(access.SupportAgent)+":")
	b.Queue(`INSERT INTO support_activity (event_id, grant_id, account_id, agent, event_type, item_ids, recorder_id, request_id, commit_position, prepare_position, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (event_id) DO NOTHING`,
		env.ID, env.Metadata.SupportGrant, env.Metadata.AccountID, agent, env.Type, items, rec, env.Metadata.CorrelationID,
		int64(env.Position.Commit), int64(env.Position.Prepare), env.RecordedAt)
	return nil
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
		case nil:
			return fmt.Errorf("support read model: %s: event type unknown to this version", env.Type)
		default: // a recorder or item tree event
			if env.Metadata.SupportGrant == "" {
				continue
			}
			if err := activity(b, env); err != nil {
				return err
			}
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
	AccountName   string     `json:"account_name,omitempty"` // in the agents' listing
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

// Activity is one change a support agent made under a grant.
type Activity struct {
	EventID   string    `json:"event_id"`
	AgentID   string    `json:"agent_id"`
	AgentName string    `json:"agent_name,omitempty"`
	At        time.Time `json:"at"`
	// EventType says what changed ("folder.renamed.v1"); ItemIDs on which folders or cameras,
	// ItemPaths where they stand now ("" for one gone since).
	EventType  string   `json:"event_type"`
	ItemIDs    []string `json:"item_ids"`
	ItemPaths  []string `json:"item_paths"`
	RecorderID string   `json:"recorder_id,omitempty"`
	RequestID  string   `json:"request_id"`
}

// ActivityPage is a page of a grant's activity, newest first.
type ActivityPage struct {
	Items []Activity `json:"items"`
	Next  string     `json:"next_cursor,omitempty"`
}

// Activity lists what agents changed under a grant, newest first, limit at a time after the
// position an earlier page's Next cursor names.
func (q *Queries) Activity(ctx context.Context, grantID, after string, limit int) (ActivityPage, error) {
	sql := `SELECT a.event_id::text, a.agent, coalesce(u.username, ''), a.at, a.event_type, a.item_ids::text[],
			ARRAY(SELECT coalesce(i.path, '') FROM unnest(a.item_ids) WITH ORDINALITY AS x(id, n) LEFT JOIN items i ON i.id = x.id ORDER BY x.n),
			coalesce(a.recorder_id::text, ''), a.request_id, a.commit_position, a.prepare_position
		FROM support_activity a LEFT JOIN identity_users u ON u.id::text = a.agent
		WHERE a.grant_id = $1`
	args := []any{grantID, limit + 1}
	if after != "" {
		c, err := projections.DecodeCursor(after)
		if err != nil {
			return ActivityPage{}, err
		}
		var commit, prepare int64
		if n, err := fmt.Sscanf(c.Name, "%d/%d", &commit, &prepare); err != nil || n != 2 {
			return ActivityPage{}, projections.ErrInvalidCursor
		}
		args = append(args, commit, prepare)
		sql += ` AND (a.commit_position, a.prepare_position) < ($3, $4)`
	}
	rows, err := q.pool.Query(ctx, sql+` ORDER BY a.commit_position DESC, a.prepare_position DESC LIMIT $2`, args...)
	if err != nil {
		return ActivityPage{}, fmt.Errorf("activity of grant %s: %w", grantID, pgerr.Classify(err))
	}
	defer rows.Close()
	page := ActivityPage{Items: []Activity{}}
	var commit, prepare int64
	var next string
	for rows.Next() {
		var a Activity
		if err := rows.Scan(&a.EventID, &a.AgentID, &a.AgentName, &a.At, &a.EventType, &a.ItemIDs, &a.ItemPaths, &a.RecorderID, &a.RequestID, &commit, &prepare); err != nil {
			return ActivityPage{}, fmt.Errorf("activity of grant %s: %w", grantID, pgerr.Classify(err))
		}
		if len(page.Items) == limit { // one more than the page: the page's last row is the cursor
			page.Next = next
			break
		}
		page.Items = append(page.Items, a)
		next = projections.Cursor{Name: fmt.Sprintf("%d/%d", commit, prepare), ID: a.EventID}.Encode()
	}
	if err := rows.Err(); err != nil {
		return ActivityPage{}, fmt.Errorf("activity of grant %s: %w", grantID, pgerr.Classify(err))
	}
	return page, nil
}

// LiveGrants lists every grant active now, newest first: the grants that cover support agents.
func (q *Queries) LiveGrants(ctx context.Context) ([]Grant, error) {
	rows, err := q.pool.Query(ctx, `SELECT g.id::text, g.account_id::text, coalesce(a.name, ''), g.items::text[], g.ends_at, g.note, g.granted_by,
			coalesce(u.username, ''), g.granted_at, g.revision
		FROM support_grants g LEFT JOIN accounts a ON a.id = g.account_id LEFT JOIN identity_users u ON u.id::text = g.granted_by
		WHERE g.revoked_at IS NULL AND (g.ends_at IS NULL OR g.ends_at > $1) ORDER BY g.granted_at DESC, g.id`, q.now())
	if err != nil {
		return nil, fmt.Errorf("live grants: %w", pgerr.Classify(err))
	}
	defer rows.Close()
	out := []Grant{}
	for rows.Next() {
		var g Grant
		var rev int64
		if err := rows.Scan(&g.ID, &g.AccountID, &g.AccountName, &g.ItemIDs, &g.EndsAt, &g.Note, &g.GrantedBy, &g.GrantedByName, &g.GrantedAt, &rev); err != nil {
			return nil, fmt.Errorf("live grants: %w", pgerr.Classify(err))
		}
		g.Revision, g.WholeAccount, g.Status = uint64(rev), len(g.ItemIDs) == 0, "active"
		out = append(out, g)
	}
	return out, rows.Err()
}

// AccountOf returns the account of a grant.
func (q *Queries) AccountOf(ctx context.Context, grantID string) (string, error) {
	if _, err := uuid.Parse(grantID); err != nil {
		return "", grant.ErrNotFound
	}
	var account string
	err := q.pool.QueryRow(ctx, `SELECT account_id::text FROM support_grants WHERE id = $1`, grantID).Scan(&account)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", grant.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("grant %s: %w", grantID, pgerr.Classify(err))
	}
	return account, nil
}

// Agents tells whether a principal is a support agent (supportcmd.Commands).
type Agents interface {
	IsAgent(ctx context.Context, p access.Principal) error
}

// Reader answers the support access queries a principal asks, authorized first.
type Reader struct {
	q      *Queries
	authz  *access.Authorizer
	agents Agents
}

// NewReader returns the authorized queries over q.
func NewReader(q *Queries, authz *access.Authorizer, agents Agents) *Reader {
	return &Reader{q: q, authz: authz, agents: agents}
}

// LiveGrants lists the grants a support agent may act under: every active one.
func (r *Reader) LiveGrants(ctx context.Context, p access.Principal) ([]Grant, error) {
	if err := r.agents.IsAgent(ctx, p); err != nil {
		return nil, err
	}
	return r.q.LiveGrants(ctx)
}

// Activity lists what support agents changed under a grant, to a user with support.manage on
// its account.
func (r *Reader) Activity(ctx context.Context, p access.Principal, grantID, after string, limit int) (ActivityPage, error) {
	account, err := r.q.AccountOf(ctx, grantID)
	if err != nil {
		return ActivityPage{}, err
	}
	if err := access.OutOfScopeAs(r.authz.Require(ctx, p, group.SupportManage, account), grant.ErrNotFound); err != nil {
		return ActivityPage{}, err
	}
	return r.q.Activity(ctx, grantID, after, limit)
}

// Grants lists an account's grants to a user with support.manage on it.
func (r *Reader) Grants(ctx context.Context, p access.Principal, accountID string) ([]Grant, error) {
	if err := r.authz.Require(ctx, p, group.SupportManage, accountID); err != nil {
		return nil, err
	}
	return r.q.Grants(ctx, accountID)
}
