// Package accounts is the accounts read model: accounts with their parent, kind, name, address
// and registration code, and the ancestor/descendant relation of the partner tree.
package accounts

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/camcloud/accounts/domain/account"
	"github.com/camcloud/accounts/projections"
	"github.com/jackc/pgx/v5"
)

//go:embed schema.sql
var schema string

// Projector maintains the accounts read model.
type Projector struct{}

var _ projections.Projector = Projector{}

// Name is the read model's name, also used by read-your-writes waits.
const Name = "accounts"

func (Projector) Name() string { return Name }
func (Projector) Version() int { return 1 }

func (Projector) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, schema)
	return err
}

func (Projector) Drop(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `DROP TABLE IF EXISTS account_tree, accounts`)
	return err
}

func (Projector) Apply(ctx context.Context, tx pgx.Tx, e projections.Envelope) error {
	var err error
	switch ev := e.Event.(type) {
	case account.Created:
		err = created(ctx, tx, e, ev)
	case account.Renamed:
		err = touch(ctx, tx, e, ev.AccountID, `name = $4`, ev.Name)
	case account.AddressChanged:
		var address []byte
		if address, err = json.Marshal(ev.Address); err == nil {
			err = touch(ctx, tx, e, ev.AccountID, `address = $4`, address)
		}
	case account.RegistrationCodeRotated:
		err = touch(ctx, tx, e, ev.AccountID, `registration_code = $4`, string(ev.Code))
	}
	return err
}

func created(ctx context.Context, tx pgx.Tx, e projections.Envelope, ev account.Created) error {
	address, err := json.Marshal(ev.Address)
	if err != nil {
		return err
	}
	var parent *string
	if ev.ParentID != "" {
		parent = &ev.ParentID
	}
	_, err = tx.Exec(ctx, `INSERT INTO accounts (id, parent_id, kind, name, address, registration_code, revision, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
		ev.AccountID, parent, string(ev.Kind), ev.Name, address, string(ev.RegistrationCode), int64(e.Revision), e.RecordedAt)
	if err != nil {
		return fmt.Errorf("insert account %s: %w", ev.AccountID, err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO account_tree (ancestor_id, descendant_id, depth)
		SELECT $1::uuid, $1::uuid, 0
		UNION ALL
		SELECT ancestor_id, $1::uuid, depth + 1 FROM account_tree WHERE descendant_id = $2::uuid`,
		ev.AccountID, parent)
	if err != nil {
		return fmt.Errorf("insert account %s into the tree: %w", ev.AccountID, err)
	}
	return nil
}

// touch sets one column of an account and its revision and update time.
func touch(ctx context.Context, tx pgx.Tx, e projections.Envelope, id, set string, value any) error {
	_, err := tx.Exec(ctx, `UPDATE accounts SET `+set+`, revision = $2, updated_at = $3 WHERE id = $1`,
		id, int64(e.Revision), e.RecordedAt, value)
	if err != nil {
		return fmt.Errorf("update account %s: %w", id, err)
	}
	return nil
}
