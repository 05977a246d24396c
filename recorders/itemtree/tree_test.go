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

// rule is one business rule of the itemtree aggregate (domaintest.Rule).
type rule = domaintest.Rule[itemtree.Tree, itemtree.Event]

// refused is the error a rule expects when the command is invalid in field.
func refused(field string) error { return domaintest.Refused(field) }

// given folds a tree's stream into its state.
func given(events ...itemtree.Event) itemtree.Tree {
	return domaintest.Fold(itemtree.Tree.Apply, events...)
}

func history(events ...itemtree.Event) []itemtree.Event { return events }

func check(t *testing.T, rules []rule) {
	t.Helper()
	domaintest.Check(t, itemtree.Tree.Apply, rules)
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
			Name: "the first folder of an account is made at the top level",
			When: create("site", "", "Site A"),
			Then: history(siteCreated),
		},
		{
			Name:  "a folder is made under a folder",
			Given: history(siteCreated),
			When:  create("building", "site", "Building 1"),
			Then:  history(buildingCreated),
		},
		{
			Name:  "a folder is made four levels down",
			Given: acme(),
			When:  create("rack", "room", "Rack 7"),
			Then:  history(itemtree.FolderCreated{AccountID: "acme", FolderID: "rack", ParentID: "room", Name: "Rack 7"}),
		},
		{
			Name:  "the name is stored trimmed",
			Given: history(siteCreated),
			When:  create("building", "site", "  Building 1\t"),
			Then:  history(buildingCreated),
		},
		{
			Name: "a name of 100 characters is accepted, however many bytes they take",
			When: create("f", "", strings.Repeat("ř", 100)),
			Then: history(itemtree.FolderCreated{AccountID: "acme", FolderID: "f", Name: strings.Repeat("ř", 100)}),
		},
		{
			Name:  "a name a sibling has is allowed under another parent",
			Given: acme(),
			When:  create("depot-floor", "depot", "Floor 2"),
			Then:  history(itemtree.FolderCreated{AccountID: "acme", FolderID: "depot-floor", ParentID: "depot", Name: "Floor 2"}),
		},
		{
			Name:  "a name used below is allowed at the top level",
			Given: acme(),
			When:  create("b", "", "Building 1"),
			Then:  history(itemtree.FolderCreated{AccountID: "acme", FolderID: "b", Name: "Building 1"}),
		},
		{
			Name:  "the name of a deleted folder is free again",
			Given: acme(itemtree.FolderDeleted{AccountID: "acme", FolderID: "depot"}),
			When:  create("depot-2", "", "Depot"),
			Then:  history(itemtree.FolderCreated{AccountID: "acme", FolderID: "depot-2", Name: "Depot"}),
		},
		{
			Name:    "a folder under an unknown parent is refused",
			Given:   acme(),
			When:    create("f", "nowhere", "Annex"),
			ThenErr: itemtree.ErrUnknownParent,
		},
		{
			Name:    "a folder under a deleted parent is refused",
			Given:   acme(itemtree.FolderDeleted{AccountID: "acme", FolderID: "depot"}),
			When:    create("f", "depot", "Shelf"),
			ThenErr: itemtree.ErrUnknownParent,
		},
		{
			Name:    "a name a sibling has is taken",
			Given:   acme(),
			When:    create("f", "", "Depot"),
			ThenErr: itemtree.ErrNameTaken,
		},
		{
			Name:    "a name a sibling has in another case is taken",
			Given:   acme(),
			When:    create("f", "site", "BUILDING 1"),
			ThenErr: itemtree.ErrNameTaken,
		},
		{
			Name:    "a name a sibling has, with white space around, is taken",
			Given:   acme(),
			When:    create("f", "floor", " server ROOM "),
			ThenErr: itemtree.ErrNameTaken,
		},
		{
			Name:    "a folder needs a name",
			Given:   acme(),
			When:    create("f", "site", ""),
			ThenErr: refused("name"),
		},
		{
			Name:    "a name of white space only is refused",
			When:    create("f", "", " \t "),
			ThenErr: refused("name"),
		},
		{
			Name:    "a name of 101 characters is refused",
			When:    create("f", "", strings.Repeat("x", 101)),
			ThenErr: refused("name"),
		},
		{
			Name:    "a name with a line break is refused",
			When:    create("f", "", "Site\nA"),
			ThenErr: refused("name"),
		},
		{
			Name:    "the parent is checked before the name",
			When:    create("f", "nowhere", ""),
			ThenErr: itemtree.ErrUnknownParent,
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
			Name:  "a folder is renamed with one event, whatever it holds",
			Given: acme(camerasInDepot),
			When:  rename("site", "Headquarters"),
			Then:  history(itemtree.FolderRenamed{AccountID: "acme", FolderID: "site", Name: "Headquarters"}),
		},
		{
			Name:  "the name is stored trimmed",
			Given: acme(),
			When:  rename("room", " Data room "),
			Then:  history(itemtree.FolderRenamed{AccountID: "acme", FolderID: "room", Name: "Data room"}),
		},
		{
			Name:  "renaming to the same name changes nothing",
			Given: acme(),
			When:  rename("depot", " Depot "),
		},
		{
			Name:  "a folder takes another case of its own name",
			Given: acme(),
			When:  rename("depot", "DEPOT"),
			Then:  history(itemtree.FolderRenamed{AccountID: "acme", FolderID: "depot", Name: "DEPOT"}),
		},
		{
			Name:  "a folder takes a name used under another parent",
			Given: acme(),
			When:  rename("room", "Building 1"),
			Then:  history(itemtree.FolderRenamed{AccountID: "acme", FolderID: "room", Name: "Building 1"}),
		},
		{
			Name:    "a name a sibling has is taken",
			Given:   acme(),
			When:    rename("depot", "Site A"),
			ThenErr: itemtree.ErrNameTaken,
		},
		{
			Name:    "a name a sibling has in another case is taken",
			Given:   acme(),
			When:    rename("depot", "site a"),
			ThenErr: itemtree.ErrNameTaken,
		},
		{
			Name:    "a folder needs a name",
			Given:   acme(),
			When:    rename("depot", ""),
			ThenErr: refused("name"),
		},
		{
			Name:    "a name of 101 characters is refused",
			Given:   acme(),
			When:    rename("depot", strings.Repeat("d", 101)),
			ThenErr: refused("name"),
		},
		{
			Name:    "an unknown folder is not renamed",
			Given:   acme(),
			When:    rename("nowhere", "Annex"),
			ThenErr: itemtree.ErrFolderNotFound,
		},
		{
			Name:    "a deleted folder is not renamed",
			Given:   acme(itemtree.FolderDeleted{AccountID: "acme", FolderID: "depot"}),
			When:    rename("depot", "Annex"),
			ThenErr: itemtree.ErrFolderNotFound,
		},
		{
			Name:    "the folder is checked before the name",
			When:    rename("nowhere", ""),
			ThenErr: itemtree.ErrFolderNotFound,
		},
	})
}

func TestMoveFolder(t *testing.T) {
	check(t, []rule{
		{
			Name:  "a folder moves under another, with everything below it",
			Given: acme(),
			When:  move("building", "depot"),
			Then:  history(itemtree.FolderMoved{AccountID: "acme", FolderID: "building", ParentID: "depot"}),
		},
		{
			Name:  "a folder moves to the top level",
			Given: acme(),
			When:  move("floor", ""),
			Then:  history(itemtree.FolderMoved{AccountID: "acme", FolderID: "floor", ParentID: ""}),
		},
		{
			Name:  "a folder moves up to an ancestor",
			Given: acme(),
			When:  move("room", "site"),
			Then:  history(itemtree.FolderMoved{AccountID: "acme", FolderID: "room", ParentID: "site"}),
		},
		{
			Name:  "a folder moves under a sibling",
			Given: acme(),
			When:  move("depot", "site"),
			Then:  history(itemtree.FolderMoved{AccountID: "acme", FolderID: "depot", ParentID: "site"}),
		},
		{
			Name:  "a folder moves under a folder that was moved away from below it",
			Given: acme(itemtree.FolderMoved{AccountID: "acme", FolderID: "room", ParentID: ""}),
			When:  move("site", "room"),
			Then:  history(itemtree.FolderMoved{AccountID: "acme", FolderID: "site", ParentID: "room"}),
		},
		{
			Name:  "a folder moved to where it already is changes nothing",
			Given: acme(),
			When:  move("floor", "building"),
		},
		{
			Name:  "a top-level folder moved to the top level changes nothing",
			Given: acme(),
			When:  move("site", ""),
		},
		{
			Name:    "a folder does not move under itself",
			Given:   acme(),
			When:    move("building", "building"),
			ThenErr: itemtree.ErrCycle,
		},
		{
			Name:    "a folder does not move under its child",
			Given:   acme(),
			When:    move("floor", "room"),
			ThenErr: itemtree.ErrCycle,
		},
		{
			Name:    "a folder does not move under a descendant three levels down",
			Given:   acme(),
			When:    move("site", "room"),
			ThenErr: itemtree.ErrCycle,
		},
		{
			Name:    "a folder does not move under a descendant that was moved below it",
			Given:   acme(itemtree.FolderMoved{AccountID: "acme", FolderID: "depot", ParentID: "room"}),
			When:    move("site", "depot"),
			ThenErr: itemtree.ErrCycle,
		},
		{
			Name:    "a name taken at the destination is refused",
			Given:   acme(itemtree.FolderCreated{AccountID: "acme", FolderID: "depot-floor", ParentID: "depot", Name: "floor 2"}),
			When:    move("floor", "depot"),
			ThenErr: itemtree.ErrNameTaken,
		},
		{
			Name:    "a name taken at the top level is refused",
			Given:   acme(itemtree.FolderCreated{AccountID: "acme", FolderID: "room-2", Name: "SERVER ROOM"}),
			When:    move("room", ""),
			ThenErr: itemtree.ErrNameTaken,
		},
		{
			Name:    "an unknown folder does not move",
			Given:   acme(),
			When:    move("nowhere", ""),
			ThenErr: itemtree.ErrFolderNotFound,
		},
		{
			Name:    "a folder does not move under an unknown parent",
			Given:   acme(),
			When:    move("depot", "nowhere"),
			ThenErr: itemtree.ErrUnknownParent,
		},
		{
			Name:    "a folder does not move under a deleted parent",
			Given:   acme(itemtree.FolderDeleted{AccountID: "acme", FolderID: "depot"}),
			When:    move("room", "depot"),
			ThenErr: itemtree.ErrUnknownParent,
		},
	})
}

func TestDeleteFolder(t *testing.T) {
	check(t, []rule{
		{
			Name:  "an empty folder is deleted",
			Given: acme(),
			When:  deleteFolder("depot"),
			Then:  history(itemtree.FolderDeleted{AccountID: "acme", FolderID: "depot"}),
		},
		{
			Name:  "an empty folder deep down is deleted",
			Given: acme(),
			When:  deleteFolder("room"),
			Then:  history(itemtree.FolderDeleted{AccountID: "acme", FolderID: "room"}),
		},
		{
			Name:  "a folder whose folders moved away is deleted",
			Given: acme(itemtree.FolderMoved{AccountID: "acme", FolderID: "room", ParentID: "depot"}),
			When:  deleteFolder("floor"),
			Then:  history(itemtree.FolderDeleted{AccountID: "acme", FolderID: "floor"}),
		},
		{
			Name:  "a folder whose last folder was deleted is deleted",
			Given: acme(itemtree.FolderDeleted{AccountID: "acme", FolderID: "room"}),
			When:  deleteFolder("floor"),
			Then:  history(itemtree.FolderDeleted{AccountID: "acme", FolderID: "floor"}),
		},
		{
			Name:  "a folder whose cameras were placed back at the top level is deleted",
			Given: acme(camerasInDepot, placed("", "cam-1", "cam-2")),
			When:  deleteFolder("depot"),
			Then:  history(itemtree.FolderDeleted{AccountID: "acme", FolderID: "depot"}),
		},
		{
			Name:  "a folder whose cameras were placed in another folder is deleted",
			Given: acme(camerasInDepot, placed("room", "cam-1", "cam-2")),
			When:  deleteFolder("depot"),
			Then:  history(itemtree.FolderDeleted{AccountID: "acme", FolderID: "depot"}),
		},
		{
			Name:    "a folder holding a folder is not deleted",
			Given:   acme(),
			When:    deleteFolder("floor"),
			ThenErr: itemtree.ErrNotEmpty,
		},
		{
			Name:    "a folder holding a placed camera is not deleted",
			Given:   acme(camerasInDepot),
			When:    deleteFolder("depot"),
			ThenErr: itemtree.ErrNotEmpty,
		},
		{
			Name:    "a folder still holding one of its cameras is not deleted",
			Given:   acme(camerasInDepot, placed("", "cam-1")),
			When:    deleteFolder("depot"),
			ThenErr: itemtree.ErrNotEmpty,
		},
		{
			Name:    "a folder is deleted once",
			Given:   acme(itemtree.FolderDeleted{AccountID: "acme", FolderID: "depot"}),
			When:    deleteFolder("depot"),
			ThenErr: itemtree.ErrFolderNotFound,
		},
		{
			Name:    "an unknown folder is not deleted",
			Given:   acme(),
			When:    deleteFolder("nowhere"),
			ThenErr: itemtree.ErrFolderNotFound,
		},
		{
			Name:    "the top level is not a folder to delete",
			Given:   acme(),
			When:    deleteFolder(""),
			ThenErr: itemtree.ErrFolderNotFound,
		},
	})
}

func TestPlaceCameras(t *testing.T) {
	check(t, []rule{
		{
			Name:  "cameras are placed in a folder with one event",
			Given: acme(),
			When:  place("depot", "cam-1", "cam-2"),
			Then:  history(camerasInDepot),
		},
		{
			Name:  "cameras are placed in a folder deep down",
			Given: acme(),
			When:  place("room", "cam-1"),
			Then:  history(placed("room", "cam-1")),
		},
		{
			Name:  "cameras move from one folder to another",
			Given: acme(camerasInDepot),
			When:  place("room", "cam-2", "cam-1"),
			Then:  history(placed("room", "cam-2", "cam-1")),
		},
		{
			Name:  "cameras are placed back at the top level",
			Given: acme(camerasInDepot),
			When:  place("", "cam-1"),
			Then:  history(placed("", "cam-1")),
		},
		{
			Name:  "a camera named twice is placed once",
			Given: acme(),
			When:  place("depot", "cam-1", "cam-2", "cam-1"),
			Then:  history(camerasInDepot),
		},
		{
			Name:  "cameras already in the folder are left out",
			Given: acme(placed("depot", "cam-1")),
			When:  place("depot", "cam-1", "cam-3", "cam-1"),
			Then:  history(placed("depot", "cam-3")),
		},
		{
			Name:  "cameras already at the top level are left out",
			Given: acme(placed("depot", "cam-1")),
			When:  place("", "cam-2", "cam-1", "cam-3"),
			Then:  history(placed("", "cam-1")),
		},
		{
			Name:  "cameras all already in the folder change nothing",
			Given: acme(camerasInDepot),
			When:  place("depot", "cam-2", "cam-1", "cam-2"),
		},
		{
			Name:  "cameras never placed are at the top level already: nothing changes",
			Given: acme(),
			When:  place("", "cam-1", "cam-2"),
		},
		{
			Name:  "as many cameras as one move allows are placed",
			Given: acme(),
			When:  place("depot", cameras(itemtree.MaxCamerasPerMove)...),
			Then:  history(placed("depot", cameras(itemtree.MaxCamerasPerMove)...)),
		},
		{
			Name:    "more cameras than one move allows are refused",
			Given:   acme(),
			When:    place("depot", cameras(itemtree.MaxCamerasPerMove+1)...),
			ThenErr: refused("camera_ids"),
		},
		{
			Name:    "a move of no cameras is refused",
			Given:   acme(),
			When:    place("depot"),
			ThenErr: refused("camera_ids"),
		},
		{
			Name:    "cameras are not placed in an unknown folder",
			Given:   acme(),
			When:    place("nowhere", "cam-1"),
			ThenErr: itemtree.ErrUnknownTarget,
		},
		{
			Name:    "cameras are not placed in a deleted folder",
			Given:   acme(itemtree.FolderDeleted{AccountID: "acme", FolderID: "depot"}),
			When:    place("depot", "cam-1"),
			ThenErr: itemtree.ErrUnknownTarget,
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
