// Package identity is the identity read model: the users and groups of every account, with
// what authentication needs (a user's status and the permissions of their groups).
package identity

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/camcloud/accounts/domain/account"
	"github.com/camcloud/accounts/domain/group"
	"github.com/camcloud/accounts/domain/user"
	"github.com/camcloud/accounts/projections"
	"github.com/jackc/pgx/v5"
)

//go:embed schema.sql
var schema string

// Name is the read model's name.
const Name = "identity"

// Projector maintains the identity read model.
type Projector struct{}

var _ projections.Projector = Projector{}

func (Projector) Name() string { return Name }
func (Projector) Version() int { return 1 }

func (Projector) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, schema)
	return err
}

func (Projector) Drop(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `DROP TABLE IF EXISTS identity_users, identity_groups`)
	return err
}

func (Projector) Apply(ctx context.Context, tx pgx.Tx, e projections.Envelope) error {
	at, rev := e.RecordedAt, int64(e.Revision)
	var err error
	switch ev := e.Event.(type) {
	case account.Created:
		// Every account has its Administrator group; it is not stored as a stream of its own.
		// Its permissions are not stored either: it holds every permission, also those of later
		// releases, so queries read them from group.All().
		_, err = tx.Exec(ctx, `INSERT INTO identity_groups (id, account_id, name, permissions, builtin, revision, created_at, updated_at)
			VALUES ($1, $2, $3, '{}', true, 0, $4, $4)`,
			group.AdministratorID(ev.AccountID), ev.AccountID, group.AdministratorName, at)
	case group.Created:
		_, err = tx.Exec(ctx, `INSERT INTO identity_groups (id, account_id, name, permissions, revision, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6)`, ev.GroupID, ev.AccountID, ev.Name, permissionNames(ev.Permissions), rev, at)
	case group.Changed:
		_, err = tx.Exec(ctx, `UPDATE identity_groups SET name = $2, permissions = $3, revision = $4, updated_at = $5 WHERE id = $1`,
			ev.GroupID, ev.Name, permissionNames(ev.Permissions), rev, at)
	case group.Deleted:
		_, err = tx.Exec(ctx, `DELETE FROM identity_groups WHERE id = $1`, ev.GroupID)
	case group.MemberJoined, group.MemberLeft:
		// Members are listed from the users' side; the group's revision still follows its stream,
		// so that its ETag matches what If-Match is checked against.
		_, err = tx.Exec(ctx, `UPDATE identity_groups SET revision = $2 WHERE id = $1`, groupIDOf(ev), rev)
	case user.Invited:
		_, err = tx.Exec(ctx, `INSERT INTO identity_users (id, account_id, username, email, status, group_ids, time_format, time_zone, invitation_expires_at, revision, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
			ev.UserID, ev.AccountID, ev.Username, ev.Email, string(user.StatusInvited), ev.GroupIDs, string(user.TimeFormat24h), "UTC", ev.ExpiresAt, rev, at)
	case user.InvitationResent:
		err = set(ctx, tx, ev.UserID, rev, at, `invitation_expires_at = $4`, ev.ExpiresAt)
	case user.InvitationRevoked:
		err = set(ctx, tx, ev.UserID, rev, at, `status = $4, invitation_expires_at = NULL`, string(user.StatusRevoked))
	case user.InvitationAccepted:
		err = set(ctx, tx, ev.UserID, rev, at, `status = $4, invitation_expires_at = NULL`, string(user.StatusActive))
	case user.Disabled:
		err = set(ctx, tx, ev.UserID, rev, at, `status = $4`, string(user.StatusDisabled))
	case user.Enabled:
		err = set(ctx, tx, ev.UserID, rev, at, `status = $4`, string(user.StatusActive))
	case user.EmailChanged:
		err = set(ctx, tx, ev.UserID, rev, at, `email = $4`, ev.Email)
	case user.PreferencesChanged:
		err = set(ctx, tx, ev.UserID, rev, at, `time_format = $4, time_zone = $5`, string(ev.TimeFormat), ev.TimeZone)
	case user.GroupsAssigned:
		err = set(ctx, tx, ev.UserID, rev, at, `group_ids = $4`, ev.GroupIDs)
	case user.PasswordChanged:
		err = touch(ctx, tx, ev.UserID, rev, at)
	case user.PasswordResetRequested:
		err = touch(ctx, tx, ev.UserID, rev, at)
	case user.PasswordReset:
		err = touch(ctx, tx, ev.UserID, rev, at)
	case user.EmailChangeRequested:
		err = touch(ctx, tx, ev.UserID, rev, at)
	}
	if err != nil {
		return fmt.Errorf("identity: %s: %w", e.Type, err)
	}
	return nil
}

// set updates columns of a user, with its revision and update time.
func set(ctx context.Context, tx pgx.Tx, userID string, rev int64, at any, columns string, values ...any) error {
	if columns != "" {
		columns = ", " + columns
	}
	args := append([]any{userID, rev, at}, values...)
	_, err := tx.Exec(ctx, `UPDATE identity_users SET revision = $2, updated_at = $3`+columns+` WHERE id = $1`, args...)
	return err
}

// touch moves a user's revision for events that change nothing this model shows (passwords,
// links), so that the revision stays the stream's.
func touch(ctx context.Context, tx pgx.Tx, userID string, rev int64, at any) error {
	return set(ctx, tx, userID, rev, at, "")
}

func permissionNames(perms []group.Permission) []string {
	out := make([]string, len(perms))
	for i, p := range perms {
		out[i] = string(p)
	}
	return out
}
