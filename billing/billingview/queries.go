package billingview

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/billing/plan"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/internal/pgerr"
)

// Plan is a service plan as the read model holds it: its price today, and the next one when a
// change is scheduled.
type Plan struct {
	ID              string    `json:"id"`
	Name            string    `json:"name"`
	Currency        string    `json:"currency"`
	DailyPriceMinor int64     `json:"daily_price_minor"`
	Next            *Price    `json:"next_price,omitempty"`
	Revision        uint64    `json:"revision"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// Price is a daily price from a day on.
type Price struct {
	DailyPriceMinor int64  `json:"daily_price_minor"`
	EffectiveFrom   string `json:"effective_from"`
}

// Queries reads the billing read model.
type Queries struct {
	pool *pgxpool.Pool
}

// NewQueries returns the queries on pool.
func NewQueries(pool *pgxpool.Pool) *Queries { return &Queries{pool: pool} }

// Plans lists the catalogue by name, each with its price on today and the next change.
func (q *Queries) Plans(ctx context.Context, today string) ([]Plan, error) {
	rows, err := q.pool.Query(ctx, `SELECT p.plan_id::text, p.name, p.currency,
			coalesce((SELECT daily_price_minor FROM plan_prices WHERE plan_id = p.plan_id AND effective_from <= $1 ORDER BY effective_from DESC LIMIT 1), 0),
			n.daily_price_minor, n.effective_from::text, p.revision, p.created_at, p.updated_at
		FROM plans p
		LEFT JOIN LATERAL (SELECT daily_price_minor, effective_from FROM plan_prices WHERE plan_id = p.plan_id AND effective_from > $1
			ORDER BY effective_from LIMIT 1) n ON true
		ORDER BY p.name, p.plan_id`, today)
	if err != nil {
		return nil, fmt.Errorf("plans: %w", pgerr.Classify(err))
	}
	defer rows.Close()
	out := []Plan{}
	for rows.Next() {
		var p Plan
		var nextMinor *int64
		var nextFrom *string
		var rev int64
		if err := rows.Scan(&p.ID, &p.Name, &p.Currency, &p.DailyPriceMinor, &nextMinor, &nextFrom, &rev, &p.CreatedAt, &p.UpdatedAt); err != nil {
			return nil, fmt.Errorf("plans: %w", pgerr.Classify(err))
		}
		p.Revision = uint64(rev)
		if nextMinor != nil {
			p.Next = &Price{DailyPriceMinor: *nextMinor, EffectiveFrom: *nextFrom}
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("plans: %w", pgerr.Classify(err))
	}
	return out, nil
}

// Plan returns one plan.
func (q *Queries) Plan(ctx context.Context, id, today string) (Plan, error) {
	plans, err := q.Plans(ctx, today)
	if err != nil {
		return Plan{}, err
	}
	for _, p := range plans {
		if p.ID == id {
			return p, nil
		}
	}
	return Plan{}, plan.ErrNotFound
}

// Reader answers the billing queries a principal asks, each authorized before it answers.
type Reader struct {
	q     *Queries
	authz *access.Authorizer
	now   func() time.Time
}

// NewReader returns the authorized queries over q.
func NewReader(q *Queries, authz *access.Authorizer) *Reader {
	return &Reader{q: q, authz: authz, now: time.Now}
}

// Plans lists the plan catalogue to a user who sees or manages billing.
func (r *Reader) Plans(ctx context.Context, p access.Principal) ([]Plan, error) {
	if !p.Can(group.BillingView) && !p.Can(group.BillingManage) {
		return nil, fmt.Errorf("%w: %s needed", access.ErrForbidden, group.BillingView)
	}
	return r.q.Plans(ctx, r.now().UTC().Format(time.DateOnly))
}

// Plan returns one plan of the catalogue.
func (r *Reader) Plan(ctx context.Context, p access.Principal, id string) (Plan, error) {
	if !p.Can(group.BillingView) && !p.Can(group.BillingManage) {
		return Plan{}, fmt.Errorf("%w: %s needed", access.ErrForbidden, group.BillingView)
	}
	pl, err := r.q.Plan(ctx, id, r.now().UTC().Format(time.DateOnly))
	if errors.Is(err, pgx.ErrNoRows) {
		return Plan{}, plan.ErrNotFound
	}
	return pl, err
}
