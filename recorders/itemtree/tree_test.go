package itemtree_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/camcloud/accounts/domain/domaintest"
	"github.com/camcloud/accounts/domain/field"
	"github.com/camcloud/accounts/recorders/itemtree"
)

// rule is one business rule of an account's item tree: given the events already in the tree's
// stream, when a command is decided on the folded state, then it yields these events or fails
// with this error.
type rule struct {
	name    string
	given   []itemtree.Event
	when    func(itemtree.Tree) ([]itemtree.Event, error)
	then    []itemtree.Event
	thenErr error // matched with errors.Is; refused(field) matches a field error for that field
}

// refused is the error a rule expects when the command is invalid in field.
func refused(field string) error { return domaintest.Refused(field) }

// given folds a tree's stream into its state.
func given(events ...itemtree.Event) itemtree.Tree {
	var t itemtree.Tree
	for _, e := range events {
		t = t.Apply(e)
	}
	return t
}

func history(events ...itemtree.Event) []itemtree.Event { return events }

func check(t *testing.T, rules []rule) {
	t.Helper()
	for _, r := range rules {
		domaintest.Decide(t, r.name, given(r.given...), r.when, r.then, r.thenErr)
	}
}

// The tree of Acme: Site A > Building 1 > Floor 2 > Server room, and the Depot beside Site A.
var (
	siteCreated     = itemtree.FolderCreated{AccountID: "acme", FolderID: "site", Name: "Site A"}
	buildingCreated = itemtree.FolderCreated{AccountID: "acme", FolderID: "building", ParentID: "site", Name: "Building 1"}
	floorCreated    = itemtree.FolderCreated{AccountID: "acme", FolderID: "floor", ParentID: "building", Name: "Floor 2"}
	roomCreated     = itemtree.FolderCreated{AccountID: "acme", FolderID: "room", ParentID: "floor", Name: "Server room"}
	depotCreated    = itemtree.FolderCreated{AccountID: "acme", FolderID: "depot", Name: "Depot"}

	acmeTree = history(siteCreated, buildingCreated, floorCreated, roomCreated, depotCreated)

	camerasInDepot = itemtree.CamerasPlaced{AccountID: "acme", CameraIDs: []string{"cam-1", "cam-2"}, FolderID: "depot"}
)

// acme returns Acme's tree followed by more events.
func acme(more ...itemtree.Event) []itemtree.Event {
	return append(append([]itemtree.Event{}, acmeTree...), more...)
}

func create(id, parentID, name string) func(itemtree.Tree) ([]itemtree.Event, error) {
	return func(t itemtree.Tree) ([]itemtree.Event, error) { return t.CreateFolder("acme", id, parentID, name) }
}

func rename(id, name string) func(itemtree.Tree) ([]itemtree.Event, error) {
	return func(t itemtree.Tree) ([]itemtree.Event, error) { return t.RenameFolder(id, name) }
}

func move(id, parentID string) func(itemtree.Tree) ([]itemtree.Event, error) {
	return func(t itemtree.Tree) ([]itemtree.Event, error) { return t.MoveFolder(id, parentID) }
}

func deleteFolder(id string) func(itemtree.Tree) ([]itemtree.Event, error) {
	return func(t itemtree.Tree) ([]itemtree.Event, error) { return t.DeleteFolder(id) }
}

func place(folderID string, cameraIDs ...string) func(itemtree.Tree) ([]itemtree.Event, error) {
	return func(t itemtree.Tree) ([]itemtree.Event, error) { return t.PlaceCameras("acme", cameraIDs, folderID) }
}

func placed(folderID string, cameraIDs ...string) itemtree.CamerasPlaced {
	return itemtree.CamerasPlaced{AccountID: "acme", CameraIDs: cameraIDs, FolderID: folderID}
}

func cameras(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("cam-%d", i)
	}
	return ids
}

func TestCreateFolder(t *testing.T) {
	check(t, []rule{
		{
			name: "the first folder of an account is made at the top level",
			when: create("site", "", "Site A"),
			then: history(siteCreated),
		},
		{
			name:  "a folder is made under a folder",
			given: history(siteCreated),
			when:  create("building", "site", "Building 1"),
			then:  history(buildingCreated),
		},
		{
			name:  "a folder is made four levels down",
			given: acme(),
			when:  create("rack", "room", "Rack 7"),
			then:  history(itemtree.FolderCreated{AccountID: "acme", FolderID: "rack", ParentID: "room", Name: "Rack 7"}),
		},
		{
			name:  "the name is stored trimmed",
			given: history(siteCreated),
			when:  create("building", "site", "  Building 1\t"),
			then:  history(buildingCreated),
		},
		{
			name: "a name of 100 characters is accepted, however many bytes they take",
			when: create("f", "", strings.Repeat("ř", 100)),
			then: history(itemtree.FolderCreated{AccountID: "acme", FolderID: "f", Name: strings.Repeat("ř", 100)}),
		},
		{
			name:  "a name a sibling has is allowed under another parent",
			given: acme(),
			when:  create("depot-floor", "depot", "Floor 2"),
			then:  history(itemtree.FolderCreated{AccountID: "acme", FolderID: "depot-floor", ParentID: "depot", Name: "Floor 2"}),
		},
		{
			name:  "a name used below is allowed at the top level",
			given: acme(),
			when:  create("b", "", "Building 1"),
			then:  history(itemtree.FolderCreated{AccountID: "acme", FolderID: "b", Name: "Building 1"}),
		},
		{
			name:  "the name of a deleted folder is free again",
			given: acme(itemtree.FolderDeleted{AccountID: "acme", FolderID: "depot"}),
			when:  create("depot-2", "", "Depot"),
			then:  history(itemtree.FolderCreated{AccountID: "acme", FolderID: "depot-2", Name: "Depot"}),
		},
		{
			name:    "a folder under an unknown parent is refused",
			given:   acme(),
			when:    create("f", "nowhere", "Annex"),
			thenErr: itemtree.ErrUnknownParent,
		},
		{
			name:    "a folder under a deleted parent is refused",
			given:   acme(itemtree.FolderDeleted{AccountID: "acme", FolderID: "depot"}),
			when:    create("f", "depot", "Shelf"),
			thenErr: itemtree.ErrUnknownParent,
		},
		{
			name:    "a name a sibling has is taken",
			given:   acme(),
			when:    create("f", "", "Depot"),
			thenErr: itemtree.ErrNameTaken,
		},
		{
			name:    "a name a sibling has in another case is taken",
			given:   acme(),
			when:    create("f", "site", "BUILDING 1"),
			thenErr: itemtree.ErrNameTaken,
		},
		{
			name:    "a name a sibling has, with white space around, is taken",
			given:   acme(),
			when:    create("f", "floor", " server ROOM "),
			thenErr: itemtree.ErrNameTaken,
		},
		{
			name:    "a folder needs a name",
			given:   acme(),
			when:    create("f", "site", ""),
			thenErr: refused("name"),
		},
		{
			name:    "a name of white space only is refused",
			when:    create("f", "", " \t "),
			thenErr: refused("name"),
		},
		{
			name:    "a name of 101 characters is refused",
			when:    create("f", "", strings.Repeat("x", 101)),
			thenErr: refused("name"),
		},
		{
			name:    "a name with a line break is refused",
			when:    create("f", "", "Site\nA"),
			thenErr: refused("name"),
		},
		{
			name:    "the parent is checked before the name",
			when:    create("f", "nowhere", ""),
			thenErr: itemtree.ErrUnknownParent,
		},
	})
}

// The command layer must choose a fresh folder ID: without one nothing is decided, and the error
// is not blamed on the user's input.
func TestCreateFolderNeedsAFreshID(t *testing.T) {
	state := given(acme()...)
	for _, id := range []string{"", "site", "room"} {
		events, err := state.CreateFolder("acme", id, "", "Annex")
		if err == nil || events != nil {
			t.Errorf("CreateFolder(%q) = %#v, %v; want an error", id, events, err)
		}
		if errors.Is(err, field.ErrInvalid) {
			t.Errorf("CreateFolder(%q) error = %v, want it not to blame the input", id, err)
		}
	}
}

func TestRenameFolder(t *testing.T) {
	check(t, []rule{
		{
			name:  "a folder is renamed with one event, whatever it holds",
			given: acme(camerasInDepot),
			when:  rename("site", "Headquarters"),
			then:  history(itemtree.FolderRenamed{AccountID: "acme", FolderID: "site", Name: "Headquarters"}),
		},
		{
			name:  "the name is stored trimmed",
			given: acme(),
			when:  rename("room", " Data room "),
			then:  history(itemtree.FolderRenamed{AccountID: "acme", FolderID: "room", Name: "Data room"}),
		},
		{
			name:  "renaming to the same name changes nothing",
			given: acme(),
			when:  rename("depot", " Depot "),
		},
		{
			name:  "a folder takes another case of its own name",
			given: acme(),
			when:  rename("depot", "DEPOT"),
			then:  history(itemtree.FolderRenamed{AccountID: "acme", FolderID: "depot", Name: "DEPOT"}),
		},
		{
			name:  "a folder takes a name used under another parent",
			given: acme(),
			when:  rename("room", "Building 1"),
			then:  history(itemtree.FolderRenamed{AccountID: "acme", FolderID: "room", Name: "Building 1"}),
		},
		{
			name:    "a name a sibling has is taken",
			given:   acme(),
			when:    rename("depot", "Site A"),
			thenErr: itemtree.ErrNameTaken,
		},
		{
			name:    "a name a sibling has in another case is taken",
			given:   acme(),
			when:    rename("depot", "site a"),
			thenErr: itemtree.ErrNameTaken,
		},
		{
			name:    "a folder needs a name",
			given:   acme(),
			when:    rename("depot", ""),
			thenErr: refused("name"),
		},
		{
			name:    "a name of 101 characters is refused",
			given:   acme(),
			when:    rename("depot", strings.Repeat("d", 101)),
			thenErr: refused("name"),
		},
		{
			name:    "an unknown folder is not renamed",
			given:   acme(),
			when:    rename("nowhere", "Annex"),
			thenErr: itemtree.ErrFolderNotFound,
		},
		{
			name:    "a deleted folder is not renamed",
			given:   acme(itemtree.FolderDeleted{AccountID: "acme", FolderID: "depot"}),
			when:    rename("depot", "Annex"),
			thenErr: itemtree.ErrFolderNotFound,
		},
		{
			name:    "the folder is checked before the name",
			when:    rename("nowhere", ""),
			thenErr: itemtree.ErrFolderNotFound,
		},
	})
}

func TestMoveFolder(t *testing.T) {
	check(t, []rule{
		{
			name:  "a folder moves under another, with everything below it",
			given: acme(),
			when:  move("building", "depot"),
			then:  history(itemtree.FolderMoved{AccountID: "acme", FolderID: "building", ParentID: "depot"}),
		},
		{
			name:  "a folder moves to the top level",
			given: acme(),
			when:  move("floor", ""),
			then:  history(itemtree.FolderMoved{AccountID: "acme", FolderID: "floor", ParentID: ""}),
		},
		{
			name:  "a folder moves up to an ancestor",
			given: acme(),
			when:  move("room", "site"),
			then:  history(itemtree.FolderMoved{AccountID: "acme", FolderID: "room", ParentID: "site"}),
		},
		{
			name:  "a folder moves under a sibling",
			given: acme(),
			when:  move("depot", "site"),
			then:  history(itemtree.FolderMoved{AccountID: "acme", FolderID: "depot", ParentID: "site"}),
		},
		{
			name:  "a folder moves under a folder that was moved away from below it",
			given: acme(itemtree.FolderMoved{AccountID: "acme", FolderID: "room", ParentID: ""}),
			when:  move("site", "room"),
			then:  history(itemtree.FolderMoved{AccountID: "acme", FolderID: "site", ParentID: "room"}),
		},
		{
			name:  "a folder moved to where it already is changes nothing",
			given: acme(),
			when:  move("floor", "building"),
		},
		{
			name:  "a top-level folder moved to the top level changes nothing",
			given: acme(),
			when:  move("site", ""),
		},
		{
			name:    "a folder does not move under itself",
			given:   acme(),
			when:    move("building", "building"),
			thenErr: itemtree.ErrCycle,
		},
		{
			name:    "a folder does not move under its child",
			given:   acme(),
			when:    move("floor", "room"),
			thenErr: itemtree.ErrCycle,
		},
		{
			name:    "a folder does not move under a descendant three levels down",
			given:   acme(),
			when:    move("site", "room"),
			thenErr: itemtree.ErrCycle,
		},
		{
			name:    "a folder does not move under a descendant that was moved below it",
			given:   acme(itemtree.FolderMoved{AccountID: "acme", FolderID: "depot", ParentID: "room"}),
			when:    move("site", "depot"),
			thenErr: itemtree.ErrCycle,
		},
		{
			name:    "a name taken at the destination is refused",
			given:   acme(itemtree.FolderCreated{AccountID: "acme", FolderID: "depot-floor", ParentID: "depot", Name: "floor 2"}),
			when:    move("floor", "depot"),
			thenErr: itemtree.ErrNameTaken,
		},
		{
			name:    "a name taken at the top level is refused",
			given:   acme(itemtree.FolderCreated{AccountID: "acme", FolderID: "room-2", Name: "SERVER ROOM"}),
			when:    move("room", ""),
			thenErr: itemtree.ErrNameTaken,
		},
		{
			name:    "an unknown folder does not move",
			given:   acme(),
			when:    move("nowhere", ""),
			thenErr: itemtree.ErrFolderNotFound,
		},
		{
			name:    "a folder does not move under an unknown parent",
			given:   acme(),
			when:    move("depot", "nowhere"),
			thenErr: itemtree.ErrUnknownParent,
		},
		{
			name:    "a folder does not move under a deleted parent",
			given:   acme(itemtree.FolderDeleted{AccountID: "acme", FolderID: "depot"}),
			when:    move("room", "depot"),
			thenErr: itemtree.ErrUnknownParent,
		},
	})
}

func TestDeleteFolder(t *testing.T) {
	check(t, []rule{
		{
			name:  "an empty folder is deleted",
			given: acme(),
			when:  deleteFolder("depot"),
			then:  history(itemtree.FolderDeleted{AccountID: "acme", FolderID: "depot"}),
		},
		{
			name:  "an empty folder deep down is deleted",
			given: acme(),
			when:  deleteFolder("room"),
			then:  history(itemtree.FolderDeleted{AccountID: "acme", FolderID: "room"}),
		},
		{
			name:  "a folder whose folders moved away is deleted",
			given: acme(itemtree.FolderMoved{AccountID: "acme", FolderID: "room", ParentID: "depot"}),
			when:  deleteFolder("floor"),
			then:  history(itemtree.FolderDeleted{AccountID: "acme", FolderID: "floor"}),
		},
		{
			name:  "a folder whose last folder was deleted is deleted",
			given: acme(itemtree.FolderDeleted{AccountID: "acme", FolderID: "room"}),
			when:  deleteFolder("floor"),
			then:  history(itemtree.FolderDeleted{AccountID: "acme", FolderID: "floor"}),
		},
		{
			name:  "a folder whose cameras were placed back at the top level is deleted",
			given: acme(camerasInDepot, placed("", "cam-1", "cam-2")),
			when:  deleteFolder("depot"),
			then:  history(itemtree.FolderDeleted{AccountID: "acme", FolderID: "depot"}),
		},
		{
			name:  "a folder whose cameras were placed in another folder is deleted",
			given: acme(camerasInDepot, placed("room", "cam-1", "cam-2")),
			when:  deleteFolder("depot"),
			then:  history(itemtree.FolderDeleted{AccountID: "acme", FolderID: "depot"}),
		},
		{
			name:    "a folder holding a folder is not deleted",
			given:   acme(),
			when:    deleteFolder("floor"),
			thenErr: itemtree.ErrNotEmpty,
		},
		{
			name:    "a folder holding a placed camera is not deleted",
			given:   acme(camerasInDepot),
			when:    deleteFolder("depot"),
			thenErr: itemtree.ErrNotEmpty,
		},
		{
			name:    "a folder still holding one of its cameras is not deleted",
			given:   acme(camerasInDepot, placed("", "cam-1")),
			when:    deleteFolder("depot"),
			thenErr: itemtree.ErrNotEmpty,
		},
		{
			name:    "a folder is deleted once",
			given:   acme(itemtree.FolderDeleted{AccountID: "acme", FolderID: "depot"}),
			when:    deleteFolder("depot"),
			thenErr: itemtree.ErrFolderNotFound,
		},
		{
			name:    "an unknown folder is not deleted",
			given:   acme(),
			when:    deleteFolder("nowhere"),
			thenErr: itemtree.ErrFolderNotFound,
		},
		{
			name:    "the top level is not a folder to delete",
			given:   acme(),
			when:    deleteFolder(""),
			thenErr: itemtree.ErrFolderNotFound,
		},
	})
}

func TestPlaceCameras(t *testing.T) {
	check(t, []rule{
		{
			name:  "cameras are placed in a folder with one event",
			given: acme(),
			when:  place("depot", "cam-1", "cam-2"),
			then:  history(camerasInDepot),
		},
		{
			name:  "cameras are placed in a folder deep down",
			given: acme(),
			when:  place("room", "cam-1"),
			then:  history(placed("room", "cam-1")),
		},
		{
			name:  "cameras move from one folder to another",
			given: acme(camerasInDepot),
			when:  place("room", "cam-2", "cam-1"),
			then:  history(placed("room", "cam-2", "cam-1")),
		},
		{
			name:  "cameras are placed back at the top level",
			given: acme(camerasInDepot),
			when:  place("", "cam-1"),
			then:  history(placed("", "cam-1")),
		},
		{
			name:  "a camera named twice is placed once",
			given: acme(),
			when:  place("depot", "cam-1", "cam-2", "cam-1"),
			then:  history(camerasInDepot),
		},
		{
			name:  "cameras already in the folder are left out",
			given: acme(placed("depot", "cam-1")),
			when:  place("depot", "cam-1", "cam-3", "cam-1"),
			then:  history(placed("depot", "cam-3")),
		},
		{
			name:  "cameras already at the top level are left out",
			given: acme(placed("depot", "cam-1")),
			when:  place("", "cam-2", "cam-1", "cam-3"),
			then:  history(placed("", "cam-1")),
		},
		{
			name:  "cameras all already in the folder change nothing",
			given: acme(camerasInDepot),
			when:  place("depot", "cam-2", "cam-1", "cam-2"),
		},
		{
			name:  "cameras never placed are at the top level already: nothing changes",
			given: acme(),
			when:  place("", "cam-1", "cam-2"),
		},
		{
			name:  "as many cameras as one move allows are placed",
			given: acme(),
			when:  place("depot", cameras(itemtree.MaxCamerasPerMove)...),
			then:  history(placed("depot", cameras(itemtree.MaxCamerasPerMove)...)),
		},
		{
			name:    "more cameras than one move allows are refused",
			given:   acme(),
			when:    place("depot", cameras(itemtree.MaxCamerasPerMove+1)...),
			thenErr: refused("camera_ids"),
		},
		{
			name:    "a move of no cameras is refused",
			given:   acme(),
			when:    place("depot"),
			thenErr: refused("camera_ids"),
		},
		{
			name:    "cameras are not placed in an unknown folder",
			given:   acme(),
			when:    place("nowhere", "cam-1"),
			thenErr: itemtree.ErrUnknownTarget,
		},
		{
			name:    "cameras are not placed in a deleted folder",
			given:   acme(itemtree.FolderDeleted{AccountID: "acme", FolderID: "depot"}),
			when:    place("depot", "cam-1"),
			thenErr: itemtree.ErrUnknownTarget,
		},
	})
}

func TestPlacedCamerasState(t *testing.T) {
	state := given(acme(camerasInDepot, placed("room", "cam-2", "cam-3"), placed("", "cam-1"))...)
	want := map[string]string{"cam-2": "room", "cam-3": "room"}
	if !reflect.DeepEqual(state.Placed, want) {
		t.Errorf("placed = %v, want %v (cameras at the top level are not in it)", state.Placed, want)
	}
	if state.AccountID != "acme" {
		t.Errorf("account = %q, want acme", state.AccountID)
	}
}

func TestFolderState(t *testing.T) {
	state := given(acme(
		itemtree.FolderRenamed{AccountID: "acme", FolderID: "room", Name: "Data room"},
		itemtree.FolderMoved{AccountID: "acme", FolderID: "room", ParentID: "depot"},
		itemtree.FolderDeleted{AccountID: "acme", FolderID: "site"},
	)...)
	want := map[string]itemtree.Folder{
		"building": {ID: "building", ParentID: "site", Name: "Building 1"},
		"floor":    {ID: "floor", ParentID: "building", Name: "Floor 2"},
		"room":     {ID: "room", ParentID: "depot", Name: "Data room"},
		"depot":    {ID: "depot", Name: "Depot"},
	}
	if !reflect.DeepEqual(state.Folders, want) {
		t.Errorf("folders =\n\t%v\nwant\n\t%v", state.Folders, want)
	}
}

func TestHolds(t *testing.T) {
	state := given(acme(placed("room", "cam-1"))...)
	for folder, want := range map[string]bool{
		"site":     true,  // a folder
		"floor":    true,  // a folder
		"room":     true,  // a camera
		"depot":    false, // nothing
		"nowhere":  false,
		"building": true,
	} {
		if got := state.Holds(folder); got != want {
			t.Errorf("Holds(%q) = %v, want %v", folder, got, want)
		}
	}
}

func TestBelow(t *testing.T) {
	state := given(acme()...)
	tests := []struct {
		id, ancestor string
		want         bool
	}{
		{"site", "site", true},
		{"building", "site", true},
		{"room", "site", true},
		{"room", "floor", true},
		{"site", "room", false},
		{"floor", "room", false},
		{"depot", "site", false},
		{"room", "depot", false},
		{"", "site", false},
		{"nowhere", "site", false},
	}
	for _, tt := range tests {
		if got := state.Below(tt.id, tt.ancestor); got != tt.want {
			t.Errorf("Below(%q, %q) = %v, want %v", tt.id, tt.ancestor, got, tt.want)
		}
	}

	moved := state.Apply(itemtree.FolderMoved{AccountID: "acme", FolderID: "floor", ParentID: "depot"})
	if !moved.Below("room", "depot") || moved.Below("room", "site") {
		t.Errorf("after the floor moved to the depot, the room is below the depot only")
	}
}

// A state a caller keeps (a cache, a snapshot, the state a command was decided on) never changes
// when another event is applied to it.
func TestApplyDoesNotChangeAKeptState(t *testing.T) {
	for _, e := range []itemtree.Event{
		itemtree.FolderCreated{AccountID: "acme", FolderID: "annex", ParentID: "site", Name: "Annex"},
		itemtree.FolderRenamed{AccountID: "acme", FolderID: "depot", Name: "Store"},
		itemtree.FolderMoved{AccountID: "acme", FolderID: "room", ParentID: "depot"},
		itemtree.FolderDeleted{AccountID: "acme", FolderID: "depot"},
		placed("room", "cam-1", "cam-3"),
		placed("", "cam-2"),
	} {
		t.Run(e.EventType(), func(t *testing.T) {
			kept := given(acme(camerasInDepot)...)
			want := given(acme(camerasInDepot)...)
			next := kept.Apply(e)
			if !reflect.DeepEqual(kept, want) {
				t.Errorf("kept state changed:\n\t%#v\nwant\n\t%#v", kept, want)
			}
			if reflect.DeepEqual(next, kept) {
				t.Errorf("applying %#v changed nothing", e)
			}
		})
	}
}

func TestEventsListsEveryEventType(t *testing.T) {
	want := []string{
		"itemtree.folder-created.v1", "itemtree.folder-renamed.v1", "itemtree.folder-moved.v1",
		"itemtree.folder-deleted.v1", "itemtree.cameras-placed.v1",
	}
	domaintest.ListsEventTypes(t, itemtree.Events(), want)
	seen := map[string]bool{}
	for _, e := range itemtree.Events() {
		name := e.EventType()
		if !strings.HasSuffix(name, ".v1") || !strings.HasPrefix(name, "itemtree.") {
			t.Errorf("event type %q, want itemtree.<name>.v1", name)
		}
		if seen[name] {
			t.Errorf("event type %q is named twice", name)
		}
		seen[name] = true
	}
}

// The recorded JSON is a contract with projections and auditors: its field names must not drift,
// and every event decodes back to itself.
func TestEventsEncodeAsSnakeCaseJSON(t *testing.T) {
	tests := []struct {
		event itemtree.Event
		want  string
	}{
		{
			event: buildingCreated,
			want:  `{"account_id":"acme","folder_id":"building","parent_id":"site","name":"Building 1"}`,
		},
		{
			event: siteCreated,
			want:  `{"account_id":"acme","folder_id":"site","parent_id":"","name":"Site A"}`,
		},
		{
			event: itemtree.FolderRenamed{AccountID: "acme", FolderID: "site", Name: "Headquarters"},
			want:  `{"account_id":"acme","folder_id":"site","name":"Headquarters"}`,
		},
		{
			event: itemtree.FolderMoved{AccountID: "acme", FolderID: "room", ParentID: "depot"},
			want:  `{"account_id":"acme","folder_id":"room","parent_id":"depot"}`,
		},
		{
			event: itemtree.FolderDeleted{AccountID: "acme", FolderID: "depot"},
			want:  `{"account_id":"acme","folder_id":"depot"}`,
		},
		{
			event: camerasInDepot,
			want:  `{"account_id":"acme","camera_ids":["cam-1","cam-2"],"folder_id":"depot"}`,
		},
		{
			event: placed("", "cam-1"),
			want:  `{"account_id":"acme","camera_ids":["cam-1"],"folder_id":""}`,
		},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		domaintest.EncodesAs(t, tt.event, tt.want)
		covered[tt.event.EventType()] = true
	}
	for _, e := range itemtree.Events() {
		if !covered[e.EventType()] {
			t.Errorf("no JSON test for %s", e.EventType())
		}
	}
}

// Every error a caller acts on is told apart from the others.
func TestErrorsAreDistinct(t *testing.T) {
	errs := []error{itemtree.ErrFolderNotFound, itemtree.ErrUnknownParent, itemtree.ErrUnknownTarget, itemtree.ErrNameTaken, itemtree.ErrCycle, itemtree.ErrNotEmpty}
	for i, a := range errs {
		for j, b := range errs {
			if i != j && errors.Is(a, b) {
				t.Errorf("%v matches %v", a, b)
			}
		}
	}
}

// TestAncestors: the folders above a folder or a placed camera, from its parent up; none for the
// top level, a camera standing there, or an unknown item.
func TestAncestors(t *testing.T) {
	var tr itemtree.Tree
	for _, e := range []itemtree.Event{
		itemtree.FolderCreated{AccountID: "acme", FolderID: "hq", Name: "HQ"},
		itemtree.FolderCreated{AccountID: "acme", FolderID: "floor", ParentID: "hq", Name: "Floor 2"},
		itemtree.FolderCreated{AccountID: "acme", FolderID: "lobby", ParentID: "floor", Name: "Lobby"},
		itemtree.CamerasPlaced{AccountID: "acme", CameraIDs: []string{"cam-1"}, FolderID: "lobby"},
	} {
		tr = tr.Apply(e)
	}
	tests := []struct {
		item string
		want []string
	}{
		{"cam-1", []string{"lobby", "floor", "hq"}},
		{"lobby", []string{"floor", "hq"}},
		{"hq", nil},
		{"cam-at-the-top", nil},
		{"", nil},
	}
	for _, tt := range tests {
		if got := tr.Ancestors(tt.item); !slices.Equal(got, tt.want) {
			t.Errorf("Ancestors(%q) = %q, want %q", tt.item, got, tt.want)
		}
	}
}
