package itemtree

import (
	"fmt"

	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/domain/field"
)

const maxNameRunes = 100

// MaxCamerasPerMove bounds one move of cameras.
const MaxCamerasPerMove = 1000

// The outcomes a caller acts on; test for them with errors.Is.
var (
	// ErrFolderNotFound: no such live folder in this tree.
	ErrFolderNotFound = fault.New(fault.NotFound, "folder not found")
	// ErrUnknownParent: the parent a folder is to stand under is not a folder of this tree.
	ErrUnknownParent = fault.New(fault.Invalid, "unknown parent folder").With(fault.Problem{
		Type: "unknown-folder", Title: "Unknown folder", Field: "parent_id", Detail: "parent_id is not a folder of this account",
	})
	// ErrUnknownTarget: the folder cameras are to move into is not a folder of this tree.
	ErrUnknownTarget = fault.New(fault.Invalid, "unknown folder").With(fault.Problem{
		Type: "unknown-folder", Title: "Unknown folder", Field: "folder_id", Detail: "folder_id is not a folder of this account",
	})
	// ErrNameTaken: a sibling folder has the name already.
	ErrNameTaken = fault.New(fault.Taken, "a folder beside it has this name").With(fault.Problem{
		Title: "Folder name taken", Field: "name", Detail: "another folder in the same place has this name",
	})
	// ErrCycle: a folder cannot move below itself.
	ErrCycle = fault.New(fault.Invalid, "a folder cannot move below itself").With(fault.Problem{
		Type: "folder-cycle", Title: "Folder below itself", Field: "parent_id",
		Detail: "a folder cannot be moved into itself or one of the folders below it",
	})
	// ErrNotEmpty: a folder that holds folders or cameras is not deleted.
	ErrNotEmpty = fault.New(fault.State, "the folder is not empty").With(fault.Problem{
		Type: "folder-not-empty", Title: "Folder not empty", Detail: "move or delete what the folder holds first",
	})
)

func (t Tree) folder(id string) (Folder, error) {
	f, ok := t.Folders[id]
	if !ok {
		return Folder{}, ErrFolderNotFound
	}
	return f, nil
}

// CreateFolder makes folder id named name under parentID ("" for the top level).
func (t Tree) CreateFolder(accountID, id, parentID, name string) ([]Event, error) {
	if _, exists := t.Folders[id]; exists || id == "" {
		return nil, fmt.Errorf("create folder: the command layer must choose a fresh ID")
	}
	if parentID != "" {
		if _, ok := t.Folders[parentID]; !ok {
			return nil, ErrUnknownParent
		}
	}
	name, err := field.Text("name", name, true, maxNameRunes)
	if err != nil {
		return nil, err
	}
	if t.nameTaken(parentID, name, "") {
		return nil, ErrNameTaken
	}
	return []Event{FolderCreated{AccountID: accountID, FolderID: id, ParentID: parentID, Name: name}}, nil
}

// RenameFolder gives a folder another name: one event, whatever it holds.
func (t Tree) RenameFolder(id, name string) ([]Event, error) {
	f, err := t.folder(id)
	if err != nil {
		return nil, err
	}
	name, err = field.Text("name", name, true, maxNameRunes)
	if err != nil || name == f.Name {
		return nil, err
	}
	if t.nameTaken(f.ParentID, name, id) {
		return nil, ErrNameTaken
	}
	return []Event{FolderRenamed{AccountID: t.AccountID, FolderID: id, Name: name}}, nil
}

// MoveFolder puts a folder, with everything below it, under parentID ("" for the top level).
func (t Tree) MoveFolder(id, parentID string) ([]Event, error) {
	f, err := t.folder(id)
	if err != nil {
		return nil, err
	}
	if parentID != "" {
		if _, ok := t.Folders[parentID]; !ok {
			return nil, ErrUnknownParent
		}
		if t.Below(parentID, id) {
			return nil, ErrCycle
		}
	}
	if parentID == f.ParentID {
		return nil, nil
	}
	if t.nameTaken(parentID, f.Name, id) {
		return nil, ErrNameTaken
	}
	return []Event{FolderMoved{AccountID: t.AccountID, FolderID: id, ParentID: parentID}}, nil
}

// DeleteFolder deletes an empty folder.
func (t Tree) DeleteFolder(id string) ([]Event, error) {
	if _, err := t.folder(id); err != nil {
		return nil, err
	}
	if t.Holds(id) {
		return nil, ErrNotEmpty
	}
	return []Event{FolderDeleted{AccountID: t.AccountID, FolderID: id}}, nil
}

// PlaceCameras puts cameras of this account in folderID ("" for the top level). That the cameras
// are the account's and live is the command layer's check (they live in their recorders'
// streams); cameras already there are left out, and a move of none changes nothing.
func (t Tree) PlaceCameras(accountID string, cameraIDs []string, folderID string) ([]Event, error) {
	if len(cameraIDs) == 0 {
		return nil, field.Invalid("camera_ids", "must name at least one camera")
	}
	if len(cameraIDs) > MaxCamerasPerMove {
		return nil, field.Invalid("camera_ids", fmt.Sprintf("must name at most %d cameras", MaxCamerasPerMove))
	}
	if folderID != "" {
		if _, ok := t.Folders[folderID]; !ok {
			return nil, ErrUnknownTarget
		}
	}
	var moving []string
	seen := map[string]bool{}
	for _, c := range cameraIDs {
		if seen[c] || t.Placed[c] == folderID {
			continue
		}
		seen[c] = true
		moving = append(moving, c)
	}
	if len(moving) == 0 {
		return nil, nil
	}
	return []Event{CamerasPlaced{AccountID: accountID, CameraIDs: moving, FolderID: folderID}}, nil
}
