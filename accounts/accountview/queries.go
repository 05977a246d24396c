package accountview

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/internal/pgerr"
	"github.com/camcloud/accounts/projections"
)

// ErrNotFound is returned for an account the read model does not have.
var ErrNotFound = fault.New(fault.NotFound, "account not found")

// ErrInvalidCursor is returned for a page cursor this service did not make.
var ErrInvalidCursor = projections.ErrInvalidCursor

// Account is an account as the read model holds it.
type Account struct {
	ID               string                   `json:"id"`
	ParentID         string                   `json:"parent_id,omitempty"`
	Kind             account.Kind             `json:"kind"`
	Name             string                   `json:"name"`
	Address          account.Address          `json:"address"`
	RegistrationCode account.RegistrationCode `json:"registration_code,omitempty"` // left out for a support agent (Reader.Account)
	// Status is the account's own status; EffectiveStatus is closed when it or an ancestor is
	// closed, else suspended when it or an ancestor is suspended, else active.
	Status          account.Status `json:"status"`
	EffectiveStatus account.Status `json:"effective_status"`
	Revision        uint64         `json:"revision"`
	CreatedAt       time.Time      `json:"created_at"`
	UpdatedAt       time.Time      `json:"updated_at"`
}

// Queries reads the accounts read model.
type Queries struct {
	pool *pgxpool.Pool
}

// NewQueries returns the queries on pool.
func NewQueries(pool *pgxpool.Pool) *Queries { return &Queries{pool: pool} }

// EffectiveStatusSQL returns a scalar SQL expression for the effective status of the account
// whose ID is the SQL expression accountID (a uuid): 'closed' when the account or any ancestor is
// closed, else 'suspended' when the account or any ancestor is suspended, else 'active' (also for
// an account the model does not have). It is one index scan of account_tree's
// (descendant_id, depth) and a primary-key probe per ancestor. It is exported so that read-model
// queries in the same database (the identity model's member query, which authentication runs)
// embed it, while the SQL over this model's tables stays here.
func EffectiveStatusSQL(accountID string) string {
	return `(SELECT CASE WHEN bool_or(es_a.status = 'closed') THEN 'closed' WHEN bool_or(es_a.status = 'suspended') THEN 'suspended' ELSE 'active' END
		FROM account_tree es_t JOIN accounts es_a ON es_a.id = es_t.ancestor_id WHERE es_t.descendant_id = ` + accountID + `)`
}

// EffectivelyActiveSQL returns an SQL condition that holds when the account whose ID is the SQL
// expression accountID is effectively active: neither it nor any ancestor is suspended or closed.
// It holds for an account the model does not have.
func EffectivelyActiveSQL(accountID string) string {
	return `NOT EXISTS (SELECT 1 FROM account_tree ea_t JOIN accounts ea_a ON ea_a.id = ea_t.ancestor_id
		WHERE ea_t.descendant_id = ` + accountID + ` AND ea_a.status <> 'active')`
}

var selectAccount = `SELECT id::text, coalesce(parent_id::text, ''), kind, name, address, registration_code, status, ` +
	EffectiveStatusSQL("accounts.id") + `, revision, created_at, updated_at FROM accounts `

// Get returns one account.
func (q *Queries) Get(ctx context.Context, id string) (Account, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Account{}, ErrNotFound
	}
	return q.one(ctx, selectAccount+`WHERE id = $1`, id)
}

// GetWithin returns one account if it is ancestor or below it, else ErrNotFound: the scope check
// and the read in one statement, for a GET that is answered on every page view.
func (q *Queries) GetWithin(ctx context.Context, ancestor, id string) (Account, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Account{}, ErrNotFound
	}
	return q.one(ctx, selectAccount+`WHERE id = $1 AND EXISTS (SELECT 1 FROM account_tree WHERE ancestor_id = $2 AND descendant_id = $1)`, id, ancestor)
}

// ByRegistrationCode returns the account a registration code currently resolves to. The code of
// an effectively closed account (it or an ancestor is closed) resolves to none.
func (q *Queries) ByRegistrationCode(ctx context.Context, code account.RegistrationCode) (Account, error) {
	return q.one(ctx, selectAccount+`WHERE registration_code = $1 AND `+EffectiveStatusSQL("accounts.id")+` <> 'closed'`, string(code))
}

// EffectiveStatus returns an account's effective status (see EffectiveStatusSQL), or ErrNotFound.
func (q *Queries) EffectiveStatus(ctx context.Context, id string) (account.Status, error) {
	if _, err := uuid.Parse(id); err != nil {
		return "", ErrNotFound
	}
	var status account.Status
	err := q.pool.QueryRow(ctx, `SELECT `+EffectiveStatusSQL("accounts.id")+` FROM accounts WHERE id = $1`, id).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("effective status of %s: %w", id, pgerr.Classify(err))
	}
	return status, nil
}

// IsWithin reports whether account is ancestor itself or somewhere below it.
func (q *Queries) IsWithin(ctx context.Context, ancestor, id string) (bool, error) {
	if _, err := uuid.Parse(id); err != nil {
		return false, nil
	}
	var within bool
	err := q.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM account_tree WHERE ancestor_id = $1 AND descendant_id = $2)`, ancestor, id).Scan(&within)
	if err != nil {
		return false, fmt.Errorf("is %s within %s: %w", id, ancestor, pgerr.Classify(err))
	}
	return within, nil
}

// Subtree returns an account and every account below it, shallowest first.
func (q *Queries) Subtree(ctx context.Context, id string) ([]Account, error) {
	return q.many(ctx, `SELECT a.id::text, coalesce(a.parent_id::text, ''), a.kind, a.name, a.address, a.registration_code, a.status, `+
		EffectiveStatusSQL("a.id")+`, a.revision, a.created_at, a.updated_at
		FROM account_tree t JOIN accounts a ON a.id = t.descendant_id
		WHERE t.ancestor_id = $1 ORDER BY t.depth, a.name, a.id`, id)
}

// Page is one page of a listing; Next is empty on the last page.
type Page struct {
	Accounts []Account `json:"items"`
	Next     string    `json:"next_cursor,omitempty"`
}

// Children lists an account's direct children by name, limit at a time, after the position
// an earlier page's Next cursor names (empty for the first page).
func (q *Queries) Children(ctx context.Context, parentID, after string, limit int) (Page, error) {
	var c projections.Cursor
	if after != "" {
		var err error
		if c, err = projections.DecodeCursor(after); err != nil {
			return Page{}, err
		}
	}
	// Qualified names: a bare "id" in ORDER BY would be the output column id::text, which no
	// index holds, and every call would sort all the children. The uuid order is the one the
	// index (parent_id, name, id) gives and the cursor compares with. The first page has a query
	// of its own, so that the keyset condition of the others is an index bound in every plan.
	const order = ` ORDER BY accounts.name, accounts.id LIMIT $2`
	sql, args := selectAccount+`WHERE accounts.parent_id = $1`+order, []any{parentID, limit + 1}
	if after != "" {
		sql = selectAccount + `WHERE accounts.parent_id = $1 AND (accounts.name, accounts.id) > ($3, $4::uuid)` + order
		args = append(args, c.Name, c.ID)
	}
	rows, err := q.many(ctx, sql, args...)
	if err != nil {
		return Page{}, err
	}
	page := Page{Accounts: rows}
	if len(rows) > limit {
		page.Accounts = rows[:limit]
		last := rows[limit-1]
		page.Next = projections.Cursor{Name: last.Name, ID: last.ID}.Encode()
	}
	if page.Accounts == nil {
		page.Accounts = []Account{}
	}
	return page, nil
}

func (q *Queries) one(ctx context.Context, sql string, args ...any) (Account, error) {
	rows, err := q.many(ctx, sql, args...)
	if err != nil {
		return Account{}, err
	}
	if len(rows) == 0 {
		return Account{}, ErrNotFound
	}
	return rows[0], nil
}

func (q *Queries) many(ctx context.Context, sql string, args ...any) ([]Account, error) {
	rows, err := q.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("query accounts: %w", pgerr.Classify(err))
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		var a Account
		if err := scanAccount(rows, &a); err != nil {
			return nil, fmt.Errorf("query accounts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query accounts: %w", pgerr.Classify(err))
	}
	return out, nil
}

// scanAccount reads a row of selectAccount's columns, and then the extra ones.
func scanAccount(rows pgx.Rows, a *Account, extra ...any) error {
	var (
		address  []byte
		revision int64
	)
	dest := append([]any{&a.ID, &a.ParentID, &a.Kind, &a.Name, &address, &a.RegistrationCode, &a.Status, &a.EffectiveStatus, &revision, &a.CreatedAt, &a.UpdatedAt}, extra...)
	if err := rows.Scan(dest...); err != nil {
		return pgerr.Classify(err)
	}
	a.Revision = uint64(revision)
	if err := json.Unmarshal(address, &a.Address); err != nil {
		return fmt.Errorf("decode address of %s: %w", a.ID, err)
	}
	return nil
}

// SupportStaff reports whether an account holds the platform's own staff: it is the platform
// root or a support team (support agents are their users with support.act).
func (q *Queries) SupportStaff(ctx context.Context, id string) (bool, error) {
	a, err := q.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return a.ParentID == "" || a.Kind == account.KindSupportTeam, nil
}
