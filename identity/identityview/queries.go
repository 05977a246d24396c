package identityview

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/user"
	"github.com/camcloud/accounts/internal/pgerr"
)

// ErrNotFound is returned for a user or group the read model does not have.
var ErrNotFound = fault.New(fault.NotFound, "not found")

// User is a user as listed to administrators. No secret is part of it.
type User struct {
	ID                  string      `json:"id"`
	AccountID           string      `json:"account_id"`
	Username            string      `json:"username"`
	Email               string      `json:"email"`
	Status              user.Status `json:"status"`
	GroupIDs            []string    `json:"group_ids"`
	TimeFormat          string      `json:"time_format"`
	TimeZone            string      `json:"time_zone"`
	InvitationExpiresAt *time.Time  `json:"invitation_expires_at,omitempty"`
	Revision            uint64      `json:"revision"`
	CreatedAt           time.Time   `json:"created_at"`
	UpdatedAt           time.Time   `json:"updated_at"`
}

// Group is a group with its permissions.
type Group struct {
	ID          string             `json:"id"`
	AccountID   string             `json:"account_id"`
	Name        string             `json:"name"`
	Permissions []group.Permission `json:"permissions"`
	Builtin     bool               `json:"builtin"`
	Revision    uint64             `json:"revision"`
}

// Queries reads the identity read model.
type Queries struct {
	pool *pgxpool.Pool
}

// NewQueries returns the queries on pool.
func NewQueries(pool *pgxpool.Pool) *Queries { return &Queries{pool: pool} }

// Member returns what authentication needs of a user: account, status ("" for an unknown user)
// and the union of the permissions of their groups as they are now.
func (q *Queries) Member(ctx context.Context, userID string) (string, user.Status, []group.Permission, error) {
	var (
		accountID string
		status    user.Status
		names     []string
	)
	err := q.pool.QueryRow(ctx, MemberSQL("$1", 2), userID, AdministratorPermissions()).Scan(&accountID, &status, &names)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", nil, nil
	}
	if err != nil {
		return "", "", nil, fmt.Errorf("member %s: %w", userID, pgerr.Classify(err))
	}
	return accountID, status, Permissions(names), nil
}

// MemberSQL is the query of Member for the user whose ID is the SQL expression userID (a uuid),
// with AdministratorPermissions as parameter $adminParam: it gives account_id (text), status and
// permissions (text[], sorted), no row for an unknown user. It is exported so that a store in the
// same database can join its own row to the member in one statement (the session store
// authenticates a request with one round trip), while the SQL over this model's tables stays here.
//
// The status of an active user whose account is not effectively active (it or an account above it
// is suspended or closed; the accounts read model shares the database and says so,
// accountview.EffectiveStatusSQL) is identitycmd.StatusAccountClosed ("account-closed") or
// identitycmd.StatusAccountSuspended ("account-suspended"): not active, so authentication refuses
// the user's sessions while the account is suspended, and accepts them again once it is
// reactivated. Any other user's status is their own.
func MemberSQL(userID string, adminParam int) string {
	return fmt.Sprintf(`SELECT u.account_id::text AS account_id,
			CASE WHEN u.status <> 'active' THEN u.status
				ELSE CASE `+accountview.EffectiveStatusSQL("u.account_id")+`
					WHEN 'closed' THEN 'account-closed' WHEN 'suspended' THEN 'account-suspended' ELSE u.status END
			END AS status,
			coalesce(array(SELECT DISTINCT p FROM identity_groups g,
					unnest(CASE WHEN g.builtin THEN $%d::text[] ELSE g.permissions END) p
				WHERE g.id = ANY(u.group_ids) AND g.account_id = u.account_id ORDER BY p), '{}') AS permissions
		FROM identity_users u WHERE u.id = %s`, adminParam, userID)
}

// Permissions converts the permissions column of MemberSQL.
func Permissions(names []string) []group.Permission {
	perms := make([]group.Permission, len(names))
	for i, p := range names {
		perms[i] = group.Permission(p)
	}
	return perms
}

const selectUser = `SELECT id::text, account_id::text, username, email, status, group_ids::text[], time_format, time_zone, invitation_expires_at, revision, created_at, updated_at FROM identity_users `

// User returns one user.
func (q *Queries) User(ctx context.Context, userID string) (User, error) {
	if _, err := uuid.Parse(userID); err != nil {
		return User{}, ErrNotFound
	}
	users, err := q.users(ctx, selectUser+`WHERE id = $1`, userID)
	if err != nil {
		return User{}, err
	}
	if len(users) == 0 {
		return User{}, ErrNotFound
	}
	return users[0], nil
}

// Users lists an account's users by username, invited ones included (status "invited").
func (q *Queries) Users(ctx context.Context, accountID string) ([]User, error) {
	return q.users(ctx, selectUser+`WHERE account_id = $1 ORDER BY lower(username), id`, accountID)
}

func (q *Queries) users(ctx context.Context, sql string, args ...any) ([]User, error) {
	rows, err := q.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("query users: %w", pgerr.Classify(err))
	}
	out := []User{}
	var (
		u   User
		rev int64
	)
	_, err = pgx.ForEachRow(rows, []any{&u.ID, &u.AccountID, &u.Username, &u.Email, &u.Status, &u.GroupIDs, &u.TimeFormat, &u.TimeZone, &u.InvitationExpiresAt, &rev, &u.CreatedAt, &u.UpdatedAt}, func() error {
		u.Revision = uint64(rev)
		out = append(out, u)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("query users: %w", pgerr.Classify(err))
	}
	return out, nil
}

const selectGroup = `SELECT id::text, account_id::text, name, permissions, builtin, revision FROM identity_groups `

// Group returns one group.
func (q *Queries) Group(ctx context.Context, groupID string) (Group, error) {
	if _, err := uuid.Parse(groupID); err != nil {
		return Group{}, ErrNotFound
	}
	groups, err := q.groups(ctx, selectGroup+`WHERE id = $1`, groupID)
	if err != nil {
		return Group{}, err
	}
	if len(groups) == 0 {
		return Group{}, ErrNotFound
	}
	return groups[0], nil
}

// Groups lists an account's groups, the Administrator group first.
func (q *Queries) Groups(ctx context.Context, accountID string) ([]Group, error) {
	return q.groups(ctx, selectGroup+`WHERE account_id = $1 ORDER BY builtin DESC, lower(name), id`, accountID)
}

func (q *Queries) groups(ctx context.Context, sql string, args ...any) ([]Group, error) {
	rows, err := q.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("query groups: %w", pgerr.Classify(err))
	}
	out := []Group{}
	var (
		g     Group
		perms []string
		rev   int64
	)
	_, err = pgx.ForEachRow(rows, []any{&g.ID, &g.AccountID, &g.Name, &perms, &g.Builtin, &rev}, func() error {
		g.Revision = uint64(rev)
		if g.Builtin {
			// The Administrator group holds every permission there is now, not a stored list.
			g.Permissions = group.All()
		} else {
			g.Permissions = make([]group.Permission, len(perms))
			for i, p := range perms {
				g.Permissions[i] = group.Permission(p)
			}
		}
		out = append(out, g)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("query groups: %w", pgerr.Classify(err))
	}
	return out, nil
}

// AdministratorPermissions are the permissions of every Administrator group: all there are in
// this release, whatever release projected the group.
func AdministratorPermissions() []string { return permissionNames(group.All()) }

// TimeZone returns a user's time zone ("" when unknown): for times a user gives without an offset.
func (q *Queries) TimeZone(ctx context.Context, userID string) (string, error) {
	u, err := q.User(ctx, userID)
	if errors.Is(err, user.ErrNotFound) {
		return "", nil
	}
	return u.TimeZone, err
}
