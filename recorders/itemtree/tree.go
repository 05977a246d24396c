// Package itemtree holds the item tree of one account: folders (sites, buildings, floors) nested at
// any depth, and the cameras placed in them as leaves. A camera not placed in a folder stands at
// the top level, where every camera starts. Folder names are unique among their sibling folders
// (whatever their case); a folder never moves below itself; a folder that holds anything is not
// deleted. The whole tree of an account is one aggregate, so that these rules hold under
// concurrent changes: every change is appended at the revision it was decided on.
//
// The package is pure: decisions are functions from the folded state and a command to events or
// a typed error.
package itemtree

import "strings"

// Folder is a folder of the tree.
type Folder struct {
	ID       string
	ParentID string // "" for the top level
	Name     string
}

// Tree is the state of an account's item tree. The zero value is an empty tree.
type Tree struct {
	AccountID string
	Folders   map[string]Folder // live folders by ID
	// Placed maps a camera to the folder it stands in; a camera at the top level is not in it.
	Placed map[string]string
}

// Apply returns the state after e. Maps are copied before they change, so a state kept by a
// caller never changes under it.
func (t Tree) Apply(e Event) Tree {
	switch e := e.(type) {
	case FolderCreated:
		t.AccountID = e.AccountID
		t.Folders = clone(t.Folders)
		t.Folders[e.FolderID] = Folder{ID: e.FolderID, ParentID: e.ParentID, Name: e.Name}
	case FolderRenamed:
		t.Folders = clone(t.Folders)
		f := t.Folders[e.FolderID]
		f.Name = e.Name
		t.Folders[e.FolderID] = f
	case FolderMoved:
		t.Folders = clone(t.Folders)
		f := t.Folders[e.FolderID]
		f.ParentID = e.ParentID
		t.Folders[e.FolderID] = f
	case FolderDeleted:
		t.Folders = clone(t.Folders)
		delete(t.Folders, e.FolderID)
	case CamerasPlaced:
		t.AccountID = e.AccountID
		t.Placed = clone(t.Placed)
		for _, c := range e.CameraIDs {
			if e.FolderID == "" {
				delete(t.Placed, c)
			} else {
				t.Placed[c] = e.FolderID
			}
		}
	}
	return t
}

func clone[V any](m map[string]V) map[string]V {
	out := make(map[string]V, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Holds reports whether a folder holds a folder or a camera.
func (t Tree) Holds(folderID string) bool {
	for _, f := range t.Folders {
		if f.ParentID == folderID {
			return true
		}
	}
	for _, in := range t.Placed {
		if in == folderID {
			return true
		}
	}
	return false
}

// Below reports whether folder id is ancestor or one of its descendants.
func (t Tree) Below(id, ancestor string) bool {
	for steps := 0; id != "" && steps <= len(t.Folders); steps++ {
		if id == ancestor {
			return true
		}
		id = t.Folders[id].ParentID
	}
	return false
}

// Ancestors returns the folders above an item (a folder or a camera), from its parent up to the
// top level; an item at the top level, or unknown to the tree, has none.
func (t Tree) Ancestors(item string) []string {
	parent, ok := t.Placed[item]
	if f, isFolder := t.Folders[item]; isFolder {
		parent, ok = f.ParentID, true
	}
	if !ok {
		return nil
	}
	var above []string
	for parent != "" && len(above) <= len(t.Folders) {
		above = append(above, parent)
		parent = t.Folders[parent].ParentID
	}
	return above
}

// nameTaken reports whether another folder under parent has name, whatever its case.
func (t Tree) nameTaken(parent, name, except string) bool {
	for _, f := range t.Folders {
		if f.ParentID == parent && f.ID != except && strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}
