package recordercmd_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/access/accesstest"
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

// interleavingStore runs a hook once, right before the first append that holds an event of the
// type named: the hook's own commands commit between that append's decision and its commit, the
// narrowest window two racing requests have.
type interleavingStore struct {
	*memory.Store
	mu     sync.Mutex
	before string
	hook   func()
}

func (s *interleavingStore) AppendMulti(ctx context.Context, writes ...eventstore.StreamWrite) ([]eventstore.AppendResult, error) {
	s.mu.Lock()
	var hook func()
	for _, w := range writes {
		for _, e := range w.Events {
			if e.Type == s.before && s.hook != nil {
				hook, s.hook = s.hook, nil
			}
		}
	}
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	return s.Store.AppendMulti(ctx, writes...)
}

func newInterleavedFixture(t *testing.T) (*fixture, *interleavingStore) {
	t.Helper()
	store := &interleavingStore{Store: memory.New()}
	l := &lookup{cameras: map[string]string{}, folders: map[string]string{}}
	h := command.NewHandler(store, eventstore.NewCodec(domain.Events()...))
	return &fixture{
		ctx: context.Background(), store: store.Store, lookup: l,
		cmds: recordercmd.New(h, access.NewAuthorizer(accesstest.Everywhere{}), codes{}, l, attempts.NewMemory()),
		operator: command.By(access.Principal{Kind: access.User, ID: "u1", AccountID: shop,
			Permissions: []group.Permission{group.RecordersManage}}, "req-1"),
	}, store
}

// tree folds an account's item tree from its stream, as the commands see it.
func (f *fixture) tree(t *testing.T, accountID string) itemtree.Tree {
	t.Helper()
	codec := eventstore.NewCodec(domain.Events()...)
	events, err := f.store.ReadStream(f.ctx, recordercmd.TreeStream(accountID), 0, eventstore.Forwards, 10000)
	if err != nil {
		t.Fatal(err)
	}
	var tr itemtree.Tree
	for _, e := range events {
		ev, err := codec.Decode(e.Type, e.Data)
		if err != nil {
			t.Fatal(err)
		}
		tr = tr.Apply(ev.(itemtree.Event))
	}
	return tr
}

// TestGoneCameraIsNotLeftPlaced: a camera removed (or its recorder deregistered) while a move puts
// it in a folder is not left standing there: the removal that commits last sees the move, so the
// folder ends empty and can be deleted. Before the fix the removal did not depend on the tree when
// the camera stood at the top level, and the folder held a camera nobody could see or move.
func TestGoneCameraIsNotLeftPlaced(t *testing.T) {
	for _, gone := range []struct {
		name, event string
		do          func(f *fixture, reg recordercmd.Registered, camera string) error
	}{
		{"camera removed", "recorder.camera-removed.v1", func(f *fixture, _ recordercmd.Registered, camera string) error {
			_, err := f.cmds.RemoveCamera(f.ctx, f.operator, camera)
			return err
		}},
		{"recorder deregistered", "recorder.deregistered.v1", func(f *fixture, reg recordercmd.Registered, _ string) error {
			_, err := f.cmds.Deregister(f.ctx, f.operator, reg.RecorderID)
			return err
		}},
	} {
		t.Run(gone.name, func(t *testing.T) {
			f, store := newInterleavedFixture(t)
			reg := f.register(t, shopCode, "NVR-RACE")
			f.report(t, reg, "a")
			camera := recordercmd.CameraID(reg.RecorderID, "a")
			site, err := f.cmds.CreateFolder(f.ctx, f.operator, shop, "", "Site")
			if err != nil {
				t.Fatal(err)
			}
			f.lookup.folders[site.FolderID] = shop
			var moveErr error
			store.before, store.hook = gone.event, func() {
				_, moveErr = f.cmds.PlaceCameras(f.ctx, f.operator, shop, []string{camera}, site.FolderID)
			}
			if err := gone.do(f, reg, camera); err != nil {
				t.Fatalf("%s: %v", gone.name, err)
			}
			if moveErr != nil {
				t.Fatalf("the move that ran in between: %v", moveErr)
			}
			if in, ok := f.tree(t, shop).Placed[camera]; ok {
				t.Errorf("the tree still places the gone camera in folder %s", in)
			}
			if _, err := f.cmds.DeleteFolder(f.ctx, f.operator, site.FolderID); err != nil {
				t.Errorf("delete the folder the gone camera was moved into: %v", err)
			}
		})
	}
}

// TestFullReportLandsInAFolder: a report of the most cameras a recorder may list, all new, lands
// them all in the recorder's landing folder. Before the fix the placement of more than
// itemtree.MaxCamerasPerMove cameras failed the whole report with a validation error on
// "camera_ids", a field the recorder never sent.
func TestFullReportLandsInAFolder(t *testing.T) {
	f := newFixture(t)
	reg := f.register(t, shopCode, "NVR-FULL")
	site, err := f.cmds.CreateFolder(f.ctx, f.operator, shop, "", "Site")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.cmds.UpdateRecorder(f.ctx, f.operator, reg.RecorderID, nil, &site.FolderID, nil); err != nil {
		t.Fatal(err)
	}
	cams := make([]recorder.Reported, recorder.MaxCameras)
	for i := range cams {
		cams[i] = recorder.Reported{Channel: i, HardwareID: fmt.Sprintf("hw-%d", i)}
	}
	if _, err := f.cmds.Report(f.ctx, f.as(reg), cams); err != nil {
		t.Fatalf("report of %d new cameras into a landing folder: %v", len(cams), err)
	}
	tr := f.tree(t, shop)
	for _, c := range cams {
		if in := tr.Placed[recordercmd.CameraID(reg.RecorderID, c.HardwareID)]; in != site.FolderID {
			t.Fatalf("camera %s placed in %q, want the landing folder", c.HardwareID, in)
		}
	}
	if _, err := f.cmds.Report(f.ctx, f.as(reg), append(cams, recorder.Reported{HardwareID: "one too many"})); err == nil {
		t.Error("a report of more than recorder.MaxCameras cameras was taken")
	}
}

// TestTokenNamesTheRecorderCanonically: a token is taken only with the recorder ID in the form
// it was issued in. uuid.Parse also takes "urn:uuid:", braces, upper case and no dashes; the
// first reached PostgreSQL as an ID it cannot parse (a 500), the others a stream of no recorder.
func TestTokenNamesTheRecorderCanonically(t *testing.T) {
	const id = "0b7e4a4e-6a3d-4f3c-9a51-2f0c8d1e9b77"
	if got, secret, ok := recordercmd.ParseToken("recorder." + id + ".s3cret"); !ok || got != id || secret != "s3cret" {
		t.Fatalf("the issued form: %q %q %v", got, secret, ok)
	}
	for _, other := range []string{"urn:uuid:" + id, "{" + id + "}", strings.ToUpper(id), strings.ReplaceAll(id, "-", "")} {
		if _, _, ok := recordercmd.ParseToken("recorder." + other + ".s3cret"); ok {
			t.Errorf("token with ID %q taken", other)
		}
	}
}
