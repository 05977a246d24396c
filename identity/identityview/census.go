package identityview

import (
	"context"
	"fmt"

	"github.com/camcloud/accounts/internal/pgerr"
)

// Count implements accountview.Census: the users of each account (invited, active or disabled).
func (q *Queries) Count(ctx context.Context, accountIDs []string) (map[string]map[string]int, error) {
	out := make(map[string]map[string]int, len(accountIDs))
	for _, id := range accountIDs {
		out[id] = map[string]int{"users": 0}
	}
	rows, err := q.pool.Query(ctx, `SELECT account_id::text, count(*) FROM identity_users WHERE account_id = ANY($1::uuid[]) GROUP BY account_id`, accountIDs)
	if err != nil {
		return nil, fmt.Errorf("count users: %w", pgerr.Classify(err))
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("count users: %w", pgerr.Classify(err))
		}
		out[id]["users"] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count users: %w", pgerr.Classify(err))
	}
	return out, nil
}
