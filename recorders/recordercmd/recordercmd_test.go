package recordercmd_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/access/accesstest"
	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/attempts"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/recorders/itemtree"
	"github.com/camcloud/accounts/recorders/recorder"
	"github.com/camcloud/accounts/recorders/recordercmd"
)

const (
	shop      = "11111111-1111-4111-8111-111111111111"
	otherShop = "22222222-2222-4222-8222-222222222222"
	shopCode  = "K7QF-3MZP-9XRA"
	otherCode = "K7QF-3MZP-9XRB"
	closedOne = "K7QF-3MZP-9XRC"
	suspended = "K7QF-3MZP-9XRD"
)

// codes is the accounts read model as the commands see it: which account a code registers into.
type codes struct{}

func (codes) AccountOfCode(_ context.Context, code account.RegistrationCode) (string, account.Status, bool, error) {
	switch code {
	case shopCode:
		return shop, account.StatusActive, true, nil
	case otherCode:
		return otherShop, account.StatusActive, true, nil
	case suspended:
		return otherShop, account.StatusSuspended, true, nil
	case closedOne:
		return otherShop, account.StatusClosed, true, nil
	}
	return "", "", false, nil
}

// lookup answers from the recorders the test knows: the read model's job, tested in recorderview.
type lookup struct {
	mu      sync.Mutex
	cameras map[string]string // camera -> recorder
	folders map[string]string // folder -> account
}

func (l *lookup) CameraRecorder(_ context.Context, id string) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r, ok := l.cameras[id]; ok {
		return r, nil
	}
	return "", recorder.ErrCameraNotFound
}

func (l *lookup) CameraRecorders(_ context.Context, ids []string) (map[string]string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]string{}
	for _, id := range ids {
		if r, ok := l.cameras[id]; ok {
			out[id] = r
		}
	}
	return out, nil
}

func (l *lookup) FolderAccount(_ context.Context, id string) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a, ok := l.folders[id]; ok {
		return a, nil
	}
	return "", itemtree.ErrFolderNotFound
}

type fixture struct {
	ctx      context.Context
	store    *memory.Store
	cmds     *recordercmd.Commands
	lookup   *lookup
	operator command.Origin
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	store := memory.New()
	l := &lookup{cameras: map[string]string{}, folders: map[string]string{}}
	h := command.NewHandler(store, eventstore.NewCodec(domain.Events()...))
	return &fixture{
		ctx: context.Background(), store: store, lookup: l,
		cmds: recordercmd.New(h, access.NewAuthorizer(accesstest.Everywhere{}), codes{}, l, attempts.NewMemory()),
		operator: command.By(access.Principal{Kind: access.User, ID: "u1", AccountID: shop,
			Permissions: []group.Permission{group.RecordersManage}}, "req-1"),
	}
}

func (f *fixture) register(t *testing.T, code, serial string) recordercmd.Registered {
	t.Helper()
	reg, err := f.cmds.Register(f.ctx, command.Origin{}, recordercmd.Register{Code: code, Serial: serial, Model: "NVR-8", Firmware: "1.0", ClientAddress: "10.0.0.1"})
	if err != nil {
		t.Fatalf("register %s with %s: %v", serial, code, err)
	}
	return reg
}

func (f *fixture) as(reg recordercmd.Registered) command.Origin {
	return command.By(access.Principal{Kind: access.Recorder, ID: reg.RecorderID, AccountID: reg.AccountID}, "req-r")
}

func (f *fixture) report(t *testing.T, reg recordercmd.Registered, hardwareIDs ...string) {
	t.Helper()
	var cams []recorder.Reported
	for i, hw := range hardwareIDs {
		cams = append(cams, recorder.Reported{Channel: i + 1, HardwareID: hw})
		f.lookup.cameras[recordercmd.CameraID(reg.RecorderID, hw)] = reg.RecorderID
	}
	if _, err := f.cmds.Report(f.ctx, f.as(reg), cams); err != nil {
		t.Fatalf("report: %v", err)
	}
}

func (f *fixture) events(t *testing.T, stream string) []string {
	t.Helper()
	events, err := f.store.ReadStream(f.ctx, stream, 0, eventstore.Forwards, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range events {
		types = append(types, e.Type)
	}
	return types
}

func TestRegistration(t *testing.T) {
	f := newFixture(t)
	first := f.register(t, "k7qf 3mzp 9xra", "nvr-0001")
	if first.AccountID != shop || first.Secret == "" || first.Token != "recorder."+first.RecorderID+"."+first.Secret {
		t.Fatalf("registered %+v", first)
	}
	again := f.register(t, shopCode, "NVR-0001")
	if again.RecorderID != first.RecorderID || again.Secret == first.Secret {
		t.Fatalf("registering again into the same account: %+v, want the same recorder with a new secret", again)
	}
	if _, err := f.cmds.Register(f.ctx, command.Origin{}, recordercmd.Register{Code: otherCode, Serial: "NVR-0001"}); !errors.Is(err, recorder.ErrRegisteredElsewhere) {
		t.Fatalf("into another account: %v, want ErrRegisteredElsewhere", err)
	}
	for _, code := range []string{closedOne, "K7QF-3MZP-9XR", "nonsense", ""} {
		if _, err := f.cmds.Register(f.ctx, command.Origin{}, recordercmd.Register{Code: code, Serial: "NVR-0002", ClientAddress: fmt.Sprint("10.1.1.", len(code))}); !errors.Is(err, recordercmd.ErrUnknownCode) {
			t.Errorf("code %q: %v, want ErrUnknownCode", code, err)
		}
	}
	if _, err := f.cmds.Register(f.ctx, command.Origin{}, recordercmd.Register{Code: suspended, Serial: "NVR-0003"}); !errors.Is(err, recordercmd.ErrAccountSuspended) {
		t.Errorf("suspended account: %v, want ErrAccountSuspended", err)
	}

	if _, err := f.cmds.Deregister(f.ctx, f.operator, first.RecorderID); err != nil {
		t.Fatal(err)
	}
	moved := f.register(t, otherCode, "NVR-0001")
	if moved.RecorderID == first.RecorderID || moved.AccountID != otherShop {
		t.Fatalf("after deregistering, registered %+v, want a new recorder in the other account", moved)
	}
}

// TestGuessingCodesIsLimited: wrong codes for one serial are refused with 429 after a few, and
// nothing is written.
func TestGuessingCodesIsLimited(t *testing.T) {
	f := newFixture(t)
	var limited int
	for i := range 10 {
		_, err := f.cmds.Register(f.ctx, command.Origin{}, recordercmd.Register{Code: fmt.Sprintf("K7QF-3MZP-%04d", 2222+i), Serial: "NVR-GUESS", ClientAddress: fmt.Sprint("10.2.0.", i)})
		switch {
		case errors.Is(err, attempts.ErrRateLimited):
			limited++
		case !errors.Is(err, recordercmd.ErrUnknownCode):
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if limited != 5 {
		t.Errorf("%d of 10 guesses limited, want 5 (5 per serial)", limited)
	}
	all, _ := f.store.ReadAll(f.ctx, eventstore.Start, eventstore.Forwards, 100)
	if len(all) != 0 {
		t.Errorf("refused registrations wrote %d events", len(all))
	}
}

func TestCameraReports(t *testing.T) {
	f := newFixture(t)
	reg := f.register(t, shopCode, "NVR-0001")
	f.report(t, reg, "cam-a", "cam-b", "cam-c")
	f.report(t, reg, "cam-a", "cam-c")
	f.report(t, reg, "cam-a", "cam-c")
	f.report(t, reg, "cam-a", "cam-b", "cam-c")
	want := []string{"recorder.registered.v1",
		"recorder.camera-discovered.v1", "recorder.camera-discovered.v1", "recorder.camera-discovered.v1",
		"recorder.camera-changed.v1", "recorder.camera-went-offline.v1", // cam-c on channel 2, cam-b gone
		"recorder.camera-came-online.v1", "recorder.camera-changed.v1"} // cam-b back, cam-c on channel 3 again
	if got := f.events(t, "recorder-"+reg.RecorderID); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events\n got %v\nwant %v", got, want)
	}

	// A user's credentials cannot report, nor can a deregistered recorder's.
	if _, err := f.cmds.Report(f.ctx, f.operator, nil); !errors.Is(err, recordercmd.ErrNotARecorder) {
		t.Errorf("a user reporting: %v", err)
	}
	if _, err := f.cmds.Deregister(f.ctx, f.operator, reg.RecorderID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cmds.Report(f.ctx, f.as(reg), nil); !errors.Is(err, access.ErrUnauthenticated) {
		t.Errorf("a deregistered recorder reporting: %v, want ErrUnauthenticated", err)
	}
}

func TestItemTree(t *testing.T) {
	f := newFixture(t)
	reg := f.register(t, shopCode, "NVR-0001")
	f.report(t, reg, "cam-a", "cam-b")
	camA, camB := recordercmd.CameraID(reg.RecorderID, "cam-a"), recordercmd.CameraID(reg.RecorderID, "cam-b")

	hq, err := f.cmds.CreateFolder(f.ctx, f.operator, shop, "", "HQ")
	if err != nil {
		t.Fatal(err)
	}
	f.lookup.folders[hq.FolderID] = shop
	floor, err := f.cmds.CreateFolder(f.ctx, f.operator, shop, hq.FolderID, "Floor 2")
	if err != nil {
		t.Fatal(err)
	}
	f.lookup.folders[floor.FolderID] = shop
	if _, err := f.cmds.CreateFolder(f.ctx, f.operator, shop, hq.FolderID, "floor 2"); !errors.Is(err, itemtree.ErrNameTaken) {
		t.Errorf("a sibling's name in another case: %v, want ErrNameTaken", err)
	}
	if _, err := f.cmds.PlaceCameras(f.ctx, f.operator, shop, []string{camA, camB}, floor.FolderID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cmds.UpdateFolder(f.ctx, f.operator, hq.FolderID, nil, &floor.FolderID, nil); !errors.Is(err, itemtree.ErrCycle) {
		t.Errorf("HQ under its own child: %v, want ErrCycle", err)
	}
	if _, err := f.cmds.DeleteFolder(f.ctx, f.operator, floor.FolderID); !errors.Is(err, itemtree.ErrNotEmpty) {
		t.Errorf("deleting a folder with cameras: %v, want ErrNotEmpty", err)
	}
	// A camera of another account's recorder is not placed.
	other := f.register(t, otherCode, "NVR-0009")
	f.report(t, other, "cam-x")
	camX := recordercmd.CameraID(other.RecorderID, "cam-x")
	if _, err := f.cmds.PlaceCameras(f.ctx, f.operator, shop, []string{camX}, floor.FolderID); !errors.Is(err, recordercmd.ErrUnknownCamera) {
		t.Errorf("another account's camera: %v, want ErrUnknownCamera", err)
	}
	// Removing one camera and deregistering the recorder empty the folder.
	if _, err := f.cmds.RemoveCamera(f.ctx, f.operator, camA); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cmds.Deregister(f.ctx, f.operator, reg.RecorderID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cmds.DeleteFolder(f.ctx, f.operator, floor.FolderID); err != nil {
		t.Errorf("deleting the emptied folder: %v", err)
	}
	renamed := "Headquarters"
	if _, err := f.cmds.UpdateFolder(f.ctx, f.operator, hq.FolderID, &renamed, nil, nil); err != nil {
		t.Fatal(err)
	}
}

// TestFoldersConcurrently: of folders created at once under one parent with one name, one wins.
func TestFoldersConcurrently(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, taken := 0, 0
	for range 8 {
		wg.Go(func() {
			_, err := f.cmds.CreateFolder(f.ctx, f.operator, shop, "", "Site")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.Is(err, itemtree.ErrNameTaken):
				taken++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if won != 1 || taken != 7 {
		t.Errorf("%d created, %d refused; want 1 and 7", won, taken)
	}
}

// TestNewCamerasLandInTheChosenFolder: a report's new cameras land in the recorder's landing
// folder, in the same append that places them in the tree (a stream the unit first only checked,
// then wrote); once the folder is gone they land at the top level.
func TestNewCamerasLandInTheChosenFolder(t *testing.T) {
	f := newFixture(t)
	reg := f.register(t, shopCode, "NVR-0001")
	hq, err := f.cmds.CreateFolder(f.ctx, f.operator, shop, "", "HQ")
	if err != nil {
		t.Fatal(err)
	}
	f.lookup.folders[hq.FolderID] = shop
	if _, err := f.cmds.UpdateRecorder(f.ctx, f.operator, reg.RecorderID, nil, &hq.FolderID, nil); err != nil {
		t.Fatal(err)
	}
	f.report(t, reg, "a", "b")
	if _, err := f.cmds.DeleteFolder(f.ctx, f.operator, hq.FolderID); !errors.Is(err, itemtree.ErrNotEmpty) {
		t.Fatalf("deleting the landing folder with cameras in it: %v, want ErrNotEmpty", err)
	}
	want := []string{"itemtree.folder-created.v1", "itemtree.cameras-placed.v1"}
	if got := f.events(t, recordercmd.TreeStream(shop)); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("tree events %v, want %v", got, want)
	}
	unknown := "7f9c0b5e-2d1a-4c3b-9e8f-0a1b2c3d4e5f"
	if _, err := f.cmds.UpdateRecorder(f.ctx, f.operator, reg.RecorderID, nil, &unknown, nil); !errors.Is(err, recordercmd.ErrUnknownLandingFolder) {
		t.Errorf("an unknown landing folder: %v", err)
	}
}
