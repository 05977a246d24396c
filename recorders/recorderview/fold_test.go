package recorderview_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ThreeDotsLabs/watermill"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/access/accesstest"
	"github.com/camcloud/accounts/attempts"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/internal/pgtest"
	"github.com/camcloud/accounts/projections"
	"github.com/camcloud/accounts/recorders/itemtree"
	"github.com/camcloud/accounts/recorders/recorder"
	"github.com/camcloud/accounts/recorders/recordercmd"
	"github.com/camcloud/accounts/recorders/recorderview"
)

// foldItem is an item of the tree as the test folds it from the events.
type foldItem struct {
	kind, parent, name string
}

// foldedTree folds every event of the store the way the read model should, but by the plainest
// means: maps of folders and cameras, and paths found by walking parents.
type foldedTree struct {
	items     map[string]*foldItem
	renamed   map[string]bool     // cameras a user renamed
	ofRec     map[string][]string // recorder -> its cameras
	revisions map[string]uint64   // recorder -> the revision of its stream
}

func fold(t *testing.T, store eventstore.Store) foldedTree {
	t.Helper()
	codec := eventstore.NewCodec(domain.Events()...)
	ft := foldedTree{items: map[string]*foldItem{}, renamed: map[string]bool{}, ofRec: map[string][]string{}, revisions: map[string]uint64{}}
	for from := eventstore.Start; ; {
		page, err := store.ReadAll(context.Background(), from, eventstore.Forwards, 500)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range page {
			e, err := codec.Decode(rec.Type, rec.Data)
			if err != nil {
				t.Fatal(err)
			}
			ft.apply(e, rec.Revision)
		}
		if len(page) < 500 {
			return ft
		}
		from = page[len(page)-1].Position
	}
}

func (ft foldedTree) apply(e eventstore.Event, revision uint64) {
	if re, ok := e.(interface{ EventType() string }); ok && strings.HasPrefix(re.EventType(), "recorder.") {
		id := reflect.ValueOf(e).FieldByName("RecorderID").String()
		ft.revisions[id] = revision
	}
	switch e := e.(type) {
	case itemtree.FolderCreated:
		ft.items[e.FolderID] = &foldItem{kind: "folder", parent: e.ParentID, name: e.Name}
	case itemtree.FolderRenamed:
		ft.items[e.FolderID].name = e.Name
	case itemtree.FolderMoved:
		ft.items[e.FolderID].parent = e.ParentID
	case itemtree.FolderDeleted:
		delete(ft.items, e.FolderID)
	case itemtree.CamerasPlaced:
		for _, c := range e.CameraIDs {
			if it, ok := ft.items[c]; ok { // a camera discovered in the same append names its folder itself
				it.parent = e.FolderID
			}
		}
	case recorder.CameraDiscovered:
		ft.items[e.CameraID] = &foldItem{kind: "camera", parent: e.FolderID, name: e.Name}
		ft.ofRec[e.RecorderID] = append(ft.ofRec[e.RecorderID], e.CameraID)
	case recorder.CameraChanged:
		if it, ok := ft.items[e.CameraID]; ok && !ft.renamed[e.CameraID] {
			it.name = e.Name
		}
	case recorder.CameraRenamed:
		ft.items[e.CameraID].name = e.Name
		ft.renamed[e.CameraID] = true
	case recorder.CameraRemoved:
		delete(ft.items, e.CameraID)
	case recorder.Deregistered:
		for _, c := range ft.ofRec[e.RecorderID] {
			delete(ft.items, c)
		}
	}
}

// placed returns an item's ancestors (top down) and path, walking up its parents; it fails the
// test on a cycle or a parent that is not a live folder.
func (ft foldedTree) placed(t *testing.T, id string) (ancestors []string, path string) {
	t.Helper()
	names := []string{ft.items[id].name}
	for p, steps := ft.items[id].parent, 0; p != ""; p, steps = ft.items[p].parent, steps+1 {
		f, ok := ft.items[p]
		switch {
		case !ok || f.kind != "folder":
			t.Fatalf("item %s stands under %s, which is not a live folder", id, p)
		case steps > len(ft.items):
			t.Fatalf("item %s stands in a cycle of folders", id)
		}
		ancestors = append([]string{p}, ancestors...)
		names = append([]string{f.name}, names...)
	}
	return ancestors, strings.Join(names, " / ")
}

// TestReadModelMatchesTheFold: after 200 random folder creations, renames, moves and deletions,
// camera moves, renames and removals and reports, through the commands, every item of the read
// model has the parent, ancestors and path that folding the events gives, every recorder's
// revision (its ETag) is its stream's, and a rebuild gives the same rows.
func TestReadModelMatchesTheFold(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	codec := eventstore.NewCodec(domain.Events()...)
	pool := pgtest.NewPool(t)
	queries := recorderview.NewQueries(pool)
	pipeline := projections.NewPipeline(store, pool, codec, watermill.NopLogger{}, recorderview.Projector{})
	if err := pipeline.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cmds := recordercmd.New(command.NewHandler(store, codec), access.NewAuthorizer(accesstest.Everywhere{}), oneCode{}, queries, attempts.NewMemory())
	operator := command.By(access.Principal{Kind: access.User, ID: "u1", AccountID: shop, Permissions: []group.Permission{group.RecordersManage}}, "req")
	sync := func() {
		t.Helper()
		if err := pipeline.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// refusal fails the test unless err is nil or a refusal of the request (not a bug).
	refusal := func(op string, err error) {
		t.Helper()
		if err == nil {
			return
		}
		if f, ok := fault.Find(err); !ok || f.Kind() == fault.Internal {
			t.Fatalf("%s: %v", op, err)
		}
	}

	rng := rand.New(rand.NewPCG(7, 42))
	type rec struct {
		origin command.Origin
		id     string
		hw     []string
	}
	var recs []*rec
	for i := range 2 {
		reg, err := cmds.Register(ctx, command.Origin{}, recordercmd.Register{Code: "K7QF-3MZP-9XRA", Serial: fmt.Sprintf("FOLD-%d", i), ClientAddress: "10.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, &rec{id: reg.RecorderID, origin: command.By(access.Principal{Kind: access.Recorder, ID: reg.RecorderID, AccountID: shop}, "req")})
	}
	report := func(r *rec) {
		// Some cameras known, some new, some missing: discovered, changed, offline, online.
		var cams []recorder.Reported
		for _, hw := range r.hw {
			if rng.IntN(4) > 0 {
				cams = append(cams, recorder.Reported{Channel: rng.IntN(3), Name: "Cam " + hw, HardwareID: hw})
			}
		}
		for range rng.IntN(3) {
			hw := fmt.Sprintf("hw-%d", rng.IntN(1000))
			if !slices.Contains(r.hw, hw) {
				r.hw = append(r.hw, hw)
				cams = append(cams, recorder.Reported{Channel: 1, Name: "New " + hw, HardwareID: hw})
			}
		}
		_, err := cmds.Report(ctx, r.origin, cams)
		refusal("report", err)
	}
	for _, r := range recs {
		report(r)
	}
	sync()

	names := []string{"HQ", "hq", "Floor 1", "Floor 2", "Lobby", "Site / A", "Ünïcode", "Depot"}
	pick := func(kind string) string {
		tr, err := queries.Tree(ctx, shop, kind)
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Items) == 0 || rng.IntN(6) == 0 {
			return "" // the top level, or nothing to pick
		}
		return tr.Items[rng.IntN(len(tr.Items))].ID
	}
	for i := range 200 {
		var err error
		op := ""
		switch rng.IntN(10) {
		case 0, 1:
			op = "create folder"
			_, err = cmds.CreateFolder(ctx, operator, shop, pick("folder"), names[rng.IntN(len(names))])
		case 2:
			op = "rename folder"
			if f := pick("folder"); f != "" {
				_, err = cmds.RenameFolder(ctx, operator, f, names[rng.IntN(len(names))], nil)
			}
		case 3, 4:
			op = "move folder"
			if f := pick("folder"); f != "" {
				name := names[rng.IntN(len(names))]
				var rename *string
				if rng.IntN(3) == 0 {
					rename = &name
				}
				parent := pick("folder")
				_, err = cmds.UpdateFolder(ctx, operator, f, rename, &parent, nil)
			}
		case 5:
			op = "delete folder"
			if f := pick("folder"); f != "" {
				_, err = cmds.DeleteFolder(ctx, operator, f)
			}
		case 6:
			op = "move cameras"
			var cams []string
			for range 1 + rng.IntN(3) {
				if c := pick("camera"); c != "" {
					cams = append(cams, c)
				}
			}
			if len(cams) > 0 {
				_, err = cmds.PlaceCameras(ctx, operator, shop, cams, pick("folder"))
			}
		case 7:
			op = "rename or remove a camera"
			if c := pick("camera"); c != "" {
				if rng.IntN(5) == 0 {
					_, err = cmds.RemoveCamera(ctx, operator, c)
				} else {
					_, err = cmds.RenameCamera(ctx, operator, c, names[rng.IntN(len(names))])
				}
			}
		case 8:
			op = "report"
			report(recs[rng.IntN(len(recs))])
		case 9:
			op = "landing folder"
			folder := pick("folder")
			_, err = cmds.UpdateRecorder(ctx, operator, recs[rng.IntN(len(recs))].id, nil, &folder, nil)
		}
		refusal(fmt.Sprintf("step %d: %s", i, op), err)
		sync()
	}
	// Each recorder's last event changes only a camera, or only its cameras' presence.
	for _, r := range recs {
		report(r)
	}
	sync()

	compare := func(when string) recorderview.Tree {
		t.Helper()
		ft := fold(t, store)
		tr, err := queries.Tree(ctx, shop, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Items) != len(ft.items) {
			t.Errorf("%s: the read model holds %d items, the fold %d", when, len(tr.Items), len(ft.items))
		}
		for _, it := range tr.Items {
			want, ok := ft.items[it.ID]
			if !ok {
				t.Errorf("%s: the read model holds %s %q (%s), which the fold does not", when, it.Kind, it.Path, it.ID)
				continue
			}
			ancestors, path := ft.placed(t, it.ID)
			if it.Kind != want.kind || it.ParentID != want.parent || it.Path != path || !slices.Equal(it.Ancestors, ancestors) {
				t.Errorf("%s: item %s is %s under %q at %q with ancestors %v; the fold says %s under %q at %q with %v",
					when, it.ID, it.Kind, it.ParentID, it.Path, it.Ancestors, want.kind, want.parent, path, ancestors)
			}
		}
		for _, r := range recs {
			got, err := queries.Recorder(ctx, r.id)
			if err != nil {
				t.Fatal(err)
			}
			if got.Revision != ft.revisions[r.id] {
				t.Errorf("%s: recorder %s has revision (ETag) %d, its stream %d", when, r.id, got.Revision, ft.revisions[r.id])
			}
		}
		return tr
	}
	before := compare("live")
	if err := pipeline.Rebuild(ctx, recorderview.Name); err != nil {
		t.Fatal(err)
	}
	after := compare("rebuilt")
	if !reflect.DeepEqual(before, after) {
		t.Errorf("the rebuilt tree differs:\nbefore %+v\nafter  %+v", before, after)
	}
	t.Logf("%d items in the tree after 200 steps", len(after.Items))
}
