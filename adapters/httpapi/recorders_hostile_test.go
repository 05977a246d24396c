package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/recorders/recordercmd"
)

// The recorders context tried as an attacker and a fault injector would: racing requests,
// hostile input, other accounts' IDs, forged recorder tokens, and a database cut mid-request.

// folderIn creates a folder in accountID's tree (under parent, "" for the top level).
func (h *harness) folderIn(t *testing.T, accountID, parent, name string) string {
	t.Helper()
	body := map[string]any{"name": name}
	if parent != "" {
		body["parent_id"] = parent
	}
	var c commandAnswer
	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + accountID + "/folders", Body: body}).expect(t, http.StatusCreated, &c)
	return c.ID
}

// checkTreeFolds reads an account's whole tree and checks that folding the parents gives, for
// every item, its ancestors and path: no cycle, no parent missing, no stale path.
func (h *harness) checkTreeFolds(t *testing.T, accountID string) itemTree {
	t.Helper()
	tr := h.tree(t, accountID, "")
	byID := map[string]int{}
	for i, it := range tr.Items {
		byID[it.ID] = i
	}
	for _, it := range tr.Items {
		var ancestors, names []string
		names = append(names, it.Name)
		for p, steps := it.ParentID, 0; p != ""; steps++ {
			i, ok := byID[p]
			if !ok || tr.Items[i].Kind != "folder" {
				t.Fatalf("%s %q stands under %s, not a folder of the tree", it.Kind, it.Path, p)
			}
			if steps > len(tr.Items) {
				t.Fatalf("%s %q stands in a cycle of folders", it.Kind, it.Path)
			}
			ancestors = append([]string{p}, ancestors...)
			names = append([]string{tr.Items[i].Name}, names...)
			p = tr.Items[i].ParentID
		}
		if fmt.Sprint(ancestors) != fmt.Sprint(it.Ancestors) || strings.Join(names, " / ") != it.Path {
			t.Errorf("%s %s: ancestors %v path %q; folding the parents gives %v and %q", it.Kind, it.ID, it.Ancestors, it.Path, ancestors, strings.Join(names, " / "))
		}
	}
	return tr
}

// TestRecorderRegistrationRaces: 20 registrations of one new serial into one account at once
// make exactly one recorder (every 201 names it; the others are refused, writing nothing); one
// serial into two accounts at once registers into one, the other answers 409.
func TestRecorderRegistrationRaces(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shop, _ := h.create(t, "", "customer", "Race Shop")
	other, _ := h.create(t, "", "customer", "Race Other")
	shopDoc, _ := h.get(t, shop.ID, "")
	otherDoc, _ := h.get(t, other.ID, "")

	var mu sync.Mutex
	ids := map[string]int{}
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			resp := h.as("").do(t, req{Method: http.MethodPost, Path: "/v1/recorders:register", Body: map[string]any{
				"registration_code": shopDoc.RegistrationCode, "serial": "race-1"}})
			mu.Lock()
			defer mu.Unlock()
			statuses[resp.Status]++
			switch resp.Status {
			case http.StatusCreated:
				var c recorderCreds
				resp.expect(t, http.StatusCreated, &c)
				ids[c.ID]++
			case http.StatusTooManyRequests, http.StatusConflict:
				if resp.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("refusal %d is not a problem: %s", resp.Status, resp.Body)
				}
			default:
				t.Errorf("registration answered %d: %s", resp.Status, resp.Body)
			}
		})
	}
	wg.Wait()
	if len(ids) != 1 {
		t.Fatalf("20 registrations of one serial gave recorders %v (answers %v)", ids, statuses)
	}
	t.Logf("answers %v", statuses)
	var page recorderPage
	h.do(t, req{Method: http.MethodGet, Path: "/v1/accounts/" + shop.ID + "/recorders"}).expect(t, http.StatusOK, &page)
	if len(page.Items) != 1 || page.Items[0].Serial != "RACE-1" {
		t.Errorf("recorders of the shop %+v", page.Items)
	}

	// One serial into two accounts at once, a few times.
	for round := range 4 {
		serial := fmt.Sprintf("TWO-%d", round)
		answers := make([]response, 2)
		var wg sync.WaitGroup
		for i, code := range []string{shopDoc.RegistrationCode, otherDoc.RegistrationCode} {
			wg.Go(func() {
				answers[i] = h.as("").do(t, req{Method: http.MethodPost, Path: "/v1/recorders:register", Body: map[string]any{"registration_code": code, "serial": serial}})
			})
		}
		wg.Wait()
		won := 0
		for _, a := range answers {
			switch a.Status {
			case http.StatusCreated:
				won++
			case http.StatusConflict:
				a.expectProblem(t, http.StatusConflict, "/problems/recorder-registered-elsewhere")
			default:
				t.Errorf("round %d: answer %d: %s", round, a.Status, a.Body)
			}
		}
		if won != 1 {
			t.Errorf("round %d: %d registrations of %s won, want 1", round, won, serial)
		}
	}
}

// TestFolderRaces: renames of sibling folders to one name at once: one wins, the others 409; a
// folder and its sibling moved under each other at once: one wins, the other is a cycle; the
// tree folds without a cycle afterwards.
func TestFolderRaces(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shop, _ := h.create(t, "", "customer", "Folder Race Shop")
	parent := h.folderIn(t, shop.ID, "", "Parent")
	var siblings []string
	for i := range 8 {
		siblings = append(siblings, h.folderIn(t, shop.ID, parent, fmt.Sprintf("Sibling %d", i)))
	}
	statuses := make([]int, len(siblings))
	var wg sync.WaitGroup
	for i, id := range siblings {
		wg.Go(func() {
			resp := h.do(t, req{Method: http.MethodPatch, Path: "/v1/folders/" + id, Body: map[string]any{"name": "Same Name"}})
			statuses[i] = resp.Status
			if resp.Status == http.StatusConflict {
				if p := resp.expectProblem(t, http.StatusConflict, "/problems/already-taken"); p.Field != "name" {
					t.Errorf("409 names field %q", p.Field)
				}
			}
		})
	}
	wg.Wait()
	if count(statuses, http.StatusOK) != 1 || count(statuses, http.StatusConflict) != len(siblings)-1 {
		t.Errorf("renames to one name answered %v, want one 200 and the rest 409", statuses)
	}

	// Two folders moved under each other at once, and a folder moved under its own child while
	// the child moves to the top.
	for round := range 4 {
		x := h.folderIn(t, shop.ID, "", fmt.Sprintf("X%d", round))
		y := h.folderIn(t, shop.ID, "", fmt.Sprintf("Y%d", round))
		child := h.folderIn(t, shop.ID, x, fmt.Sprintf("Child%d", round))
		moves := []struct{ id, parent string }{{x, y}, {y, x}, {x, child}, {child, ""}}
		statuses := make([]int, len(moves))
		var wg sync.WaitGroup
		for i, m := range moves {
			wg.Go(func() {
				var parent any
				if m.parent != "" {
					parent = m.parent
				}
				resp := h.do(t, req{Method: http.MethodPatch, Path: "/v1/folders/" + m.id, Body: map[string]any{"parent_id": parent}})
				statuses[i] = resp.Status
				if resp.Status != http.StatusOK {
					resp.expectProblem(t, http.StatusUnprocessableEntity, "/problems/folder-cycle")
				}
			})
		}
		wg.Wait()
		// X under Y and Y under X both succeed only when X left for Child (at the top) between.
		if statuses[0] == http.StatusOK && statuses[1] == http.StatusOK && (statuses[2] != http.StatusOK || statuses[3] != http.StatusOK) {
			t.Errorf("round %d: X under Y and Y under X both succeeded (moves answered %v)", round, statuses)
		}
		h.checkTreeFolds(t, shop.ID)
	}
	h.checkTreeFolds(t, shop.ID)
}

// TestCameraRaces: a camera removed while a move puts it in a folder, and a recorder
// deregistered while a move puts its camera in a folder, never leave the folder holding a
// camera nobody sees (the folder is deleted afterwards); a deregistration racing a report
// leaves no camera of the recorder in the tree.
func TestCameraRaces(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shop, _ := h.create(t, "", "customer", "Camera Race Shop")
	move := func(cams []string, folder string) req {
		return req{Method: http.MethodPost, Path: "/v1/accounts/" + shop.ID + "/cameras:move", Body: map[string]any{"camera_ids": cams, "folder_id": folder}}
	}
	for round := range 6 {
		serial := fmt.Sprintf("CAMRACE-%d", round)
		rec := h.registerRecorder(t, shop.ID, serial, 2)
		folder := h.folderIn(t, shop.ID, "", fmt.Sprintf("Round %d", round))
		var cams []string
		for _, it := range h.tree(t, shop.ID, "?kind=camera").Items {
			if it.RecorderID == rec.ID {
				cams = append(cams, it.ID)
			}
		}
		gone := req{Method: http.MethodDelete, Path: "/v1/cameras/" + cams[0]}
		if round%2 == 1 {
			gone = req{Method: http.MethodDelete, Path: "/v1/recorders/" + rec.ID}
		}
		var wg sync.WaitGroup
		var goneStatus, moveStatus int
		wg.Go(func() { goneStatus = h.do(t, gone).Status })
		wg.Go(func() {
			resp := h.do(t, move(cams, folder))
			moveStatus = resp.Status
			if resp.Status != http.StatusOK {
				resp.expectProblem(t, http.StatusUnprocessableEntity, "/problems/unknown-camera")
			}
		})
		wg.Wait()
		if goneStatus != http.StatusOK {
			t.Fatalf("round %d: %s %s answered %d", round, gone.Method, gone.Path, goneStatus)
		}
		// Whatever is left of the recorder goes, then the folder must be deletable.
		if round%2 == 0 {
			h.do(t, req{Method: http.MethodDelete, Path: "/v1/recorders/" + rec.ID}).expect(t, http.StatusOK, nil)
		}
		if resp := h.do(t, req{Method: http.MethodDelete, Path: "/v1/folders/" + folder}); resp.Status != http.StatusOK {
			t.Errorf("round %d (move answered %d): the folder the gone cameras were moved into is not deleted: %d %s", round, moveStatus, resp.Status, resp.Body)
		}
	}

	// Deregistration racing reports.
	for round := range 4 {
		serial := fmt.Sprintf("DEREG-%d", round)
		rec := h.registerRecorder(t, shop.ID, serial, 1)
		var wg sync.WaitGroup
		wg.Go(func() {
			h.do(t, req{Method: http.MethodDelete, Path: "/v1/recorders/" + rec.ID}).expect(t, http.StatusOK, nil)
		})
		for i := range 3 {
			wg.Go(func() {
				list := []map[string]any{{"channel": 1, "hardware_id": fmt.Sprintf("%s-cam-%d", serial, i+1)}}
				resp := h.as(rec.Token).do(t, req{Method: http.MethodPut, Path: "/v1/recorder/cameras", Body: map[string]any{"cameras": list}})
				if resp.Status != http.StatusOK {
					resp.expectProblem(t, http.StatusUnauthorized, "/problems/unauthenticated")
				}
			})
		}
		wg.Wait()
	}
	for _, it := range h.checkTreeFolds(t, shop.ID).Items {
		t.Errorf("item left after every recorder was deregistered and every folder deleted: %+v", it)
	}
}

// TestRecorderETagAfterCameraChanges: the ETag GET /v1/recorders/{id} gives works as If-Match
// after reports and camera changes (it used to lag behind the recorder's stream, and every
// conditional change was refused 412).
func TestRecorderETagAfterCameraChanges(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shop, _ := h.create(t, "", "customer", "ETag Shop")
	rec := h.registerRecorder(t, shop.ID, "ETAG-1", 3)
	h.report(t, rec, "ETAG-1", 1) // two cameras go offline
	cam := h.tree(t, shop.ID, "?kind=camera").Items[0]
	h.do(t, req{Method: http.MethodPatch, Path: "/v1/cameras/" + cam.ID, Body: map[string]any{"name": "Renamed"}}).expect(t, http.StatusOK, nil)
	resp := h.do(t, req{Method: http.MethodGet, Path: "/v1/recorders/" + rec.ID})
	resp.expect(t, http.StatusOK, nil)
	h.do(t, req{Method: http.MethodPatch, Path: "/v1/recorders/" + rec.ID, Body: map[string]any{"name": "Conditional"},
		Header: map[string]string{"If-Match": resp.Header.Get("ETag")}}).expect(t, http.StatusOK, nil)
}

// TestRecorderHostileInput: over-long and hidden-character text, too many cameras, too large or
// ambiguous bodies are refused with the field at fault and write nothing; a full report of new
// cameras into a landing folder is taken.
func TestRecorderHostileInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shop, _ := h.create(t, "", "customer", "Hostile Shop")
	doc, _ := h.get(t, shop.ID, "")
	rec := h.registerRecorder(t, shop.ID, "HOSTILE-1", 1)
	folder := h.folderIn(t, shop.ID, "", "Landing")
	cam := h.tree(t, shop.ID, "?kind=camera").Items[0].ID
	report := func(body any) req { return req{Method: http.MethodPut, Path: "/v1/recorder/cameras", Body: body} }

	bad := []string{strings.Repeat("x", 101), strings.Repeat("é", 10000), "Lobby\x07", "Lobby\u202Egpj.exe", "a\u2066b", "line\nbreak", "\u200F", "  "}
	for _, text := range bad {
		short := fmt.Sprintf("%.20q", text)
		for _, c := range []struct {
			name  string
			r     req
			as    string
			field string
		}{
			{"folder name", req{Method: http.MethodPost, Path: "/v1/accounts/" + shop.ID + "/folders", Body: map[string]any{"name": text}}, h.token, "name"},
			{"folder rename", req{Method: http.MethodPatch, Path: "/v1/folders/" + folder, Body: map[string]any{"name": text}}, h.token, "name"},
			{"camera rename", req{Method: http.MethodPatch, Path: "/v1/cameras/" + cam, Body: map[string]any{"name": text}}, h.token, "name"},
			{"recorder rename", req{Method: http.MethodPatch, Path: "/v1/recorders/" + rec.ID, Body: map[string]any{"name": text}}, h.token, "name"},
			{"hardware ID", report(map[string]any{"cameras": []map[string]any{{"channel": 1, "hardware_id": text}}}), rec.Token, "cameras[0].hardware_id"},
			{"serial", req{Method: http.MethodPost, Path: "/v1/recorders:register", Body: map[string]any{"registration_code": doc.RegistrationCode, "serial": text}}, "", "serial"},
		} {
			p := h.as(c.as).do(t, c.r).expectProblem(t, http.StatusUnprocessableEntity, "/problems/validation-failed")
			if p.Field != c.field {
				t.Errorf("%s %s: field %q, want %q", c.name, short, p.Field, c.field)
			}
			if strings.ContainsAny(p.Detail, "\x07\u202E\u2066\u200F\n") {
				t.Errorf("%s %s: the problem echoes the hidden character: %q", c.name, short, p.Detail)
			}
		}
	}
	// A hidden character in a camera's reported name or model, and a name that only differs by
	// one from another.
	h.as(rec.Token).do(t, report(map[string]any{"cameras": []map[string]any{{"channel": 1, "hardware_id": "x", "name": "a\u202Eb"}}})).
		expectProblem(t, http.StatusUnprocessableEntity, "/problems/validation-failed")
	h.as(rec.Token).do(t, report(map[string]any{"cameras": []map[string]any{{"channel": -1, "hardware_id": "x"}}})).
		expectProblem(t, http.StatusUnprocessableEntity, "/problems/validation-failed")
	h.as(rec.Token).do(t, report(map[string]any{"cameras": []map[string]any{{"channel": 1, "hardware_id": "dup"}, {"channel": 2, "hardware_id": " dup "}}})).
		expectProblem(t, http.StatusUnprocessableEntity, "/problems/validation-failed")
	h.as(rec.Token).do(t, report(`{"cameras":[],"cameras":[{"channel":1,"hardware_id":"x"}]}`)).
		expectProblem(t, http.StatusBadRequest, "/problems/malformed-request")
	h.as(rec.Token).do(t, report(`{"cameras":null}`)).expectProblem(t, http.StatusUnprocessableEntity, "/problems/validation-failed")
	h.as(rec.Token).do(t, report(`{"cameras":[{"channel":1,"hardware_id":"x","hardware_id":"y"}]}`)).
		expectProblem(t, http.StatusBadRequest, "/problems/malformed-request")
	h.as("").do(t, req{Method: http.MethodPost, Path: "/v1/recorders:register", Body: `{"registration_code":"` + doc.RegistrationCode + `","serial":"A","serial":"B"}`}).
		expectProblem(t, http.StatusBadRequest, "/problems/malformed-request")

	// Cameras: 1,025 are refused; a body over 64 KiB is refused before it is decoded; 1,024 new
	// ones land in the recorder's landing folder.
	compact := func(n int) string {
		var b bytes.Buffer
		b.WriteString(`{"cameras":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"hardware_id":"h%d","channel":%d}`, i, i+1)
		}
		b.WriteString(`]}`)
		return b.String()
	}
	if p := h.as(rec.Token).do(t, report(compact(1025))).expectProblem(t, http.StatusUnprocessableEntity, "/problems/validation-failed"); p.Field != "cameras" {
		t.Errorf("1,025 cameras: field %q", p.Field)
	}
	h.as(rec.Token).do(t, report(compact(1025)+strings.Repeat(" ", 64<<10))).expectProblem(t, http.StatusRequestEntityTooLarge, "/problems/request-too-large")
	h.do(t, req{Method: http.MethodPatch, Path: "/v1/recorders/" + rec.ID, Body: map[string]any{"landing_folder_id": folder}}).expect(t, http.StatusOK, nil)
	h.as(rec.Token).do(t, report(compact(1024))).expect(t, http.StatusOK, nil)
	var item struct {
		Cameras *int `json:"cameras"`
	}
	resp := h.do(t, req{Method: http.MethodGet, Path: "/v1/items/" + folder})
	resp.expect(t, http.StatusOK, nil)
	if err := json.Unmarshal(resp.Body, &item); err != nil || item.Cameras == nil || *item.Cameras != 1024 {
		t.Errorf("the landing folder holds %s", resp.Body)
	}

	// min_position beyond the end of the log: 503 not-yet-consistent with Retry-After, after the
	// server's bounded wait (short here).
	cfg := h.cfg
	cfg.MaxWait = 200 * time.Millisecond
	quick := *h
	quick.srv = httptest.NewServer(cfg.api())
	t.Cleanup(quick.srv.Close)
	far := "999999999999"
	for _, path := range []string{"/v1/accounts/" + shop.ID + "/items", "/v1/recorders/" + rec.ID, "/v1/items/" + folder, "/v1/cameras/" + cam, "/v1/accounts/" + shop.ID + "/recorders"} {
		resp := quick.do(t, req{Method: http.MethodGet, Path: path + "?min_position=" + far})
		resp.expectProblem(t, http.StatusServiceUnavailable, "/problems/not-yet-consistent")
		if resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s: 503 without Retry-After", path)
		}
	}
}

// TestRecorderTokensForged: a recorder token with a wrong secret, another recorder's ID, a
// deregistered recorder's, or garbage after the prefix is 401 on the recorders' route; a user's
// token there is 403; a recorder's token on the users' routes is 403.
func TestRecorderTokensForged(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shop, _ := h.create(t, "", "customer", "Token Shop")
	a := h.registerRecorder(t, shop.ID, "TOKEN-A", 1)
	b := h.registerRecorder(t, shop.ID, "TOKEN-B", 1)
	gone := h.registerRecorder(t, shop.ID, "TOKEN-GONE", 1)
	h.do(t, req{Method: http.MethodDelete, Path: "/v1/recorders/" + gone.ID}).expect(t, http.StatusOK, nil)
	report := req{Method: http.MethodPut, Path: "/v1/recorder/cameras", Body: map[string]any{"cameras": []any{}}}

	for name, token := range map[string]string{
		"wrong secret":             "recorder." + a.ID + "." + b.Secret,
		"secret with a byte more":  a.Token + "x",
		"another recorder's ID":    "recorder." + b.ID + "." + a.Secret,
		"deregistered":             gone.Token,
		"prefix only":              "recorder.",
		"no secret":                "recorder." + a.ID,
		"empty secret":             "recorder." + a.ID + ".",
		"garbage ID":               "recorder.../../etc." + a.Secret,
		"upper-case ID":            "recorder." + strings.ToUpper(a.ID) + "." + a.Secret,
		"ID in braces":             "recorder.{" + a.ID + "}." + a.Secret,
		"ID without dashes":        "recorder." + strings.ReplaceAll(a.ID, "-", "") + "." + a.Secret,
		"urn ID":                   "recorder.urn:uuid:" + a.ID + "." + a.Secret,
		"unknown ID":               "recorder.00000000-0000-4000-8000-000000000000." + a.Secret,
		"prefix in another case":   "RECORDER." + a.ID + "." + a.Secret,
		"huge secret":              "recorder." + a.ID + "." + strings.Repeat("A", 6000),
		"secret of another's form": "recorder." + a.ID + "." + strings.Repeat("A", 43),
	} {
		resp := h.as(token).do(t, report)
		if resp.Status != http.StatusUnauthorized {
			t.Errorf("%s: %d %s, want 401", name, resp.Status, resp.Body)
			continue
		}
		resp.expectProblem(t, http.StatusUnauthorized, "/problems/unauthenticated")
	}
	// The right ones still work after all that.
	h.as(a.Token).do(t, report).expect(t, http.StatusOK, nil)
	h.do(t, report).expectProblem(t, http.StatusForbidden, "/problems/wrong-credentials")

	folder := h.folderIn(t, shop.ID, "", "F")
	cam := h.tree(t, shop.ID, "?kind=camera").Items[0].ID
	for _, r := range []req{
		{Method: http.MethodGet, Path: "/v1/accounts/" + shop.ID + "/recorders"},
		{Method: http.MethodGet, Path: "/v1/recorders/" + a.ID},
		{Method: http.MethodPatch, Path: "/v1/recorders/" + a.ID, Body: map[string]any{"name": "x"}},
		{Method: http.MethodDelete, Path: "/v1/recorders/" + b.ID},
		{Method: http.MethodGet, Path: "/v1/accounts/" + shop.ID + "/items"},
		{Method: http.MethodPost, Path: "/v1/accounts/" + shop.ID + "/folders", Body: map[string]any{"name": "x"}},
		{Method: http.MethodPost, Path: "/v1/accounts/" + shop.ID + "/cameras:move", Body: map[string]any{"camera_ids": []string{cam}, "folder_id": folder}},
		{Method: http.MethodGet, Path: "/v1/items/" + folder},
		{Method: http.MethodPatch, Path: "/v1/folders/" + folder, Body: map[string]any{"name": "y"}},
		{Method: http.MethodDelete, Path: "/v1/folders/" + folder},
		{Method: http.MethodGet, Path: "/v1/cameras/" + cam},
		{Method: http.MethodPatch, Path: "/v1/cameras/" + cam, Body: map[string]any{"name": "z"}},
		{Method: http.MethodDelete, Path: "/v1/cameras/" + cam},
	} {
		h.as(a.Token).do(t, r).expectProblem(t, http.StatusForbidden, "/problems/wrong-credentials")
	}
}

// TestOtherAccountsIDs: a user managing recorders of one account gives IDs of another account's
// folders, cameras and recorders everywhere an ID goes; each is refused (404, or 422 naming only
// the field), writes nothing, and the answer names nothing of the other account.
func TestOtherAccountsIDs(t *testing.T) {
	t.Parallel()
	w := newAuthzTree(t)
	h := w.h
	user := w.withPerms(t, w.c, group.RecordersManage)
	mine := h.registerRecorder(t, w.c, "MINE-1", 1)
	theirs := h.registerRecorder(t, w.d, "THEIRS-SECRET-1", 1)
	myFolder := h.folderIn(t, w.c, "", "Mine")
	theirFolder := h.folderIn(t, w.d, "", "Dunmore Vault")
	myCam := h.tree(t, w.c, "?kind=camera").Items[0].ID
	theirCam := h.tree(t, w.d, "?kind=camera").Items[0].ID
	secrets := append(w.accountSecrets(t, w.d), theirs.ID, "THEIRS-SECRET-1", theirFolder, "Dunmore Vault", theirCam)

	as := h.as(user.token)
	for _, c := range []struct {
		r      req
		status int
		typ    string
	}{
		{req{Method: http.MethodPost, Path: "/v1/accounts/" + w.c + "/folders", Body: map[string]any{"name": "Sneaky", "parent_id": theirFolder}}, 422, "/problems/unknown-folder"},
		{req{Method: http.MethodPatch, Path: "/v1/folders/" + myFolder, Body: map[string]any{"parent_id": theirFolder}}, 422, "/problems/unknown-folder"},
		{req{Method: http.MethodPatch, Path: "/v1/recorders/" + mine.ID, Body: map[string]any{"landing_folder_id": theirFolder}}, 422, "/problems/unknown-folder"},
		{req{Method: http.MethodPost, Path: "/v1/accounts/" + w.c + "/cameras:move", Body: map[string]any{"camera_ids": []string{myCam}, "folder_id": theirFolder}}, 422, "/problems/unknown-folder"},
		{req{Method: http.MethodPost, Path: "/v1/accounts/" + w.c + "/cameras:move", Body: map[string]any{"camera_ids": []string{myCam, theirCam}, "folder_id": myFolder}}, 422, "/problems/unknown-camera"},
		{req{Method: http.MethodPost, Path: "/v1/accounts/" + w.c + "/cameras:move", Body: map[string]any{"camera_ids": []string{theirFolder}, "folder_id": nil}}, 422, "/problems/unknown-camera"},
		{req{Method: http.MethodPost, Path: "/v1/accounts/" + w.c + "/cameras:move", Body: map[string]any{"camera_ids": []string{myCam}, "folder_id": myCam}}, 422, "/problems/unknown-folder"},
		{req{Method: http.MethodPatch, Path: "/v1/folders/" + theirFolder, Body: map[string]any{"name": "Mine now"}}, 404, "/problems/not-found"},
		{req{Method: http.MethodPatch, Path: "/v1/folders/" + theirFolder, Body: map[string]any{"parent_id": myFolder}}, 404, "/problems/not-found"},
		{req{Method: http.MethodDelete, Path: "/v1/folders/" + theirFolder}, 404, "/problems/not-found"},
		{req{Method: http.MethodPatch, Path: "/v1/folders/" + myCam, Body: map[string]any{"name": "Cam as folder"}}, 404, "/problems/not-found"},
		{req{Method: http.MethodGet, Path: "/v1/items/" + theirFolder}, 404, "/problems/not-found"},
		{req{Method: http.MethodGet, Path: "/v1/items/" + theirCam}, 404, "/problems/not-found"},
		{req{Method: http.MethodGet, Path: "/v1/accounts/" + w.c + "/items?root=" + theirFolder}, 404, "/problems/not-found"},
		{req{Method: http.MethodGet, Path: "/v1/accounts/" + w.c + "/items?root=" + myCam}, 404, "/problems/not-found"},
		{req{Method: http.MethodGet, Path: "/v1/cameras/" + theirCam}, 404, "/problems/not-found"},
		{req{Method: http.MethodPatch, Path: "/v1/cameras/" + theirCam, Body: map[string]any{"name": "Mine now"}}, 404, "/problems/not-found"},
		{req{Method: http.MethodDelete, Path: "/v1/cameras/" + theirCam}, 404, "/problems/not-found"},
		{req{Method: http.MethodGet, Path: "/v1/cameras/" + myFolder}, 404, "/problems/not-found"},
		{req{Method: http.MethodGet, Path: "/v1/recorders/" + theirs.ID}, 404, "/problems/not-found"},
		{req{Method: http.MethodPatch, Path: "/v1/recorders/" + theirs.ID, Body: map[string]any{"name": "Mine now"}}, 404, "/problems/not-found"},
		{req{Method: http.MethodDelete, Path: "/v1/recorders/" + theirs.ID}, 404, "/problems/not-found"},
	} {
		resp := as.do(t, c.r)
		resp.expectProblem(t, c.status, c.typ)
		for _, s := range secrets {
			if bytes.Contains(bytes.ToLower(resp.Body), bytes.ToLower([]byte(s))) {
				t.Errorf("%s %s: the answer names %q of the other account: %s", c.r.Method, c.r.Path, s, resp.Body)
			}
		}
	}
	// Their tree is as it was.
	for _, it := range h.tree(t, w.d, "").Items {
		if it.ParentID != "" || (it.Kind == "folder" && it.Name != "Dunmore Vault") {
			t.Errorf("the other account's tree changed: %+v", it)
		}
	}
}

// TestRecorderIngestionOutage: with PostgreSQL cut away, a recorder's registration and camera
// report answer 503 /problems/unavailable with Retry-After, never 500, and work once it is back.
func TestRecorderIngestionOutage(t *testing.T) {
	t.Parallel()
	h, proxy := newHarnessBehindProxy(t)
	shop, _ := h.create(t, "", "customer", "Outage Shop")
	doc, _ := h.get(t, shop.ID, "")
	rec := h.registerRecorder(t, shop.ID, "OUTAGE-1", 2)
	folder := h.folderIn(t, shop.ID, "", "Landing")
	h.do(t, req{Method: http.MethodPatch, Path: "/v1/recorders/" + rec.ID, Body: map[string]any{"landing_folder_id": folder}}).expect(t, http.StatusOK, nil)

	attempt := 0
	requests := []struct {
		name string
		make func() req
		ok   int
	}{
		{"registration", func() req {
			attempt++ // a fresh serial each time: a failed attempt is charged to the serial's budget
			return req{Method: http.MethodPost, Path: "/v1/recorders:register", Header: map[string]string{"Authorization": ""},
				Body: map[string]any{"registration_code": doc.RegistrationCode, "serial": fmt.Sprintf("OUTAGE-NEW-%d", attempt)}}
		}, http.StatusCreated},
		{"camera report", func() req {
			return req{Method: http.MethodPut, Path: "/v1/recorder/cameras", Header: map[string]string{"Authorization": "Bearer " + rec.Token},
				Body: map[string]any{"cameras": []map[string]any{{"channel": 1, "hardware_id": "OUTAGE-1-cam-0"}, {"channel": 3, "hardware_id": "new"}}}}
		}, http.StatusOK},
		{"move", func() req {
			return req{Method: http.MethodPost, Path: "/v1/accounts/" + shop.ID + "/cameras:move", Body: map[string]any{"camera_ids": []string{recordercmd.CameraID(rec.ID, "OUTAGE-1-cam-1")}, "folder_id": folder}}
		}, http.StatusOK},
		{"tree", func() req { return req{Method: http.MethodGet, Path: "/v1/accounts/" + shop.ID + "/items"} }, http.StatusOK},
		{"registration again", func() req {
			return req{Method: http.MethodPost, Path: "/v1/recorders:register", Header: map[string]string{"Authorization": ""},
				Body: map[string]any{"registration_code": doc.RegistrationCode, "serial": "OUTAGE-1"}}
		}, http.StatusCreated},
	}
	proxy.Cut()
	for _, r := range requests {
		resp := h.do(t, r.make())
		resp.expectProblem(t, http.StatusServiceUnavailable, "/problems/unavailable")
		if resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s: 503 without Retry-After", r.name)
		}
	}
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	for _, r := range requests {
		deadline := time.Now().Add(10 * time.Second)
		for {
			resp := h.do(t, r.make())
			if resp.Status == r.ok {
				break
			}
			if resp.Status != http.StatusServiceUnavailable || time.Now().After(deadline) {
				t.Fatalf("%s after the database came back: %d %s, want %d", r.name, resp.Status, resp.Body, r.ok)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}
