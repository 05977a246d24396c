package identityview

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/user"
)

// Administrators returns the active members of an account's Administrator group. The command
// layer reads each one's stream before relying on it: this list may lag.
func (q *Queries) Administrators(ctx context.Context, accountID string) ([]string, error) {
	rows, err := q.pool.Query(ctx, `SELECT id::text FROM identity_users
		WHERE account_id = $1 AND status = $2 AND $3::uuid = ANY(group_ids) ORDER BY id`,
		accountID, string(user.StatusActive), group.AdministratorID(accountID))
	if err != nil {
		return nil, fmt.Errorf("administrators of %s: %w", accountID, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("administrators of %s: %w", accountID, err)
	}
	return ids, nil
}

func groupIDOf(e any) string {
	switch e := e.(type) {
	case group.MemberJoined:
		return e.GroupID
	case group.MemberLeft:
		return e.GroupID
	}
	return ""
}

// GroupMembers returns the users whose groups include groupID: active, invited or disabled
// (a revoked invitation is no member).
func (q *Queries) GroupMembers(ctx context.Context, groupID string) ([]string, error) {
	rows, err := q.pool.Query(ctx, `SELECT id::text FROM identity_users WHERE $1::uuid = ANY(group_ids) AND status <> $2 ORDER BY id`,
		groupID, string(user.StatusRevoked))
	if err != nil {
		return nil, fmt.Errorf("members of group %s: %w", groupID, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("members of group %s: %w", groupID, err)
	}
	return ids, nil
}
