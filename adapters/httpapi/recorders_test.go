package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camcloud/accounts/recorders/recordercmd"
	"github.com/camcloud/accounts/recorders/recorderview"
)

// recorderCreds is the answer to POST /v1/recorders:register.
type recorderCreds struct {
	ID        string `json:"id"`
	Revision  uint64 `json:"revision"`
	Position  string `json:"position"`
	AccountID string `json:"account_id"`
	Secret    string `json:"secret"`
	Token     string `json:"token"`
}

// registerRecorder registers a recorder with the registration code of accountID and reports
// cameras (hardware IDs "<serial>-cam-<n>").
func (h *harness) registerRecorder(t *testing.T, accountID, serial string, cameras int) recorderCreds {
	t.Helper()
	a, _ := h.get(t, accountID, "")
	var c recorderCreds
	h.as("").do(t, req{Method: http.MethodPost, Path: "/v1/recorders:register", Body: map[string]any{
		"registration_code": a.RegistrationCode, "serial": serial, "model": "NVR-16", "firmware": "4.2", "name": "NVR " + serial,
	}}).expect(t, http.StatusCreated, &c)
	if cameras > 0 {
		h.report(t, c, serial, cameras)
	}
	return c
}

func (h *harness) report(t *testing.T, c recorderCreds, serial string, cameras int) {
	t.Helper()
	var list []map[string]any
	for i := range cameras {
		list = append(list, map[string]any{"channel": i + 1, "name": fmt.Sprintf("Camera %d", i+1), "model": "Dome", "hardware_id": fmt.Sprintf("%s-cam-%d", serial, i)})
	}
	h.as(c.Token).do(t, req{Method: http.MethodPut, Path: "/v1/recorder/cameras", Body: map[string]any{"cameras": list}}).expect(t, http.StatusOK, nil)
}

type recorderDoc struct {
	ID              string    `json:"id"`
	AccountID       string    `json:"account_id"`
	Serial          string    `json:"serial"`
	Model           string    `json:"model"`
	Firmware        string    `json:"firmware"`
	Name            string    `json:"name"`
	Status          string    `json:"status"`
	LandingFolderID string    `json:"landing_folder_id"`
	Cameras         int       `json:"cameras"`
	Revision        uint64    `json:"revision"`
	RegisteredAt    time.Time `json:"registered_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

type recorderPage struct {
	Items      []recorderDoc `json:"items"`
	NextCursor string        `json:"next_cursor"`
}

type itemTree struct {
	AccountID string              `json:"account_id"`
	Revision  uint64              `json:"revision"`
	Items     []recorderview.Item `json:"items"`
}

func (h *harness) tree(t *testing.T, accountID, query string) itemTree {
	t.Helper()
	var tr itemTree
	h.do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + accountID + "/items" + query}).expect(t, http.StatusOK, &tr)
	return tr
}

// TestRecorderRegistration: a recorder registers with its account's code, reports its cameras
// with the credentials it got, and registers again into the same account with new credentials
// (the old ones stop working); wrong codes, rotated codes and another account are refused.
func TestRecorderRegistration(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shop, _ := h.create(t, "", "customer", "Corner Shop")
	rec := h.registerRecorder(t, shop.ID, "nvr-0001", 3)
	if rec.AccountID != shop.ID || !strings.HasPrefix(rec.Token, "recorder."+rec.ID+".") {
		t.Fatalf("registered %+v", rec)
	}
	var page recorderPage
	h.do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + shop.ID + "/recorders"}).expect(t, http.StatusOK, &page)
	if len(page.Items) != 1 || page.Items[0].Serial != "NVR-0001" || page.Items[0].Cameras != 3 || page.Items[0].Name != "NVR nvr-0001" {
		t.Fatalf("recorders %+v", page.Items)
	}

	// Again into the same account: the same recorder, new credentials; the old ones stop working.
	again := h.registerRecorder(t, shop.ID, "NVR-0001", 0)
	if again.ID != rec.ID || again.Secret == rec.Secret {
		t.Fatalf("registered again %+v after %+v", again, rec)
	}
	h.as(rec.Token).do(t, req{Method: http.MethodPut, Path: "/v1/recorder/cameras", Body: map[string]any{"cameras": []any{}}}).
		expectProblem(t, http.StatusUnauthorized, "/problems/unauthenticated")

	// Into another account: refused until deregistered there.
	other, _ := h.create(t, "", "customer", "Other Shop")
	otherDoc, _ := h.get(t, other.ID, "")
	h.as("").do(t, req{Method: http.MethodPost, Path: "/v1/recorders:register", Body: map[string]any{"registration_code": otherDoc.RegistrationCode, "serial": "NVR-0001"}}).
		expectProblem(t, http.StatusConflict, "/problems/recorder-registered-elsewhere")

	// Unknown, malformed and rotated codes answer alike.
	shopDoc, _ := h.get(t, shop.ID, "")
	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + shop.ID + "/registration-code:rotate"}).expect(t, http.StatusOK, nil)
	for _, code := range []string{shopDoc.RegistrationCode, "ABCDE-FGHJK-MNPQR", "not a code"} {
		p := h.as("").do(t, req{Method: http.MethodPost, Path: "/v1/recorders:register", Body: map[string]any{"registration_code": code, "serial": "NVR-0002"}}).
			expectProblem(t, http.StatusUnprocessableEntity, "/problems/unknown-registration-code")
		if p.Field != "registration_code" {
			t.Errorf("problem field %q", p.Field)
		}
	}

	// Credentials of one kind on the other kind's routes.
	h.as(again.Token).do(t, req{Method: http.MethodGet, Path: "/v1/me"}).expectProblem(t, http.StatusForbidden, "/problems/wrong-credentials")
	h.as(again.Token).do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + shop.ID + "/recorders"}).expectProblem(t, http.StatusForbidden, "/problems/wrong-credentials")
	h.do(t, req{Method: http.MethodPut, Path: "/v1/recorder/cameras", Body: map[string]any{"cameras": []any{}}}).expectProblem(t, http.StatusForbidden, "/problems/wrong-credentials")

	// Deregistered: its credentials stop working on its next call, and the serial registers
	// elsewhere as a new recorder.
	h.do(t, req{Method: http.MethodDelete, Path: "/v1/recorders/" + rec.ID}).expect(t, http.StatusOK, nil)
	h.as(again.Token).do(t, req{Method: http.MethodPut, Path: "/v1/recorder/cameras", Body: map[string]any{"cameras": []any{}}}).
		expectProblem(t, http.StatusUnauthorized, "/problems/unauthenticated")
	moved := h.registerRecorder(t, other.ID, "NVR-0001", 1)
	if moved.ID == rec.ID || moved.AccountID != other.ID {
		t.Errorf("registered elsewhere %+v", moved)
	}
}

// TestRegistrationGuessesAreLimited: a serial guessing codes gets 429 with Retry-After, also
// when the guesses arrive at once, and writes nothing.
func TestRegistrationGuessesAreLimited(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i := range 20 {
		wg.Go(func() {
			resp := h.as("").do(t, req{Method: http.MethodPost, Path: "/v1/recorders:register", Body: map[string]any{
				"registration_code": fmt.Sprintf("ABCDE-FGHJK-M%04d", 2000+i), "serial": "GUESSER"}})
			mu.Lock()
			statuses[resp.Status]++
			mu.Unlock()
			if resp.Status == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
		})
	}
	wg.Wait()
	if statuses[http.StatusUnprocessableEntity] != 5 || statuses[http.StatusTooManyRequests] != 15 {
		t.Errorf("answers %v, want 5 refusals and 15 limited", statuses)
	}
}

// TestItemTreeOverHTTP: folders and cameras arranged through the API, with the refusals.
func TestItemTreeOverHTTP(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shop, _ := h.create(t, "", "customer", "Shop")
	rec := h.registerRecorder(t, shop.ID, "NVR-1", 2)
	folder := func(parent, name string) string {
		var c commandAnswer
		body := map[string]any{"name": name}
		if parent != "" {
			body["parent_id"] = parent
		}
		h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + shop.ID + "/folders", Body: body}).expect(t, http.StatusCreated, &c)
		return c.ID
	}
	hq := folder("", "HQ")
	floor := folder(hq, "Floor 2")
	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + shop.ID + "/folders", Body: map[string]any{"name": "floor 2", "parent_id": hq}}).
		expectProblem(t, http.StatusConflict, "/problems/already-taken")
	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + shop.ID + "/folders", Body: map[string]any{"name": " "}}).
		expectProblem(t, http.StatusUnprocessableEntity, "/problems/validation-failed")

	tr := h.tree(t, shop.ID, "?kind=camera")
	var cams []string
	for _, it := range tr.Items {
		cams = append(cams, it.ID)
	}
	if len(cams) != 2 {
		t.Fatalf("cameras %+v", tr.Items)
	}
	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + shop.ID + "/cameras:move", Body: map[string]any{"camera_ids": cams, "folder_id": floor}}).expect(t, http.StatusOK, nil)
	h.do(t, req{Method: http.MethodPatch, Path: "/v1/folders/" + hq, Body: map[string]any{"parent_id": floor}}).
		expectProblem(t, http.StatusUnprocessableEntity, "/problems/folder-cycle")
	h.do(t, req{Method: http.MethodDelete, Path: "/v1/folders/" + floor}).expectProblem(t, http.StatusConflict, "/problems/folder-not-empty")
	h.do(t, req{Method: http.MethodPatch, Path: "/v1/cameras/" + cams[0], Body: map[string]any{"name": "Lobby"}}).expect(t, http.StatusOK, nil)
	h.do(t, req{Method: http.MethodPatch, Path: "/v1/folders/" + hq, Body: map[string]any{"name": "Headquarters"}}).expect(t, http.StatusOK, nil)

	var cam recorderview.Camera
	h.do(t, req{Method: http.MethodGet, Path: "/v1/cameras/" + cams[0]}).expect(t, http.StatusOK, &cam)
	if cam.Path != "Headquarters / Floor 2 / Lobby" || cam.RecorderID != rec.ID || cam.RecorderSerial != "NVR-1" {
		t.Errorf("camera %+v", cam)
	}

	// A camera of another account is not moved into this one's tree, nor seen from it.
	other, _ := h.create(t, "", "customer", "Other")
	h.registerRecorder(t, other.ID, "NVR-9", 1)
	otherCams := h.tree(t, other.ID, "?kind=camera").Items
	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + shop.ID + "/cameras:move", Body: map[string]any{"camera_ids": []string{otherCams[0].ID}, "folder_id": floor}}).
		expectProblem(t, http.StatusUnprocessableEntity, "/problems/unknown-camera")

	// Removing the cameras empties the folder.
	for _, c := range cams {
		h.do(t, req{Method: http.MethodDelete, Path: "/v1/cameras/" + c}).expect(t, http.StatusOK, nil)
	}
	h.do(t, req{Method: http.MethodDelete, Path: "/v1/folders/" + floor}).expect(t, http.StatusOK, nil)
	if got := h.tree(t, shop.ID, "").Items; len(got) != 1 || got[0].Path != "Headquarters" {
		t.Errorf("tree after the removals: %+v", got)
	}
}

// TestThousandRecorders registers 1,000 recorders with 16 cameras each through the API,
// arranges their cameras in a tree of 10 sites with 10 floors each, renames a site, and checks
// every path and count. The log says how long each stage took.
func TestThousandRecorders(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const recorders, cameras, sites, floors, workers = 1000, 16, 10, 10, 8
	shop, _ := h.create(t, "", "customer", "Big Shop")
	shopDoc, _ := h.get(t, shop.ID, "")

	start := time.Now()
	creds := make([]recorderCreds, recorders)
	parallel(workers, recorders, func(i int) {
		var c recorderCreds
		h.as("").do(t, req{Method: http.MethodPost, Path: "/v1/recorders:register", Body: map[string]any{
			"registration_code": shopDoc.RegistrationCode, "serial": fmt.Sprintf("SN%05d", i)}}).expect(t, http.StatusCreated, &c)
		creds[i] = c
	})
	t.Logf("registered %d recorders in %v", recorders, time.Since(start).Round(time.Millisecond))

	start = time.Now()
	parallel(workers, recorders, func(i int) { h.report(t, creds[i], fmt.Sprintf("SN%05d", i), cameras) })
	t.Logf("reported %d cameras in %v", recorders*cameras, time.Since(start).Round(time.Millisecond))

	start = time.Now()
	folder := func(parent, name string) string {
		var c commandAnswer
		body := map[string]any{"name": name}
		if parent != "" {
			body["parent_id"] = parent
		}
		h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + shop.ID + "/folders", Body: body}).expect(t, http.StatusCreated, &c)
		return c.ID
	}
	siteIDs := make([]string, sites)
	floorIDs := make([]string, sites*floors)
	for s := range sites {
		siteIDs[s] = folder("", fmt.Sprintf("Site %d", s))
		for f := range floors {
			floorIDs[s*floors+f] = folder(siteIDs[s], fmt.Sprintf("Floor %d", f))
		}
	}
	t.Logf("made %d folders in %v", len(siteIDs)+len(floorIDs), time.Since(start).Round(time.Millisecond))

	// Each floor gets the cameras of 10 recorders, in one move of 160 cameras. The moves go one
	// after another, as a person arranging a tree makes them: the tree of an account is one
	// aggregate, so concurrent moves in one tree are decided one at a time (and answered 409
	// when they keep colliding).
	start = time.Now()
	perFloor := recorders / len(floorIDs)
	parallel(1, len(floorIDs), func(f int) {
		var ids []string
		for r := f * perFloor; r < (f+1)*perFloor; r++ {
			for c := range cameras {
				ids = append(ids, recordercmd.CameraID(creds[r].ID, fmt.Sprintf("SN%05d-cam-%d", r, c)))
			}
		}
		h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + shop.ID + "/cameras:move", Body: map[string]any{"camera_ids": ids, "folder_id": floorIDs[f]}}).expect(t, http.StatusOK, nil)
	})
	t.Logf("moved %d cameras in %d moves in %v", recorders*cameras, len(floorIDs), time.Since(start).Round(time.Millisecond))

	start = time.Now()
	resp := h.do(t, req{Method: http.MethodPatch, Path: "/v1/folders/" + siteIDs[3], Body: map[string]any{"name": "Headquarters"}})
	resp.expect(t, http.StatusOK, nil)
	t.Logf("renamed a site above %d cameras in %v", floors*perFloor*cameras, time.Since(start).Round(time.Millisecond))

	// Every path and count, from the read model (the whole tree is 16,110 items), and the
	// folders with their counts through the API.
	start = time.Now()
	all, err := recorderview.NewQueries(h.pool).Tree(t.Context(), shop.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Items) != sites+sites*floors+recorders*cameras {
		t.Fatalf("%d items, want %d", len(all.Items), sites+sites*floors+recorders*cameras)
	}
	byID := map[string]recorderview.Item{}
	for _, it := range all.Items {
		byID[it.ID] = it
	}
	for r := range recorders {
		f := r / perFloor
		site := fmt.Sprintf("Site %d", f/floors)
		if f/floors == 3 {
			site = "Headquarters"
		}
		for c := range cameras {
			it := byID[recordercmd.CameraID(creds[r].ID, fmt.Sprintf("SN%05d-cam-%d", r, c))]
			want := fmt.Sprintf("%s / Floor %d / Camera %d", site, f%floors, c+1)
			if it.Path != want {
				t.Fatalf("camera %d of recorder %d at %q, want %q", c, r, it.Path, want)
			}
		}
	}
	folders := h.tree(t, shop.ID, "?kind=folder&min_position="+resp.Header.Get("X-Position"))
	for _, it := range folders.Items {
		wantFolders, wantCameras := 0, perFloor*cameras
		if it.ParentID == "" {
			wantFolders, wantCameras = floors, floors*perFloor*cameras
		}
		if *it.Folders != wantFolders || *it.Cameras != wantCameras {
			t.Errorf("%s holds %d folders and %d cameras, want %d and %d", it.Path, *it.Folders, *it.Cameras, wantFolders, wantCameras)
		}
	}
	t.Logf("checked every path and count in %v", time.Since(start).Round(time.Millisecond))
}

// parallel runs do(0..n-1) on workers goroutines.
func parallel(workers, n int, do func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				do(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// TestSuspendedAccountsRecorders: while its account is suspended a recorder can neither
// register nor report (403, saying why); after reactivation it can again; once the account is
// closed its code no longer resolves and its recorders stay refused.
func TestSuspendedAccountsRecorders(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shop, _ := h.create(t, "", "customer", "Suspended Shop")
	rec := h.registerRecorder(t, shop.ID, "NVR-S", 1)
	doc, _ := h.get(t, shop.ID, "")
	register := req{Method: http.MethodPost, Path: "/v1/recorders:register", Body: map[string]any{"registration_code": doc.RegistrationCode, "serial": "NVR-S2"}}
	report := req{Method: http.MethodPut, Path: "/v1/recorder/cameras", Body: map[string]any{"cameras": []any{}}}

	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + shop.ID + ":suspend", Body: map[string]any{"reason": "unpaid"}}).expect(t, http.StatusOK, nil)
	h.as(rec.Token).do(t, report).expectProblem(t, http.StatusForbidden, "/problems/account-suspended")
	h.as("").do(t, register).expectProblem(t, http.StatusForbidden, "/problems/account-suspended")

	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + shop.ID + ":reactivate"}).expect(t, http.StatusOK, nil)
	h.as(rec.Token).do(t, report).expect(t, http.StatusOK, nil)

	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + shop.ID + ":close"}).expect(t, http.StatusOK, nil)
	h.as(rec.Token).do(t, report).expectProblem(t, http.StatusForbidden, "/problems/account-closed")
	h.as("").do(t, register).expectProblem(t, http.StatusUnprocessableEntity, "/problems/unknown-registration-code")
}

type listedAccount struct {
	accountDoc
	Path   string         `json:"path"`
	Counts map[string]int `json:"counts"`
}

// TestDescendants: a partner lists and searches the accounts below it at any depth, each with
// its path from the partner and its counts; a sub-partner sees only below itself.
func TestDescendants(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	acme, _ := h.create(t, "", "partner", "Acme")
	north, _ := h.create(t, acme.ID, "partner", "Acme North")
	shop, _ := h.create(t, north.ID, "customer", "Corner Shop")
	h.create(t, acme.ID, "customer", "acme direct")
	h.create(t, "", "customer", "Elsewhere")
	h.registerRecorder(t, shop.ID, "NVR-D", 4)
	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + north.ID + ":suspend"}).expect(t, http.StatusOK, nil)

	list := func(token, id, query string) []listedAccount {
		t.Helper()
		var page struct {
			Items      []listedAccount `json:"items"`
			NextCursor string          `json:"next_cursor"`
		}
		h.as(token).do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + id + "/descendants" + query}).expect(t, http.StatusOK, &page)
		return page.Items
	}
	all := list(h.token, acme.ID, "")
	var got []string
	for _, a := range all {
		got = append(got, fmt.Sprintf("%s|%s|%d/%d/%d", a.Path, a.EffectiveStatus, a.Counts["users"], a.Counts["recorders"], a.Counts["cameras"]))
	}
	want := []string{"Acme / Acme North / Corner Shop|suspended|1/1/4", "Acme / Acme North|suspended|1/0/0", "Acme / acme direct|active|1/0/0"}
	slices.Sort(got) // the listing's order is the database's collation
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("descendants of Acme:\n got %v\nwant %v", got, want)
	}
	for query, want := range map[string]int{"?name=ACME": 2, "?name=acme%20n": 1, "?kind=customer": 2, "?status=suspended": 2, "?status=active&kind=customer": 1, "?name=%25": 0} {
		if n := len(list(h.token, acme.ID, query)); n != want {
			t.Errorf("%s: %d accounts, want %d", query, n, want)
		}
	}
	h.do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + acme.ID + "/descendants?kind=robot"}).expectProblem(t, http.StatusBadRequest, "/problems/malformed-request")

	// A paged walk gives every account once.
	var walked []string
	cursor := ""
	for {
		var page struct {
			Items      []listedAccount `json:"items"`
			NextCursor string          `json:"next_cursor"`
		}
		h.do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + acme.ID + "/descendants?limit=1&cursor=" + cursor}).expect(t, http.StatusOK, &page)
		for _, a := range page.Items {
			walked = append(walked, a.Name)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(walked) != 3 {
		t.Errorf("paged walk %v", walked)
	}
}

// TestLandingFolder: a recorder's new cameras land in the folder chosen for it; the folder then
// holds them (it is not deleted), and an unknown folder is refused.
func TestLandingFolder(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shop, _ := h.create(t, "", "customer", "Landing Shop")
	rec := h.registerRecorder(t, shop.ID, "NVR-L", 1)
	var site commandAnswer
	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + shop.ID + "/folders", Body: map[string]any{"name": "Warehouse"}}).expect(t, http.StatusCreated, &site)
	h.do(t, req{Method: http.MethodPatch, Path: "/v1/recorders/" + rec.ID, Body: map[string]any{"landing_folder_id": site.ID}}).expect(t, http.StatusOK, nil)
	h.do(t, req{Method: http.MethodPatch, Path: "/v1/recorders/" + rec.ID, Body: map[string]any{"landing_folder_id": "7f9c0b5e-2d1a-4c3b-9e8f-0a1b2c3d4e5f"}}).
		expectProblem(t, http.StatusUnprocessableEntity, "/problems/unknown-folder")
	var doc recorderDoc
	h.do(t, req{Method: http.MethodGet, Path: "/v1/recorders/" + rec.ID}).expect(t, http.StatusOK, &doc)
	if doc.LandingFolderID != site.ID {
		t.Fatalf("recorder %+v", doc)
	}

	h.report(t, rec, "NVR-L", 3) // camera 0 known (top level), cameras 1 and 2 new
	paths := map[string]bool{}
	for _, it := range h.tree(t, shop.ID, "?kind=camera").Items {
		paths[it.Path] = true
	}
	if want := map[string]bool{"Camera 1": true, "Warehouse / Camera 2": true, "Warehouse / Camera 3": true}; fmt.Sprint(paths) != fmt.Sprint(want) {
		t.Errorf("camera paths %v, want %v", paths, want)
	}
	h.do(t, req{Method: http.MethodDelete, Path: "/v1/folders/" + site.ID}).expectProblem(t, http.StatusConflict, "/problems/folder-not-empty")
}
