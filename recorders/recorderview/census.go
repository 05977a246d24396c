package recorderview

import (
	"context"
	"fmt"

	"github.com/camcloud/accounts/internal/pgerr"
)

// Count implements accountview.Census: the registered recorders and the cameras of each account.
func (q *Queries) Count(ctx context.Context, accountIDs []string) (map[string]map[string]int, error) {
	out := make(map[string]map[string]int, len(accountIDs))
	for _, id := range accountIDs {
		out[id] = map[string]int{"recorders": 0, "cameras": 0}
	}
	rows, err := q.pool.Query(ctx, `
		SELECT account_id::text, 'recorders', count(*) FROM recorders WHERE account_id = ANY($1::uuid[]) AND status = 'active' GROUP BY account_id
		UNION ALL
		SELECT account_id::text, 'cameras', count(*) FROM items WHERE account_id = ANY($1::uuid[]) AND kind = 'camera' GROUP BY account_id`, accountIDs)
	if err != nil {
		return nil, fmt.Errorf("count recorders and cameras: %w", pgerr.Classify(err))
	}
	defer rows.Close()
	for rows.Next() {
		var id, what string
		var n int
		if err := rows.Scan(&id, &what, &n); err != nil {
			return nil, fmt.Errorf("count recorders and cameras: %w", pgerr.Classify(err))
		}
		out[id][what] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count recorders and cameras: %w", pgerr.Classify(err))
	}
	return out, nil
}
