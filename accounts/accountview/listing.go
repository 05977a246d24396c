package accountview

import (
	"context"
	"fmt"
	"strings"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/internal/pgerr"
	"github.com/camcloud/accounts/projections"
)

// Filter narrows a listing of the accounts below an account.
type Filter struct {
	// Name keeps the accounts whose name starts with it, whatever the case.
	Name string
	Kind account.Kind
	// Status keeps the accounts of this effective status.
	Status account.Status
}

// Listed is an account in a listing of the accounts below another: with its path from the
// account listed below (its name first) and what other contexts count for it.
type Listed struct {
	Account
	Path   string         `json:"path"`
	Counts map[string]int `json:"counts"`
}

// Listing is one page of a listing; Next is empty on the last page.
type Listing struct {
	Accounts []Listed `json:"items"`
	Next     string   `json:"next_cursor,omitempty"`
}

// Census counts what a context holds for each account of a listing (users, recorders,
// cameras...): each context's read model implements it, and the wiring lists them.
type Census interface {
	Count(ctx context.Context, accountIDs []string) (map[string]map[string]int, error)
}

// Descendants lists the accounts below root, at any depth, by name, limit at a time after the
// cursor an earlier page's Next gave. Each has its path from root ("Acme / Acme North /
// Corner Shop"): never the names above root, which its reader may not see.
func (q *Queries) Descendants(ctx context.Context, root string, f Filter, after string, limit int) (Listing, error) {
	sql := `SELECT a.id::text, coalesce(a.parent_id::text, ''), a.kind, a.name, a.address, a.registration_code, a.status, ` +
		EffectiveStatusSQL("a.id") + `, a.revision, a.created_at, a.updated_at,
		(SELECT string_agg(p.name, ' / ' ORDER BY pt.depth DESC)
			FROM account_tree pt JOIN accounts p ON p.id = pt.ancestor_id
			WHERE pt.descendant_id = a.id AND pt.depth <= t.depth)
		FROM account_tree t JOIN accounts a ON a.id = t.descendant_id
		WHERE t.ancestor_id = $1 AND t.depth > 0`
	args := []any{root, limit + 1}
	if f.Name != "" {
		args = append(args, likePrefix(strings.ToLower(f.Name)))
		sql += fmt.Sprintf(` AND lower(a.name) LIKE $%d`, len(args))
	}
	if f.Kind != "" {
		args = append(args, string(f.Kind))
		sql += fmt.Sprintf(` AND a.kind = $%d`, len(args))
	}
	if f.Status != "" {
		args = append(args, string(f.Status))
		sql += fmt.Sprintf(` AND %s = $%d`, EffectiveStatusSQL("a.id"), len(args))
	}
	if after != "" {
		c, err := projections.DecodeCursor(after)
		if err != nil {
			return Listing{}, err
		}
		args = append(args, c.Name, c.ID)
		sql += fmt.Sprintf(` AND (a.name, a.id) > ($%d, $%d::uuid)`, len(args)-1, len(args))
	}
	rows, err := q.pool.Query(ctx, sql+` ORDER BY a.name, a.id LIMIT $2`, args...)
	if err != nil {
		return Listing{}, fmt.Errorf("accounts below %s: %w", root, pgerr.Classify(err))
	}
	var out []Listed
	for rows.Next() {
		var l Listed
		if err := scanAccount(rows, &l.Account, &l.Path); err != nil {
			rows.Close()
			return Listing{}, fmt.Errorf("accounts below %s: %w", root, err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return Listing{}, fmt.Errorf("accounts below %s: %w", root, pgerr.Classify(err))
	}
	page := Listing{Accounts: out}
	if page.Accounts == nil {
		page.Accounts = []Listed{}
	}
	if len(out) > limit {
		page.Accounts = out[:limit]
		last := out[limit-1]
		page.Next = projections.Cursor{Name: last.Name, ID: last.ID}.Encode()
	}
	return page, nil
}

// likePrefix is a LIKE pattern matching what starts with s.
func likePrefix(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
}
