// Package identity is the identity read model: the users and groups of every account, with
// what authentication needs (a user's status and the permissions of their groups).
package identityview

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/user"
	"github.com/camcloud/accounts/projections"
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

func (Projector) Handles() []string {
	return projections.TypesOf(
		account.Created{},
		group.Created{}, group.Changed{}, group.Deleted{}, group.MemberJoined{}, group.MemberLeft{},
		user.Invited{}, user.InvitationResent{}, user.InvitationRevoked{}, user.InvitationAccepted{},
		user.Disabled{}, user.Enabled{}, user.EmailChanged{}, user.PreferencesChanged{}, user.GroupsAssigned{},
		user.PasswordChanged{}, user.PasswordResetRequested{}, user.PasswordReset{}, user.EmailChangeRequested{},
	)
}

// groupRow and userRow are rows as a batch writes them.
type groupRow struct {
	ID          string    `json:"id"`
	AccountID   string    `json:"account_id"`
	Name        string    `json:"name"`
	Permissions []string  `json:"permissions"`
	Builtin     bool      `json:"builtin"`
	Revision    int64     `json:"revision"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	queued      bool
}

type userRow struct {
	ID                  string     `json:"id"`
	AccountID           string     `json:"account_id"`
	Username            string     `json:"username"`
	Email               string     `json:"email"`
	Status              string     `json:"status"`
	GroupIDs            []string   `json:"group_ids"`
	TimeFormat          string     `json:"time_format"`
	TimeZone            string     `json:"time_zone"`
	InvitationExpiresAt *time.Time `json:"invitation_expires_at"`
	Revision            int64      `json:"revision"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
	queued              bool
}

// Apply folds the batch in memory (the users and groups it changes, read once) and writes it
// with at most three statements: groups upserted, groups deleted, users upserted.
func (Projector) Apply(ctx context.Context, tx pgx.Tx, events []projections.Envelope) error {
	b := batch{groups: map[string]*groupRow{}, users: map[string]*userRow{}, deleted: map[string]bool{}}
	if err := b.load(ctx, tx, events); err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	for _, e := range events {
		b.fold(e)
	}
	if err := b.write(ctx, tx); err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	return nil
}

type batch struct {
	groups     map[string]*groupRow
	users      map[string]*userRow
	groupOrder []*groupRow
	userOrder  []*userRow
	deleted    map[string]bool
}

// load reads the groups and users the batch changes but does not create.
func (b *batch) load(ctx context.Context, tx pgx.Tx, events []projections.Envelope) error {
	created := map[string]bool{}
	var groupIDs, userIDs []string
	for _, e := range events {
		switch ev := e.Event.(type) {
		case account.Created:
			created[group.AdministratorID(ev.AccountID)] = true
		case group.Created:
			created[ev.GroupID] = true
		case group.Changed:
			if !created[ev.GroupID] {
				groupIDs = append(groupIDs, ev.GroupID)
			}
		case group.MemberJoined, group.MemberLeft:
			if id := groupIDOf(ev); !created[id] {
				groupIDs = append(groupIDs, id)
			}
		case user.Invited:
			created[ev.UserID] = true
		default:
			if id := userIDOf(e.Event); id != "" && !created[id] {
				userIDs = append(userIDs, id)
			}
		}
	}
	if len(groupIDs) > 0 {
		rows, err := tx.Query(ctx, `SELECT id::text, account_id::text, name, permissions, builtin, revision, created_at, updated_at
			FROM identity_groups WHERE id = ANY($1::uuid[])`, groupIDs)
		if err != nil {
			return fmt.Errorf("load groups: %w", err)
		}
		var g groupRow
		_, err = pgx.ForEachRow(rows, []any{&g.ID, &g.AccountID, &g.Name, &g.Permissions, &g.Builtin, &g.Revision, &g.CreatedAt, &g.UpdatedAt}, func() error {
			loaded := g
			b.groups[g.ID] = &loaded
			return nil
		})
		if err != nil {
			return fmt.Errorf("load groups: %w", err)
		}
	}
	if len(userIDs) > 0 {
		rows, err := tx.Query(ctx, `SELECT id::text, account_id::text, username, email, status, group_ids::text[], time_format, time_zone,
				invitation_expires_at, revision, created_at, updated_at
			FROM identity_users WHERE id = ANY($1::uuid[])`, userIDs)
		if err != nil {
			return fmt.Errorf("load users: %w", err)
		}
		var u userRow
		_, err = pgx.ForEachRow(rows, []any{&u.ID, &u.AccountID, &u.Username, &u.Email, &u.Status, &u.GroupIDs, &u.TimeFormat, &u.TimeZone,
			&u.InvitationExpiresAt, &u.Revision, &u.CreatedAt, &u.UpdatedAt}, func() error {
			loaded := u
			b.users[u.ID] = &loaded
			return nil
		})
		if err != nil {
			return fmt.Errorf("load users: %w", err)
		}
	}
	return nil
}

// userIDOf returns the user a user event is about.
func userIDOf(e any) string {
	switch ev := e.(type) {
	case user.InvitationResent:
		return ev.UserID
	case user.InvitationRevoked:
		return ev.UserID
	case user.InvitationAccepted:
		return ev.UserID
	case user.Disabled:
		return ev.UserID
	case user.Enabled:
		return ev.UserID
	case user.EmailChanged:
		return ev.UserID
	case user.PreferencesChanged:
		return ev.UserID
	case user.GroupsAssigned:
		return ev.UserID
	case user.PasswordChanged:
		return ev.UserID
	case user.PasswordResetRequested:
		return ev.UserID
	case user.PasswordReset:
		return ev.UserID
	case user.EmailChangeRequested:
		return ev.UserID
	}
	return ""
}

func (b *batch) fold(e projections.Envelope) {
	at, rev := e.RecordedAt.Truncate(time.Microsecond), int64(e.Revision) // what PostgreSQL stores
	switch ev := e.Event.(type) {
	case account.Created:
		// Every account has its Administrator group; it is not stored as a stream of its own.
		// Its permissions are not stored either: it holds every permission, also those of later
		// releases, so queries read them from group.All().
		b.addGroup(&groupRow{ID: group.AdministratorID(ev.AccountID), AccountID: ev.AccountID, Name: group.AdministratorName,
			Permissions: []string{}, Builtin: true, CreatedAt: at, UpdatedAt: at})
	case group.Created:
		b.addGroup(&groupRow{ID: ev.GroupID, AccountID: ev.AccountID, Name: ev.Name, Permissions: permissionNames(ev.Permissions),
			Revision: rev, CreatedAt: at, UpdatedAt: at})
	case group.Changed:
		if g := b.group(ev.GroupID); g != nil {
			g.Name, g.Permissions, g.Revision, g.UpdatedAt = ev.Name, permissionNames(ev.Permissions), rev, at
		}
	case group.Deleted:
		delete(b.groups, ev.GroupID)
		b.deleted[ev.GroupID] = true
	case group.MemberJoined, group.MemberLeft:
		// Members are listed from the users' side; the group's revision still follows its stream,
		// so that its ETag matches what If-Match is checked against.
		if g := b.group(groupIDOf(ev)); g != nil {
			g.Revision = rev
		}
	case user.Invited:
		expires := ev.ExpiresAt.Truncate(time.Microsecond)
		u := &userRow{ID: ev.UserID, AccountID: ev.AccountID, Username: ev.Username, Email: ev.Email, Status: string(user.StatusInvited),
			GroupIDs: nonNil(ev.GroupIDs), TimeFormat: string(user.TimeFormat24h), TimeZone: "UTC", InvitationExpiresAt: &expires,
			Revision: rev, CreatedAt: at, UpdatedAt: at, queued: true}
		b.users[u.ID] = u
		b.userOrder = append(b.userOrder, u)
	default:
		u := b.user(userIDOf(e.Event))
		if u == nil {
			return // not a user event, or a user the model does not have: as an UPDATE of no row
		}
		u.Revision, u.UpdatedAt = rev, at
		switch ev := e.Event.(type) {
		case user.InvitationResent:
			expires := ev.ExpiresAt.Truncate(time.Microsecond)
			u.InvitationExpiresAt = &expires
		case user.InvitationRevoked:
			u.Status, u.InvitationExpiresAt = string(user.StatusRevoked), nil
		case user.InvitationAccepted:
			u.Status, u.InvitationExpiresAt = string(user.StatusActive), nil
		case user.Disabled:
			u.Status = string(user.StatusDisabled)
		case user.Enabled:
			u.Status = string(user.StatusActive)
		case user.EmailChanged:
			u.Email = ev.Email
		case user.PreferencesChanged:
			u.TimeFormat, u.TimeZone = string(ev.TimeFormat), ev.TimeZone
		case user.GroupsAssigned:
			u.GroupIDs = nonNil(ev.GroupIDs)
		}
		// Passwords and links change nothing this model shows; the revision still follows the stream.
	}
}

func (b *batch) addGroup(g *groupRow) {
	g.queued = true
	b.groups[g.ID] = g
	b.groupOrder = append(b.groupOrder, g)
}

// group returns a group to change, queued for writing, or nil when the model does not have it.
func (b *batch) group(id string) *groupRow {
	g := b.groups[id]
	if g != nil && !g.queued {
		g.queued = true
		b.groupOrder = append(b.groupOrder, g)
	}
	return g
}

// user returns a user to change, queued for writing, or nil when the model does not have them.
func (b *batch) user(id string) *userRow {
	u := b.users[id]
	if u != nil && !u.queued {
		u.queued = true
		b.userOrder = append(b.userOrder, u)
	}
	return u
}

func (b *batch) write(ctx context.Context, tx pgx.Tx) error {
	var groups []*groupRow
	for _, g := range b.groupOrder {
		if !b.deleted[g.ID] {
			groups = append(groups, g)
		}
	}
	if len(groups) > 0 {
		rows, err := json.Marshal(groups)
		if err != nil {
			return fmt.Errorf("encode groups: %w", err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO identity_groups (id, account_id, name, permissions, builtin, revision, created_at, updated_at)
			SELECT id, account_id, name, permissions, builtin, revision, created_at, updated_at
			FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, account_id uuid, name text, permissions text[], builtin boolean,
				revision bigint, created_at timestamptz, updated_at timestamptz)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, permissions = excluded.permissions,
				revision = excluded.revision, updated_at = excluded.updated_at`, rows)
		if err != nil {
			return fmt.Errorf("write %d groups: %w", len(groups), err)
		}
	}
	if len(b.deleted) > 0 {
		ids := make([]string, 0, len(b.deleted))
		for id := range b.deleted {
			ids = append(ids, id)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM identity_groups WHERE id = ANY($1::uuid[])`, ids); err != nil {
			return fmt.Errorf("delete groups: %w", err)
		}
	}
	if len(b.userOrder) > 0 {
		rows, err := json.Marshal(b.userOrder)
		if err != nil {
			return fmt.Errorf("encode users: %w", err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO identity_users (id, account_id, username, email, status, group_ids, time_format, time_zone,
				invitation_expires_at, revision, created_at, updated_at)
			SELECT id, account_id, username, email, status, group_ids, time_format, time_zone, invitation_expires_at, revision, created_at, updated_at
			FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, account_id uuid, username text, email text, status text, group_ids uuid[],
				time_format text, time_zone text, invitation_expires_at timestamptz, revision bigint, created_at timestamptz, updated_at timestamptz)
			ON CONFLICT (id) DO UPDATE SET email = excluded.email, status = excluded.status, group_ids = excluded.group_ids,
				time_format = excluded.time_format, time_zone = excluded.time_zone, invitation_expires_at = excluded.invitation_expires_at,
				revision = excluded.revision, updated_at = excluded.updated_at`, rows)
		if err != nil {
			return fmt.Errorf("write %d users: %w", len(b.userOrder), err)
		}
	}
	return nil
}

func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

func permissionNames(perms []group.Permission) []string {
	out := make([]string, len(perms))
	for i, p := range perms {
		out[i] = string(p)
	}
	return out
}
