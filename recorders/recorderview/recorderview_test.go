package recorderview_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/ThreeDotsLabs/watermill"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/access/accesstest"
	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/attempts"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/internal/pgtest"
	"github.com/camcloud/accounts/projections"
	"github.com/camcloud/accounts/recorders/recorder"
	"github.com/camcloud/accounts/recorders/recordercmd"
	"github.com/camcloud/accounts/recorders/recorderview"
)

const shop = "11111111-1111-4111-8111-111111111111"

type oneCode struct{}

func (oneCode) AccountOfCode(context.Context, account.RegistrationCode) (string, account.Status, bool, error) {
	return shop, account.StatusActive, true, nil
}

type fixture struct {
	ctx      context.Context
	cmds     *recordercmd.Commands
	queries  *recorderview.Queries
	pipeline *projections.Pipeline
	operator command.Origin
}

// newFixture runs the commands on a memory store, their lookups answered by the read model in a
// fresh database, which sync brings up to date.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	store := memory.New()
	codec := eventstore.NewCodec(domain.Events()...)
	pool := pgtest.NewPool(t)
	f := &fixture{ctx: ctx, queries: recorderview.NewQueries(pool),
		pipeline: projections.NewPipeline(store, pool, codec, watermill.NopLogger{}, recorderview.Projector{}),
		operator: command.By(access.Principal{Kind: access.User, ID: "u1", AccountID: shop, Permissions: []group.Permission{group.RecordersManage}}, "req")}
	f.cmds = recordercmd.New(command.NewHandler(store, codec), access.NewAuthorizer(accesstest.Everywhere{}), oneCode{}, f.queries, attempts.NewMemory())
	if err := f.pipeline.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) sync(t *testing.T) {
	t.Helper()
	if err := f.pipeline.CatchUp(f.ctx); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) folder(t *testing.T, parent, name string) string {
	t.Helper()
	c, err := f.cmds.CreateFolder(f.ctx, f.operator, shop, parent, name)
	if err != nil {
		t.Fatal(err)
	}
	f.sync(t)
	return c.FolderID
}

// paths maps every item's path to its kind, with counts for folders.
func (f *fixture) paths(t *testing.T) map[string]string {
	t.Helper()
	tr, err := f.queries.Tree(f.ctx, shop, "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, it := range tr.Items {
		switch it.Kind {
		case "folder":
			out[it.Path] = fmt.Sprintf("folder %d/%d", *it.Folders, *it.Cameras)
		default:
			out[it.Path] = it.Kind
		}
	}
	return out
}

// TestPathsFollowRenamesAndMoves: every item's path is right after its ancestors are renamed
// and moved, and a rebuild from the first event gives the same model.
func TestPathsFollowRenamesAndMoves(t *testing.T) {
	f := newFixture(t)
	reg, err := f.cmds.Register(f.ctx, command.Origin{}, recordercmd.Register{Code: "K7QF-3MZP-9XRA", Serial: "NVR-1", Name: "Front NVR"})
	if err != nil {
		t.Fatal(err)
	}
	rec := command.By(access.Principal{Kind: access.Recorder, ID: reg.RecorderID, AccountID: shop}, "req")
	if _, err := f.cmds.Report(f.ctx, rec, []recorder.Reported{{Channel: 1, Name: "Lobby", HardwareID: "a"}, {Channel: 2, Name: "Door", HardwareID: "b"}}); err != nil {
		t.Fatal(err)
	}
	f.sync(t)
	hq := f.folder(t, "", "HQ")
	floor := f.folder(t, hq, "Floor 2")
	lobby, door := recordercmd.CameraID(reg.RecorderID, "a"), recordercmd.CameraID(reg.RecorderID, "b")
	if _, err := f.cmds.PlaceCameras(f.ctx, f.operator, shop, []string{lobby}, floor); err != nil {
		t.Fatal(err)
	}
	f.sync(t)
	want := map[string]string{"HQ": "folder 1/1", "HQ / Floor 2": "folder 0/1", "HQ / Floor 2 / Lobby": "camera", "Door": "camera"}
	if got := f.paths(t); !reflect.DeepEqual(got, want) {
		t.Fatalf("paths %v, want %v", got, want)
	}

	renamed, site := "Headquarters", f.folder(t, "", "Site A")
	if _, err := f.cmds.UpdateFolder(f.ctx, f.operator, hq, &renamed, &site, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cmds.RenameCamera(f.ctx, f.operator, door, "Back door"); err != nil {
		t.Fatal(err)
	}
	f.sync(t)
	want = map[string]string{"Site A": "folder 2/1", "Site A / Headquarters": "folder 1/1", "Site A / Headquarters / Floor 2": "folder 0/1",
		"Site A / Headquarters / Floor 2 / Lobby": "camera", "Back door": "camera"}
	if got := f.paths(t); !reflect.DeepEqual(got, want) {
		t.Fatalf("after the rename and move: paths %v, want %v", got, want)
	}
	cam, err := f.queries.Camera(f.ctx, lobby)
	if err != nil || cam.RecorderName != "Front NVR" || cam.Path != "Site A / Headquarters / Floor 2 / Lobby" {
		t.Fatalf("camera %+v, %v", cam, err)
	}

	before, err := f.queries.Tree(f.ctx, shop, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.pipeline.Rebuild(f.ctx, recorderview.Name); err != nil {
		t.Fatal(err)
	}
	after, err := f.queries.Tree(f.ctx, shop, "")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("the rebuilt model differs:\nbefore %+v\nafter  %+v", before, after)
	}
}

func TestRecorderListing(t *testing.T) {
	f := newFixture(t)
	for i := range 7 {
		if _, err := f.cmds.Register(f.ctx, command.Origin{}, recordercmd.Register{Code: "K7QF-3MZP-9XRA", Serial: fmt.Sprintf("SN-%d", i), Name: fmt.Sprintf("NVR %d", i), ClientAddress: "10.0.0.1"}); err != nil {
			t.Fatal(err)
		}
	}
	f.sync(t)
	var names []string
	cursor := ""
	for {
		page, err := f.queries.Recorders(f.ctx, shop, "", cursor, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Recorders {
			names = append(names, r.Name)
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if len(names) != 7 || names[0] != "NVR 0" || names[6] != "NVR 6" {
		t.Errorf("pages gave %v", names)
	}
	for search, want := range map[string]int{"nvr 3": 1, "sn-": 7, "SN-4": 1, "nothing": 0, "%": 0} {
		page, err := f.queries.Recorders(f.ctx, shop, search, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Recorders) != want {
			t.Errorf("search %q found %d, want %d", search, len(page.Recorders), want)
		}
	}
}
