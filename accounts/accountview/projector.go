// Package accountview is the accounts read model: accounts with their parent, kind, name, address,
// registration code and status, and the ancestor/descendant relation of the partner tree.
package accountview

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/projections"
)

//go:embed schema.sql
var schema string

// Projector maintains the accounts read model.
type Projector struct{}

var _ projections.Projector = Projector{}

// Name is the read model's name, also used by read-your-writes waits.
const Name = "accounts"

func (Projector) Name() string { return Name }

// Version 2 added the status column.
func (Projector) Version() int { return 2 }

func (Projector) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, schema)
	return err
}

func (Projector) Drop(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `DROP TABLE IF EXISTS account_tree, accounts`)
	return err
}

func (Projector) Handles() []string {
	return projections.TypesOf(account.Created{}, account.Renamed{}, account.AddressChanged{}, account.RegistrationCodeRotated{},
		account.Suspended{}, account.Reactivated{}, account.Closed{})
}

// row is an account as the batch writes it.
type row struct {
	ID               string          `json:"id"`
	ParentID         *string         `json:"parent_id"`
	Kind             string          `json:"kind"`
	Name             string          `json:"name"`
	Address          json.RawMessage `json:"address"`
	RegistrationCode string          `json:"registration_code"`
	Status           string          `json:"status"`
	Revision         int64           `json:"revision"`
	CreatedAt        time.Time       `json:"created_at"`
	UpdatedAt        time.Time       `json:"updated_at"`
	queued           bool            // in batch.order already
}

// ancestor is a row of the closure table: descendant's ancestor at depth.
type ancestor struct {
	id    string
	depth int32
}

// Apply folds the batch in memory (the accounts it changes, read once) and writes it with two
// statements: the accounts upserted, the new closure rows inserted. A per-event statement for
// each would cost a round trip per event.
func (Projector) Apply(ctx context.Context, tx pgx.Tx, events []projections.Envelope) error {
	b := batch{rows: map[string]*row{}, ancestors: map[string][]ancestor{}}
	if err := b.load(ctx, tx, events); err != nil {
		return err
	}
	for _, e := range events {
		if err := b.fold(e); err != nil {
			return err
		}
	}
	return b.write(ctx, tx)
}

// batch is the working set of one Apply.
type batch struct {
	rows      map[string]*row       // every account the batch touches, by id
	order     []*row                // the rows to write, created ones in creation order
	ancestors map[string][]ancestor // the ancestors (with itself) of accounts in the tree
	tree      struct {              // closure rows to insert, as columns
		ancestors, descendants []string
		depths                 []int32
	}
}

// load reads the accounts the batch changes but does not create, and the ancestors of the
// parents it creates children under.
func (b *batch) load(ctx context.Context, tx pgx.Tx, events []projections.Envelope) error {
	created := map[string]bool{}
	var ids, parents []string
	for _, e := range events {
		switch ev := e.Event.(type) {
		case account.Created:
			created[ev.AccountID] = true
			if ev.ParentID != "" && !created[ev.ParentID] {
				parents = append(parents, ev.ParentID)
			}
		case account.Renamed:
			ids = appendIfNot(ids, created, ev.AccountID)
		case account.AddressChanged:
			ids = appendIfNot(ids, created, ev.AccountID)
		case account.RegistrationCodeRotated:
			ids = appendIfNot(ids, created, ev.AccountID)
		case account.Suspended:
			ids = appendIfNot(ids, created, ev.AccountID)
		case account.Reactivated:
			ids = appendIfNot(ids, created, ev.AccountID)
		case account.Closed:
			ids = appendIfNot(ids, created, ev.AccountID)
		}
	}
	if len(ids) > 0 {
		rows, err := tx.Query(ctx, `SELECT id::text, parent_id::text, kind, name, address, registration_code, status, revision, created_at, updated_at
			FROM accounts WHERE id = ANY($1::uuid[])`, ids)
		if err != nil {
			return fmt.Errorf("load accounts: %w", err)
		}
		var r row
		_, err = pgx.ForEachRow(rows, []any{&r.ID, &r.ParentID, &r.Kind, &r.Name, &r.Address, &r.RegistrationCode, &r.Status, &r.Revision, &r.CreatedAt, &r.UpdatedAt}, func() error {
			loaded := r
			b.rows[r.ID] = &loaded
			return nil
		})
		if err != nil {
			return fmt.Errorf("load accounts: %w", err)
		}
	}
	if len(parents) > 0 {
		rows, err := tx.Query(ctx, `SELECT descendant_id::text, ancestor_id::text, depth FROM account_tree WHERE descendant_id = ANY($1::uuid[])`, parents)
		if err != nil {
			return fmt.Errorf("load the tree: %w", err)
		}
		var (
			d string
			a ancestor
		)
		_, err = pgx.ForEachRow(rows, []any{&d, &a.id, &a.depth}, func() error {
			b.ancestors[d] = append(b.ancestors[d], a)
			return nil
		})
		if err != nil {
			return fmt.Errorf("load the tree: %w", err)
		}
	}
	return nil
}

func appendIfNot(ids []string, created map[string]bool, id string) []string {
	if created[id] {
		return ids
	}
	return append(ids, id)
}

func (b *batch) fold(e projections.Envelope) error {
	at := e.RecordedAt.Truncate(time.Microsecond) // what PostgreSQL stores
	switch ev := e.Event.(type) {
	case account.Created:
		address, err := json.Marshal(ev.Address)
		if err != nil {
			return fmt.Errorf("encode address of %s: %w", ev.AccountID, err)
		}
		r := &row{ID: ev.AccountID, Kind: string(ev.Kind), Name: ev.Name, Address: address,
			RegistrationCode: string(ev.RegistrationCode), Status: string(account.StatusActive), Revision: int64(e.Revision), CreatedAt: at, UpdatedAt: at}
		self := []ancestor{{id: ev.AccountID}}
		if ev.ParentID != "" {
			parent := ev.ParentID
			r.ParentID = &parent
			for _, a := range b.ancestors[parent] {
				self = append(self, ancestor{id: a.id, depth: a.depth + 1})
			}
		}
		b.ancestors[ev.AccountID] = self
		for _, a := range self {
			b.tree.ancestors = append(b.tree.ancestors, a.id)
			b.tree.descendants = append(b.tree.descendants, ev.AccountID)
			b.tree.depths = append(b.tree.depths, a.depth)
		}
		r.queued = true
		b.rows[ev.AccountID] = r
		b.order = append(b.order, r)
	case account.Renamed:
		b.touch(ev.AccountID, e, at, func(r *row) { r.Name = ev.Name })
	case account.AddressChanged:
		address, err := json.Marshal(ev.Address)
		if err != nil {
			return fmt.Errorf("encode address of %s: %w", ev.AccountID, err)
		}
		b.touch(ev.AccountID, e, at, func(r *row) { r.Address = address })
	case account.RegistrationCodeRotated:
		b.touch(ev.AccountID, e, at, func(r *row) { r.RegistrationCode = string(ev.Code) })
	case account.Suspended:
		b.touch(ev.AccountID, e, at, func(r *row) { r.Status = string(account.StatusSuspended) })
	case account.Reactivated:
		b.touch(ev.AccountID, e, at, func(r *row) { r.Status = string(account.StatusActive) })
	case account.Closed:
		b.touch(ev.AccountID, e, at, func(r *row) { r.Status = string(account.StatusClosed) })
	}
	return nil
}

// touch changes an account and moves its revision and update time; an account the model does
// not have is left alone, as an UPDATE of no row would.
func (b *batch) touch(id string, e projections.Envelope, at time.Time, change func(*row)) {
	r, ok := b.rows[id]
	if !ok {
		return
	}
	if !r.queued {
		r.queued = true
		b.order = append(b.order, r)
	}
	change(r)
	r.Revision, r.UpdatedAt = int64(e.Revision), at
}

func (b *batch) write(ctx context.Context, tx pgx.Tx) error {
	if len(b.order) > 0 {
		rows, err := json.Marshal(b.order)
		if err != nil {
			return fmt.Errorf("encode accounts: %w", err)
		}
		// Foreign keys are checked at the end of the statement, so a parent and its children
		// may come in the same one.
		_, err = tx.Exec(ctx, `INSERT INTO accounts (id, parent_id, kind, name, address, registration_code, status, revision, created_at, updated_at)
			SELECT id, parent_id, kind, name, address, registration_code, status, revision, created_at, updated_at
			FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, parent_id uuid, kind text, name text, address jsonb,
				registration_code text, status text, revision bigint, created_at timestamptz, updated_at timestamptz)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, address = excluded.address,
				registration_code = excluded.registration_code, status = excluded.status, revision = excluded.revision, updated_at = excluded.updated_at`, rows)
		if err != nil {
			return fmt.Errorf("write %d accounts: %w", len(b.order), err)
		}
	}
	if len(b.tree.ancestors) > 0 {
		_, err := tx.Exec(ctx, `INSERT INTO account_tree (ancestor_id, descendant_id, depth)
			SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[])`, b.tree.ancestors, b.tree.descendants, b.tree.depths)
		if err != nil {
			return fmt.Errorf("write the tree: %w", err)
		}
	}
	return nil
}
