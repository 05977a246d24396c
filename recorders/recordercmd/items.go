package recordercmd

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/recorders/itemtree"
	"github.com/camcloud/accounts/recorders/recorder"
)

// The item tree commands: create, rename, move and delete folders, and move cameras between
// folders, with recorders.manage on the account.

// ErrUnknownCamera: a camera named in a move is not a live camera of the account.
var ErrUnknownCamera = fault.New(fault.Invalid, "unknown camera").With(fault.Problem{
	Type: "unknown-camera", Title: "Unknown camera", Field: "camera_ids", Explain: true,
})

// TreeStream names an account's item tree stream.
func TreeStream(accountID string) string {
	return eventstore.StreamName(TreeAggregate.Category, accountID)
}

// Created is the answer to CreateFolder.
type Created struct {
	command.Result
	FolderID string
}

// CreateFolder makes a folder under parentID ("" for the top level) of an account's tree.
func (c *Commands) CreateFolder(ctx context.Context, origin command.Origin, accountID, parentID, name string) (Created, error) {
	if err := c.authz.RequireChange(ctx, origin.Principal, group.RecordersManage, accountID); err != nil {
		return Created{}, err
	}
	id := uuid.NewString()
	res, err := c.change(ctx, origin, accountID, nil, func(_ *command.Unit, t itemtree.Tree) ([]itemtree.Event, error) {
		if err := reaches(origin.Principal, t, parentID, itemtree.ErrUnknownParent); err != nil {
			return nil, err
		}
		return t.CreateFolder(accountID, id, parentID, name)
	})
	return Created{Result: res, FolderID: id}, err
}

// UpdateFolder renames a folder and/or moves it under parentID ("" for the top level); nil
// leaves either as it is. Both change in one append.
func (c *Commands) UpdateFolder(ctx context.Context, origin command.Origin, folderID string, name, parentID *string, ifRevision *uint64) (command.Result, error) {
	return c.onFolder(ctx, origin, folderID, ifRevision, func(_ *command.Unit, t itemtree.Tree) ([]itemtree.Event, error) {
		var events []itemtree.Event
		if parentID != nil {
			if err := reaches(origin.Principal, t, *parentID, itemtree.ErrUnknownParent); err != nil {
				return nil, err
			}
			moved, err := t.MoveFolder(folderID, *parentID)
			if err != nil {
				return nil, err
			}
			events = append(events, moved...)
			for _, e := range moved {
				t = t.Apply(e)
			}
		}
		if name != nil {
			renamed, err := t.RenameFolder(folderID, *name)
			if err != nil {
				return nil, err
			}
			events = append(events, renamed...)
		}
		return events, nil
	})
}

// RenameFolder gives a folder another name: one event, whatever it holds.
func (c *Commands) RenameFolder(ctx context.Context, origin command.Origin, folderID, name string, ifRevision *uint64) (command.Result, error) {
	return c.onFolder(ctx, origin, folderID, ifRevision, func(_ *command.Unit, t itemtree.Tree) ([]itemtree.Event, error) {
		return t.RenameFolder(folderID, name)
	})
}

// MoveFolder puts a folder, with everything below it, under parentID ("" for the top level).
func (c *Commands) MoveFolder(ctx context.Context, origin command.Origin, folderID, parentID string, ifRevision *uint64) (command.Result, error) {
	return c.onFolder(ctx, origin, folderID, ifRevision, func(_ *command.Unit, t itemtree.Tree) ([]itemtree.Event, error) {
		if err := reaches(origin.Principal, t, parentID, itemtree.ErrUnknownParent); err != nil {
			return nil, err
		}
		return t.MoveFolder(folderID, parentID)
	})
}

// DeleteFolder deletes an empty folder.
func (c *Commands) DeleteFolder(ctx context.Context, origin command.Origin, folderID string) (command.Result, error) {
	return c.onFolder(ctx, origin, folderID, nil, func(_ *command.Unit, t itemtree.Tree) ([]itemtree.Event, error) {
		return t.DeleteFolder(folderID)
	})
}

// PlaceCameras moves cameras of an account into folderID ("" for the top level). Each camera
// must be a live camera of a recorder of the account: their recorders' streams are read into the
// same unit, so a camera removed meanwhile fails the move.
func (c *Commands) PlaceCameras(ctx context.Context, origin command.Origin, accountID string, cameraIDs []string, folderID string) (command.Result, error) {
	if err := c.authz.RequireChange(ctx, origin.Principal, group.RecordersManage, accountID); err != nil {
		return command.Result{}, err
	}
	if len(cameraIDs) > itemtree.MaxCamerasPerMove {
		return command.Result{}, fmt.Errorf("%w: at most %d cameras at once", ErrUnknownCamera, itemtree.MaxCamerasPerMove)
	}
	recorderOf, err := c.lookup.CameraRecorders(ctx, cameraIDs)
	if err != nil {
		return command.Result{}, err
	}
	for i, cam := range cameraIDs {
		if _, ok := recorderOf[cam]; !ok {
			return command.Result{}, fmt.Errorf("%w: camera_ids[%d] is not a camera of this account", ErrUnknownCamera, i)
		}
	}
	return c.change(ctx, origin, accountID, nil, func(u *command.Unit, t itemtree.Tree) ([]itemtree.Event, error) {
		if err := reaches(origin.Principal, t, folderID, itemtree.ErrUnknownTarget); err != nil {
			return nil, err
		}
		recorders := map[string]recorder.Recorder{}
		for i, cam := range cameraIDs {
			if err := reaches(origin.Principal, t, cam, ErrUnknownCamera); err != nil {
				return nil, fmt.Errorf("%w: camera_ids[%d] is not a camera of this account", err, i)
			}
			id := recorderOf[cam]
			r, ok := recorders[id]
			if !ok {
				s, err := c.recorders.LoadInto(ctx, u, id)
				if err != nil {
					return nil, err
				}
				u.Check(s.Name)
				r, recorders[id] = s.State, s.State
			}
			if _, err := r.Camera(cam); err != nil || r.AccountID != accountID {
				return nil, fmt.Errorf("%w: camera_ids[%d] is not a camera of this account", ErrUnknownCamera, i)
			}
		}
		return t.PlaceCameras(accountID, cameraIDs, folderID)
	})
}

// onFolder runs a decision on the tree holding folderID, after authorizing the principal on its
// account. A folder outside the principal's scope is as unknown as a missing one.
func (c *Commands) onFolder(ctx context.Context, origin command.Origin, folderID string, ifRevision *uint64, decide func(*command.Unit, itemtree.Tree) ([]itemtree.Event, error)) (command.Result, error) {
	if _, err := uuid.Parse(folderID); err != nil {
		return command.Result{}, itemtree.ErrFolderNotFound
	}
	accountID, err := c.lookup.FolderAccount(ctx, folderID)
	if err != nil {
		return command.Result{}, err
	}
	if err := access.OutOfScopeAs(c.authz.RequireChange(ctx, origin.Principal, group.RecordersManage, accountID), itemtree.ErrFolderNotFound); err != nil {
		return command.Result{}, err
	}
	return c.change(ctx, origin, accountID, ifRevision, func(u *command.Unit, t itemtree.Tree) ([]itemtree.Event, error) {
		if err := reaches(origin.Principal, t, folderID, itemtree.ErrFolderNotFound); err != nil {
			return nil, err
		}
		return decide(u, t)
	})
}

// reaches returns notFound unless p reaches item of tree t ("" is the top level): a support agent
// under a grant of items reaches them and what is below them, and nothing else; outside the
// grant an item is as unknown as a missing one.
func reaches(p access.Principal, t itemtree.Tree, item string, notFound error) error {
	switch {
	case !p.Limited() || p.Reaches(item, t.Ancestors(item)):
		return nil
	case item == "":
		return access.ErrOutOfScope
	}
	return notFound
}

// change decides on an account's tree, which need not exist yet (no folder made so far).
func (c *Commands) change(ctx context.Context, origin command.Origin, accountID string, ifRevision *uint64, decide func(*command.Unit, itemtree.Tree) ([]itemtree.Event, error)) (command.Result, error) {
	var unchanged command.Result
	done, err := c.h.Transact(ctx, origin, ifRevision == nil, func(u *command.Unit) error {
		s, err := c.trees.LoadInto(ctx, u, accountID)
		if err != nil {
			return err
		}
		if ifRevision != nil && s.Revision != *ifRevision {
			return fmt.Errorf("%s is at revision %d, not %d: %w", s.Name, s.Revision, *ifRevision, command.ErrRevisionMismatch)
		}
		events, err := decide(u, s.State)
		if err != nil {
			return err
		}
		unchanged = s.Result()
		c.trees.StageIn(u, accountID, s, events...)
		return nil
	})
	if err != nil {
		return command.Result{}, command.RevisionMismatch(err, ifRevision)
	}
	return done.Of(c.trees.Stream(accountID), unchanged), nil
}
