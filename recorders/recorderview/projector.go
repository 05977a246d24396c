// Package recorderview is the recorders read model: every account's recorders (with the digest
// of their credentials, for authentication) and its item tree, folders and cameras with their
// full paths.
package recorderview

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/camcloud/accounts/projections"
	"github.com/camcloud/accounts/recorders/itemtree"
	"github.com/camcloud/accounts/recorders/recorder"
)

//go:embed schema.sql
var schema string

// Name is the read model's name, also used by read-your-writes waits.
const Name = "recorders"

// Projector maintains the recorders read model.
type Projector struct{}

var _ projections.Projector = Projector{}

func (Projector) Name() string { return Name }
func (Projector) Version() int { return 3 }

func (Projector) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, schema)
	return err
}

func (Projector) Drop(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `DROP TABLE IF EXISTS recorders, items, item_trees`)
	return err
}

func (Projector) Handles() []string {
	var events []string
	for _, e := range recorder.Events() {
		events = append(events, e.EventType())
	}
	for _, e := range itemtree.Events() {
		events = append(events, e.EventType())
	}
	return events
}

// repath recomputes the path of the items the condition selects from their ancestors' names.
const repath = `UPDATE items i SET path = coalesce((
	SELECT string_agg(f.name, ' / ' ORDER BY a.ord) || ' / '
	FROM unnest(i.ancestors) WITH ORDINALITY AS a(id, ord) JOIN items f ON f.id = a.id), '') || i.name
	WHERE `

// placeUnder is the ancestors of an item placed under folder $1 (NULL: the top level).
const placeUnder = `coalesce((SELECT p.ancestors || p.id FROM items p WHERE p.id = $1::uuid), '{}'::uuid[])`

// Apply queues the statements of the batch's events in order and sends them in one round trip.
// Each statement is set-based: a folder's rename or move updates every row below it in one.
func (Projector) Apply(ctx context.Context, tx pgx.Tx, events []projections.Envelope) error {
	b := &pgx.Batch{}
	for _, env := range events {
		if err := queue(b, env); err != nil {
			return err
		}
	}
	if b.Len() == 0 {
		return nil
	}
	return tx.SendBatch(ctx, b).Close()
}

func queue(b *pgx.Batch, env projections.Envelope) error {
	at, rev := env.RecordedAt, int64(env.Revision)
	switch e := env.Event.(type) {
	case recorder.Registered:
		b.Queue(`INSERT INTO recorders (id, account_id, serial, model, firmware, name, status, secret_digest, revision, registered_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $9, $9)`,
			e.RecorderID, e.AccountID, e.Serial, e.Model, e.Firmware, e.Name, e.SecretDigest, rev, at)
	case recorder.Reregistered:
		b.Queue(`UPDATE recorders SET model = $2, firmware = $3, secret_digest = $4, status = 'active', revision = $5, updated_at = $6 WHERE id = $1`,
			e.RecorderID, e.Model, e.Firmware, e.SecretDigest, rev, at)
	case recorder.Renamed:
		b.Queue(`UPDATE recorders SET name = $2, revision = $3, updated_at = $4 WHERE id = $1`, e.RecorderID, e.Name, rev, at)
	case recorder.Deregistered:
		b.Queue(`UPDATE recorders SET status = 'deregistered', secret_digest = '', revision = $2, updated_at = $3 WHERE id = $1`, e.RecorderID, rev, at)
		b.Queue(`DELETE FROM items WHERE recorder_id = $1`, e.RecorderID)
	case recorder.LandingFolderChosen:
		b.Queue(`UPDATE recorders SET landing_folder_id = $2, revision = $3, updated_at = $4 WHERE id = $1`, e.RecorderID, nullable(e.FolderID), rev, at)
	case recorder.CameraDiscovered:
		// It lands in its recorder's landing folder, or at the top level.
		b.Queue(`INSERT INTO items (id, account_id, kind, parent_id, name, ancestors, path, recorder_id, hardware_id, channel, model, online, revision, created_at, updated_at)
			VALUES ($2, $3, 'camera', $1::uuid, $4, `+placeUnder+`, $4, $5, $6, $7, $8, true, $9, $10, $10)`,
			nullable(e.FolderID), e.CameraID, e.AccountID, e.Name, e.RecorderID, e.HardwareID, e.Channel, e.Model, rev, at)
		if e.FolderID != "" {
			b.Queue(repath+`i.id = $1`, e.CameraID)
		}
		b.Queue(`UPDATE recorders SET revision = $2 WHERE id = $1`, e.RecorderID, rev)
	case recorder.CameraChanged:
		b.Queue(`UPDATE items SET channel = $2, model = $3, name = CASE WHEN renamed THEN name ELSE $4 END, revision = $5, updated_at = $6 WHERE id = $1`,
			e.CameraID, e.Channel, e.Model, e.Name, rev, at)
		b.Queue(repath+`i.id = $1`, e.CameraID)
		queueRecorderRevision(b, e.RecorderID, rev)
	case recorder.CameraWentOffline:
		b.Queue(`UPDATE items SET online = false, revision = $2, updated_at = $3 WHERE id = $1`, e.CameraID, rev, at)
		queueRecorderRevision(b, e.RecorderID, rev)
	case recorder.CameraCameOnline:
		b.Queue(`UPDATE items SET online = true, revision = $2, updated_at = $3 WHERE id = $1`, e.CameraID, rev, at)
		queueRecorderRevision(b, e.RecorderID, rev)
	case recorder.CameraRenamed:
		b.Queue(`UPDATE items SET name = $2, renamed = true, revision = $3, updated_at = $4 WHERE id = $1`, e.CameraID, e.Name, rev, at)
		b.Queue(repath+`i.id = $1`, e.CameraID)
		queueRecorderRevision(b, e.RecorderID, rev)
	case recorder.CameraRemoved:
		b.Queue(`DELETE FROM items WHERE id = $1`, e.CameraID)
		queueRecorderRevision(b, e.RecorderID, rev)
	case itemtree.FolderCreated:
		b.Queue(`INSERT INTO items (id, account_id, kind, parent_id, name, ancestors, path, revision, created_at, updated_at)
			VALUES ($2, $3, 'folder', $1::uuid, $4, `+placeUnder+`, '', $5, $6, $6)`,
			nullable(e.ParentID), e.FolderID, e.AccountID, e.Name, rev, at)
		b.Queue(repath+`i.id = $1`, e.FolderID)
		queueTree(b, e.AccountID, rev)
	case itemtree.FolderRenamed:
		b.Queue(`UPDATE items SET name = $2, revision = $3, updated_at = $4 WHERE id = $1`, e.FolderID, e.Name, rev, at)
		b.Queue(repath+`i.id = $1 OR i.ancestors @> ARRAY[$1::uuid]`, e.FolderID)
		queueTree(b, e.AccountID, rev)
	case itemtree.FolderMoved:
		// The folder's new ancestors, then every row below it: the new ancestors, the folder,
		// and what stood below the folder before.
		b.Queue(`WITH moved AS (
				UPDATE items SET parent_id = $1::uuid, ancestors = `+placeUnder+`, revision = $3, updated_at = $4 WHERE id = $2
				RETURNING ancestors)
			UPDATE items i SET ancestors = (SELECT ancestors FROM moved) || i.ancestors[array_position(i.ancestors, $2::uuid):]
			WHERE i.ancestors @> ARRAY[$2::uuid]`,
			nullable(e.ParentID), e.FolderID, rev, at)
		b.Queue(repath+`i.id = $1 OR i.ancestors @> ARRAY[$1::uuid]`, e.FolderID)
		queueTree(b, e.AccountID, rev)
	case itemtree.FolderDeleted:
		b.Queue(`DELETE FROM items WHERE id = $1`, e.FolderID)
		queueTree(b, e.AccountID, rev)
	case itemtree.CamerasPlaced:
		b.Queue(`UPDATE items SET parent_id = $1::uuid, ancestors = `+placeUnder+`, updated_at = $3 WHERE id = ANY($2::uuid[]) AND kind = 'camera'`,
			nullable(e.FolderID), e.CameraIDs, at)
		b.Queue(repath+`i.id = ANY($1::uuid[])`, e.CameraIDs)
		queueTree(b, e.AccountID, rev)
	case nil:
		return fmt.Errorf("recorders read model: %s: event type unknown to this version", env.Type)
	}
	return nil
}

// queueRecorderRevision moves a recorder's revision (its ETag) to an event of its stream that
// changes only a camera: a change made with If-Match names the stream's revision.
func queueRecorderRevision(b *pgx.Batch, recorderID string, rev int64) {
	b.Queue(`UPDATE recorders SET revision = $2 WHERE id = $1`, recorderID, rev)
}

func queueTree(b *pgx.Batch, accountID string, rev int64) {
	b.Queue(`INSERT INTO item_trees (account_id, revision) VALUES ($1, $2)
		ON CONFLICT (account_id) DO UPDATE SET revision = excluded.revision`, accountID, rev)
}

// nullable is a folder ID as SQL: nil for the top level.
func nullable(id string) any {
	if id == "" {
		return nil
	}
	return id
}
