package recorderview

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/internal/pgerr"
	"github.com/camcloud/accounts/projections"
	"github.com/camcloud/accounts/recorders/itemtree"
	"github.com/camcloud/accounts/recorders/recorder"
)

// ErrInvalidCursor is returned for a page cursor this service did not make.
var ErrInvalidCursor = projections.ErrInvalidCursor

// ErrItemNotFound: no such item (folder or camera).
var ErrItemNotFound = fault.New(fault.NotFound, "item not found")

// Recorder is a recorder as the read model holds it.
type Recorder struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	Serial    string `json:"serial"`
	Model     string `json:"model"`
	Firmware  string `json:"firmware"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	// LandingFolderID is where the cameras it reports first land; absent: the top level.
	LandingFolderID string    `json:"landing_folder_id,omitempty"`
	Cameras         int       `json:"cameras"`
	Revision        uint64    `json:"revision"`
	RegisteredAt    time.Time `json:"registered_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// Item is a folder or a camera of an account's item tree.
type Item struct {
	ID        string   `json:"id"`
	AccountID string   `json:"account_id"`
	Kind      string   `json:"kind"`
	ParentID  string   `json:"parent_id,omitempty"`
	Name      string   `json:"name"`
	Path      string   `json:"path"`
	Ancestors []string `json:"ancestors"`
	// Folders and Cameras count what is below a folder, at any depth.
	Folders *int `json:"folders,omitempty"`
	Cameras *int `json:"cameras,omitempty"`
	// A camera's recorder and what the recorder reports of it.
	RecorderID string `json:"recorder_id,omitempty"`
	HardwareID string `json:"hardware_id,omitempty"`
	Channel    *int   `json:"channel,omitempty"`
	Model      string `json:"model,omitempty"`
	Online     *bool  `json:"online,omitempty"`
	Revision   uint64 `json:"revision"`
}

// Camera is a camera with its place in the tree and its recorder.
type Camera struct {
	Item
	RecorderName   string `json:"recorder_name"`
	RecorderSerial string `json:"recorder_serial"`
}

// Queries reads the recorders read model.
type Queries struct {
	pool *pgxpool.Pool
}

// NewQueries returns the queries on pool.
func NewQueries(pool *pgxpool.Pool) *Queries { return &Queries{pool: pool} }

const selectRecorder = `SELECT r.id::text, r.account_id::text, r.serial, r.model, r.firmware, r.name, r.status, coalesce(r.landing_folder_id::text, ''),
	(SELECT count(*) FROM items c WHERE c.recorder_id = r.id), r.revision, r.registered_at, r.updated_at FROM recorders r `

func scanRecorder(row pgx.Row) (Recorder, error) {
	var r Recorder
	var rev int64
	err := row.Scan(&r.ID, &r.AccountID, &r.Serial, &r.Model, &r.Firmware, &r.Name, &r.Status, &r.LandingFolderID, &r.Cameras, &rev, &r.RegisteredAt, &r.UpdatedAt)
	r.Revision = uint64(rev)
	return r, err
}

// Recorder returns a registered recorder (not one deregistered).
func (q *Queries) Recorder(ctx context.Context, id string) (Recorder, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Recorder{}, recorder.ErrNotFound
	}
	r, err := scanRecorder(q.pool.QueryRow(ctx, selectRecorder+`WHERE r.id = $1 AND r.status = 'active'`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Recorder{}, recorder.ErrNotFound
	}
	if err != nil {
		return Recorder{}, fmt.Errorf("recorder %s: %w", id, pgerr.Classify(err))
	}
	return r, nil
}

// Page is one page of recorders; Next is empty on the last page.
type Page struct {
	Recorders []Recorder `json:"items"`
	Next      string     `json:"next_cursor,omitempty"`
}

// Recorders lists an account's registered recorders by name, limit at a time, after the
// position an earlier page's Next cursor names. search, when given, keeps the recorders whose
// name contains it (whatever the case) or whose serial starts with it. within, when given, keeps
// the recorders with a camera that is one of these items or below one of them.
func (q *Queries) Recorders(ctx context.Context, accountID, search, after string, limit int, within ...string) (Page, error) {
	var c projections.Cursor
	if after != "" {
		var err error
		if c, err = projections.DecodeCursor(after); err != nil {
			return Page{}, err
		}
	}
	sql := selectRecorder + `WHERE r.account_id = $1 AND r.status = 'active'`
	args := []any{accountID, limit + 1}
	if search != "" {
		args = append(args, "%"+likeEscape(strings.ToLower(search))+"%", likeEscape(strings.ToUpper(search))+"%")
		sql += fmt.Sprintf(` AND (lower(r.name) LIKE $%d OR r.serial LIKE $%d)`, len(args)-1, len(args))
	}
	if after != "" {
		args = append(args, c.Name, c.ID)
		sql += fmt.Sprintf(` AND (r.name, r.id) > ($%d, $%d::uuid)`, len(args)-1, len(args))
	}
	if len(within) > 0 {
		args = append(args, within)
		sql += fmt.Sprintf(` AND EXISTS (SELECT 1 FROM items c WHERE c.recorder_id = r.id AND (c.id = ANY($%d::uuid[]) OR c.ancestors && $%d::uuid[]))`, len(args), len(args))
	}
	rows, err := q.pool.Query(ctx, sql+` ORDER BY r.name, r.id LIMIT $2`, args...)
	if err != nil {
		return Page{}, fmt.Errorf("recorders of %s: %w", accountID, pgerr.Classify(err))
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Recorder, error) { return scanRecorder(row) })
	if err != nil {
		return Page{}, fmt.Errorf("recorders of %s: %w", accountID, pgerr.Classify(err))
	}
	page := Page{Recorders: list}
	if list == nil {
		page.Recorders = []Recorder{}
	}
	if len(list) > limit {
		page.Recorders = list[:limit]
		last := list[limit-1]
		page.Next = projections.Cursor{Name: last.Name, ID: last.ID}.Encode()
	}
	return page, nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// RecorderCredentials returns a recorder's account, its credentials digest, whether it is
// registered, and its account's effective status (closed or suspended when it or an account
// above it is). One statement.
func (q *Queries) RecorderCredentials(ctx context.Context, id string) (accountID, digest string, registered bool, accountStatus account.Status, err error) {
	err = q.pool.QueryRow(ctx, `SELECT r.account_id::text, r.secret_digest, r.status = 'active', `+accountview.EffectiveStatusSQL("r.account_id")+`
		FROM recorders r WHERE r.id = $1`, id).Scan(&accountID, &digest, &registered, &accountStatus)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", false, "", recorder.ErrNotFound
	}
	if err != nil {
		return "", "", false, "", fmt.Errorf("credentials of recorder %s: %w", id, pgerr.Classify(err))
	}
	return accountID, digest, registered, accountStatus, nil
}

// CameraRecorder returns the recorder of a camera in the tree.
func (q *Queries) CameraRecorder(ctx context.Context, cameraID string) (string, error) {
	if _, err := uuid.Parse(cameraID); err != nil {
		return "", recorder.ErrCameraNotFound
	}
	var id string
	err := q.pool.QueryRow(ctx, `SELECT recorder_id::text FROM items WHERE id = $1 AND kind = 'camera'`, cameraID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", recorder.ErrCameraNotFound
	}
	if err != nil {
		return "", fmt.Errorf("recorder of camera %s: %w", cameraID, pgerr.Classify(err))
	}
	return id, nil
}

// CameraRecorders maps each of cameraIDs that is a camera in the tree to its recorder, in one
// statement.
func (q *Queries) CameraRecorders(ctx context.Context, cameraIDs []string) (map[string]string, error) {
	var ids []string
	for _, id := range cameraIDs {
		if _, err := uuid.Parse(id); err == nil {
			ids = append(ids, id)
		}
	}
	rows, err := q.pool.Query(ctx, `SELECT id::text, recorder_id::text FROM items WHERE id = ANY($1::uuid[]) AND kind = 'camera'`, ids)
	if err != nil {
		return nil, fmt.Errorf("recorders of cameras: %w", pgerr.Classify(err))
	}
	defer rows.Close()
	out := make(map[string]string, len(ids))
	for rows.Next() {
		var camera, rec string
		if err := rows.Scan(&camera, &rec); err != nil {
			return nil, fmt.Errorf("recorders of cameras: %w", pgerr.Classify(err))
		}
		out[camera] = rec
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recorders of cameras: %w", pgerr.Classify(err))
	}
	return out, nil
}

// FolderAccount returns the account of a folder.
func (q *Queries) FolderAccount(ctx context.Context, folderID string) (string, error) {
	if _, err := uuid.Parse(folderID); err != nil {
		return "", itemtree.ErrFolderNotFound
	}
	var id string
	err := q.pool.QueryRow(ctx, `SELECT account_id::text FROM items WHERE id = $1 AND kind = 'folder'`, folderID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", itemtree.ErrFolderNotFound
	}
	if err != nil {
		return "", fmt.Errorf("account of folder %s: %w", folderID, pgerr.Classify(err))
	}
	return id, nil
}

const selectItem = `SELECT i.id::text, i.account_id::text, i.kind, coalesce(i.parent_id::text, ''), i.name, i.path,
	i.ancestors::text[], coalesce(i.recorder_id::text, ''), coalesce(i.hardware_id, ''), i.channel, coalesce(i.model, ''), i.online,
	CASE WHEN i.kind = 'folder' THEN (SELECT count(*) FILTER (WHERE d.kind = 'folder') FROM items d WHERE d.ancestors @> ARRAY[i.id]) END,
	CASE WHEN i.kind = 'folder' THEN (SELECT count(*) FILTER (WHERE d.kind = 'camera') FROM items d WHERE d.ancestors @> ARRAY[i.id]) END,
	i.revision FROM items i `

func scanItem(row pgx.Row) (Item, error) {
	var it Item
	var channel, folders, cameras *int64
	var rev int64
	err := row.Scan(&it.ID, &it.AccountID, &it.Kind, &it.ParentID, &it.Name, &it.Path, &it.Ancestors, &it.RecorderID, &it.HardwareID,
		&channel, &it.Model, &it.Online, &folders, &cameras, &rev)
	it.Channel, it.Folders, it.Cameras, it.Revision = toInt(channel), toInt(folders), toInt(cameras), uint64(rev)
	return it, err
}

func toInt(v *int64) *int {
	if v == nil {
		return nil
	}
	n := int(*v)
	return &n
}

// Item returns one item of a tree.
func (q *Queries) Item(ctx context.Context, id string) (Item, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Item{}, ErrItemNotFound
	}
	it, err := scanItem(q.pool.QueryRow(ctx, selectItem+`WHERE i.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Item{}, ErrItemNotFound
	}
	if err != nil {
		return Item{}, fmt.Errorf("item %s: %w", id, pgerr.Classify(err))
	}
	return it, nil
}

// RecorderHolds reports whether a recorder has a camera that is one of items or below one.
func (q *Queries) RecorderHolds(ctx context.Context, recorderID string, items []string) (bool, error) {
	var holds bool
	err := q.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM items WHERE recorder_id = $1 AND (id = ANY($2::uuid[]) OR ancestors && $2::uuid[]))`,
		recorderID, items).Scan(&holds)
	if err != nil {
		return false, fmt.Errorf("cameras of recorder %s: %w", recorderID, pgerr.Classify(err))
	}
	return holds, nil
}

// Camera returns a camera with its path and its recorder.
func (q *Queries) Camera(ctx context.Context, id string) (Camera, error) {
	it, err := q.Item(ctx, id)
	if errors.Is(err, ErrItemNotFound) || (err == nil && it.Kind != "camera") {
		return Camera{}, recorder.ErrCameraNotFound
	}
	if err != nil {
		return Camera{}, err
	}
	c := Camera{Item: it}
	err = q.pool.QueryRow(ctx, `SELECT name, serial FROM recorders WHERE id = $1`, it.RecorderID).Scan(&c.RecorderName, &c.RecorderSerial)
	if err != nil {
		return Camera{}, fmt.Errorf("recorder of camera %s: %w", id, pgerr.Classify(err))
	}
	return c, nil
}

// Tree is an account's item tree, or the part of it below one folder.
type Tree struct {
	AccountID string `json:"account_id"`
	// Revision is the tree's (its folders' ETag).
	Revision uint64 `json:"revision"`
	// Items lists every item, parents before their children, siblings folders first, by name.
	Items []Item `json:"items"`
}

// Tree returns an account's whole tree (no roots) or the items roots with everything below them.
// Folders carry the counts of what is below them; kind "folder" leaves the cameras out.
func (q *Queries) Tree(ctx context.Context, accountID, kind string, roots ...string) (Tree, error) {
	t := Tree{AccountID: accountID, Items: []Item{}}
	var rev int64
	err := q.pool.QueryRow(ctx, `SELECT revision FROM item_trees WHERE account_id = $1`, accountID).Scan(&rev)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return Tree{}, fmt.Errorf("tree of %s: %w", accountID, pgerr.Classify(err))
	}
	t.Revision = uint64(rev)
	sql, args := selectItem+`WHERE i.account_id = $1`, []any{accountID}
	if len(roots) > 0 {
		sql += ` AND (i.id = ANY($2::uuid[]) OR i.ancestors && $2::uuid[])`
		args = append(args, roots)
	}
	if kind != "" {
		sql += fmt.Sprintf(` AND i.kind = $%d`, len(args)+1)
		args = append(args, kind)
	}
	rows, err := q.pool.Query(ctx, sql+` ORDER BY cardinality(i.ancestors), i.kind DESC, i.name, i.id`, args...)
	if err != nil {
		return Tree{}, fmt.Errorf("tree of %s: %w", accountID, pgerr.Classify(err))
	}
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Item, error) { return scanItem(row) })
	if err != nil {
		return Tree{}, fmt.Errorf("tree of %s: %w", accountID, pgerr.Classify(err))
	}
	if items != nil {
		t.Items = items
	}
	return t, nil
}
