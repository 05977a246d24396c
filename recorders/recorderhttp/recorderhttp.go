// Package recorderhttp holds the routes of recorders, cameras and the item tree: a recorder's
// registration (public, with the account's code) and its camera reports (with its own
// credentials), and the users' listings and changes of recorders, cameras and folders.
package recorderhttp

import (
	"fmt"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/camcloud/accounts/adapters/httpkit"
	"github.com/camcloud/accounts/recorders/recorder"
	"github.com/camcloud/accounts/recorders/recordercmd"
	"github.com/camcloud/accounts/recorders/recorderview"
)

// Handlers serves the recorder and item tree routes.
type Handlers struct {
	*httpkit.Kit
	Recorders *recordercmd.Commands
	Queries   *recorderview.Reader
}

// Register implements httpkit.Routes.
func (h *Handlers) Register(r *httpkit.Router) {
	r.Public(http.MethodPost, "/recorders:register", h.register)
	r.Recorders(http.MethodPut, "/recorder/cameras", h.reportCameras)

	r.Supportable(http.MethodGet, "/accounts/{id}/recorders", h.listRecorders)
	r.Supportable(http.MethodGet, "/recorders/{id}", h.getRecorder)
	r.Supportable(http.MethodPatch, "/recorders/{id}", h.updateRecorder)
	r.Supportable(http.MethodDelete, "/recorders/{id}", h.deregister)

	r.Supportable(http.MethodGet, "/accounts/{id}/items", h.getTree)
	r.Supportable(http.MethodPost, "/accounts/{id}/folders", h.createFolder)
	r.Supportable(http.MethodPost, "/accounts/{id}/cameras:move", h.moveCameras)
	r.Supportable(http.MethodGet, "/items/{id}", h.getItem)
	r.Supportable(http.MethodPatch, "/folders/{id}", h.updateFolder)
	r.Supportable(http.MethodDelete, "/folders/{id}", h.deleteFolder)
	r.Supportable(http.MethodGet, "/cameras/{id}", h.getCamera)
	r.Supportable(http.MethodPatch, "/cameras/{id}", h.renameCamera)
	r.Supportable(http.MethodDelete, "/cameras/{id}", h.removeCamera)
}

// --- recorders ---------------------------------------------------------------------------------

type registerRequest struct {
	RegistrationCode string `json:"registration_code"`
	Serial           string `json:"serial"`
	Model            string `json:"model"`
	Firmware         string `json:"firmware"`
	Name             string `json:"name"`
}

type registered struct {
	httpkit.CommandAnswer
	AccountID string `json:"account_id"`
	// Secret is shown this once; Token is what the recorder sends as its bearer token.
	Secret string `json:"secret"`
	Token  string `json:"token"`
}

// register registers a recorder into the account whose registration code it sends, or again
// into its account with new credentials.
func (h *Handlers) register(w http.ResponseWriter, r *http.Request) {
	var req registerRequest
	if !httpkit.Decode(w, r, &req) {
		return
	}
	reg, err := h.Recorders.Register(r.Context(), httpkit.Origin(r), recordercmd.Register{
		Code: req.RegistrationCode, Serial: req.Serial, Model: req.Model, Firmware: req.Firmware, Name: req.Name,
		ClientAddress: httpkit.ClientAddress(r),
	})
	if err != nil {
		h.Error(w, r, err)
		return
	}
	h.Settle(r, reg.Result, recorderview.Name)
	httpkit.WriteResult(w, reg.Result)
	w.Header().Set("Location", "/v1/recorders/"+reg.RecorderID)
	httpkit.WriteJSON(w, http.StatusCreated, registered{httpkit.AnswerOf(reg.RecorderID, reg.Result), reg.AccountID, reg.Secret, reg.Token})
}

type cameraReport struct {
	Cameras []reportedCamera `json:"cameras"`
}

type reportedCamera struct {
	Channel    int    `json:"channel"`
	Name       string `json:"name"`
	Model      string `json:"model"`
	HardwareID string `json:"hardware_id"`
}

// reportCameras takes a recorder's full list of cameras.
func (h *Handlers) reportCameras(w http.ResponseWriter, r *http.Request) {
	var req cameraReport
	if !httpkit.Decode(w, r, &req) {
		return
	}
	if req.Cameras == nil {
		httpkit.WriteInvalid(w, "cameras", "give cameras, the full list (empty when the recorder has none)")
		return
	}
	cameras := make([]recorder.Reported, len(req.Cameras))
	for i, c := range req.Cameras {
		cameras[i] = recorder.Reported{Channel: c.Channel, Name: c.Name, Model: c.Model, HardwareID: c.HardwareID}
	}
	p := httpkit.Principal(r)
	res, err := h.Recorders.Report(r.Context(), httpkit.Origin(r), cameras)
	h.Answer(w, r, p.ID, res, err, http.StatusOK, recorderview.Name)
}

func (h *Handlers) listRecorders(w http.ResponseWriter, r *http.Request) {
	limit, ok := httpkit.PageLimit(w, r)
	if !ok || !h.WaitForPosition(w, r, recorderview.Name) {
		return
	}
	q := r.URL.Query()
	page, err := h.Queries.Recorders(r.Context(), httpkit.Principal(r), mux.Vars(r)["id"], q.Get("search"), q.Get("cursor"), limit)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	httpkit.WriteJSON(w, http.StatusOK, page)
}

func (h *Handlers) getRecorder(w http.ResponseWriter, r *http.Request) {
	if !h.WaitForPosition(w, r, recorderview.Name) {
		return
	}
	rec, err := h.Queries.Recorder(r.Context(), httpkit.Principal(r), mux.Vars(r)["id"])
	if err != nil {
		h.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", httpkit.ETag(rec.Revision))
	httpkit.WriteJSON(w, http.StatusOK, rec)
}

type nameRequest struct {
	Name *string `json:"name"`
}

// name decodes a body that must give a name.
func name(w http.ResponseWriter, r *http.Request) (string, bool) {
	var req nameRequest
	if !httpkit.Decode(w, r, &req) {
		return "", false
	}
	if req.Name == nil {
		httpkit.WriteInvalid(w, "name", "give name")
		return "", false
	}
	return *req.Name, true
}

// recorderPatch is a JSON merge patch of a recorder: a new name, and/or the folder its new
// cameras land in (null: the top level).
type recorderPatch struct {
	Name            httpkit.MergeMember[string] `json:"name"`
	LandingFolderID httpkit.MergeMember[string] `json:"landing_folder_id"`
}

func (h *Handlers) updateRecorder(w http.ResponseWriter, r *http.Request) {
	var req recorderPatch
	if !httpkit.DecodePatch(w, r, &req) {
		return
	}
	name, folder, ok := namedPatch(w, r, "a recorder", req.Name, "landing_folder_id", req.LandingFolderID)
	if !ok {
		return
	}
	expected, ok := httpkit.Expected(w, r)
	if !ok {
		return
	}
	id := mux.Vars(r)["id"]
	res, err := h.Recorders.UpdateRecorder(r.Context(), httpkit.Origin(r), id, name, folder, expected)
	h.Answer(w, r, id, res, err, http.StatusOK, recorderview.Name)
}

// namedPatch checks a merge patch of a name and a folder reference (folderField: null is the top
// level): at least one given, the name not removed, the folder ID in canonical form. It answers
// a bad patch, and returns what to change (nil: as it is).
func namedPatch(w http.ResponseWriter, r *http.Request, what string, name httpkit.MergeMember[string], folderField string, folder httpkit.MergeMember[string]) (*string, *string, bool) {
	switch {
	case !name.Present && !folder.Present:
		httpkit.WriteInvalid(w, "", "give name, "+folderField+" or both")
		return nil, nil, false
	case name.Null:
		httpkit.WriteInvalid(w, "name", "name: "+what+" must have one; it cannot be removed")
		return nil, nil, false
	}
	if p := canonicalFolder(&folder.Value, folderField); p != nil {
		httpkit.WriteProblem(w, *p)
		return nil, nil, false
	}
	return httpkit.MergeText(name), parentOf(folder), true
}

func (h *Handlers) deregister(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	res, err := h.Recorders.Deregister(r.Context(), httpkit.Origin(r), id)
	h.Answer(w, r, id, res, err, http.StatusOK, recorderview.Name)
}

// --- the item tree -----------------------------------------------------------------------------

func (h *Handlers) getTree(w http.ResponseWriter, r *http.Request) {
	if !h.WaitForPosition(w, r, recorderview.Name) {
		return
	}
	q := r.URL.Query()
	kind := q.Get("kind")
	if kind != "" && kind != "folder" && kind != "camera" {
		httpkit.WriteProblem(w, httpkit.Problem{Type: httpkit.ProblemMalformed, Title: "Malformed request", Status: http.StatusBadRequest,
			Detail: "kind must be folder or camera", Field: "kind"})
		return
	}
	root := q.Get("root")
	if root != "" {
		id, ok := httpkit.CanonicalUUID(root)
		if !ok {
			httpkit.WriteProblem(w, httpkit.Problem{Type: httpkit.ProblemNotFound, Title: "Not found", Status: http.StatusNotFound, Detail: "no such folder"})
			return
		}
		root = id
	}
	t, err := h.Queries.Tree(r.Context(), httpkit.Principal(r), mux.Vars(r)["id"], root, kind)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", httpkit.ETag(t.Revision))
	httpkit.WriteJSON(w, http.StatusOK, t)
}

type folderRequest struct {
	Name     string `json:"name"`
	ParentID string `json:"parent_id"`
}

// CanonicalIDs implements httpkit.IDsInBody.
func (req *folderRequest) CanonicalIDs() *httpkit.Problem {
	return canonicalFolder(&req.ParentID, "parent_id")
}

func (h *Handlers) createFolder(w http.ResponseWriter, r *http.Request) {
	var req folderRequest
	if !httpkit.Decode(w, r, &req) {
		return
	}
	created, err := h.Recorders.CreateFolder(r.Context(), httpkit.Origin(r), mux.Vars(r)["id"], req.ParentID, req.Name)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	h.Settle(r, created.Result, recorderview.Name)
	httpkit.WriteResult(w, created.Result)
	w.Header().Set("Location", "/v1/items/"+created.FolderID)
	httpkit.WriteJSON(w, http.StatusCreated, httpkit.AnswerOf(created.FolderID, created.Result))
}

// folderPatch is a JSON merge patch of a folder: a new name, and/or a new parent (null: the top
// level).
type folderPatch struct {
	Name     httpkit.MergeMember[string] `json:"name"`
	ParentID httpkit.MergeMember[string] `json:"parent_id"`
}

func (h *Handlers) updateFolder(w http.ResponseWriter, r *http.Request) {
	var req folderPatch
	if !httpkit.DecodePatch(w, r, &req) {
		return
	}
	name, parent, ok := namedPatch(w, r, "a folder", req.Name, "parent_id", req.ParentID)
	if !ok {
		return
	}
	expected, ok := httpkit.Expected(w, r)
	if !ok {
		return
	}
	id := mux.Vars(r)["id"]
	result, err := h.Recorders.UpdateFolder(r.Context(), httpkit.Origin(r), id, name, parent, expected)
	h.Answer(w, r, id, result, err, http.StatusOK, recorderview.Name)
}

// parentOf is a merge patch's parent: nil when absent, "" (the top level) when null.
func parentOf(m httpkit.MergeMember[string]) *string {
	if !m.Present {
		return nil
	}
	return &m.Value
}

func (h *Handlers) deleteFolder(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	res, err := h.Recorders.DeleteFolder(r.Context(), httpkit.Origin(r), id)
	h.Answer(w, r, id, res, err, http.StatusOK, recorderview.Name)
}

type moveRequest struct {
	CameraIDs []string `json:"camera_ids"`
	FolderID  *string  `json:"folder_id"`
}

// CanonicalIDs implements httpkit.IDsInBody.
func (req *moveRequest) CanonicalIDs() *httpkit.Problem {
	for i, id := range req.CameraIDs {
		canonical, ok := httpkit.CanonicalUUID(id)
		if !ok {
			return &httpkit.Problem{Type: "/problems/unknown-camera", Title: "Unknown camera", Status: http.StatusUnprocessableEntity,
				Detail: fmt.Sprintf("camera_ids[%d] is not a camera of this account", i), Field: "camera_ids"}
		}
		req.CameraIDs[i] = canonical
	}
	if req.FolderID != nil {
		return canonicalFolder(req.FolderID, "folder_id")
	}
	return nil
}

func (h *Handlers) moveCameras(w http.ResponseWriter, r *http.Request) {
	var req moveRequest
	if !httpkit.Decode(w, r, &req) {
		return
	}
	folder := ""
	if req.FolderID != nil {
		folder = *req.FolderID
	}
	accountID := mux.Vars(r)["id"]
	res, err := h.Recorders.PlaceCameras(r.Context(), httpkit.Origin(r), accountID, req.CameraIDs, folder)
	h.Answer(w, r, accountID, res, err, http.StatusOK, recorderview.Name)
}

// canonicalFolder puts a folder ID in canonical form ("" stays: the top level); a malformed one
// is answered as an unknown folder.
func canonicalFolder(id *string, field string) *httpkit.Problem {
	if *id == "" {
		return nil
	}
	canonical, ok := httpkit.CanonicalUUID(*id)
	if !ok {
		return &httpkit.Problem{Type: "/problems/unknown-folder", Title: "Unknown folder", Status: http.StatusUnprocessableEntity,
			Detail: field + " is not a folder of this account", Field: field}
	}
	*id = canonical
	return nil
}

func (h *Handlers) getItem(w http.ResponseWriter, r *http.Request) {
	if !h.WaitForPosition(w, r, recorderview.Name) {
		return
	}
	it, err := h.Queries.Item(r.Context(), httpkit.Principal(r), mux.Vars(r)["id"])
	if err != nil {
		h.Error(w, r, err)
		return
	}
	httpkit.WriteJSON(w, http.StatusOK, it)
}

// --- cameras -----------------------------------------------------------------------------------

func (h *Handlers) getCamera(w http.ResponseWriter, r *http.Request) {
	if !h.WaitForPosition(w, r, recorderview.Name) {
		return
	}
	c, err := h.Queries.Camera(r.Context(), httpkit.Principal(r), mux.Vars(r)["id"])
	if err != nil {
		h.Error(w, r, err)
		return
	}
	httpkit.WriteJSON(w, http.StatusOK, c)
}

func (h *Handlers) renameCamera(w http.ResponseWriter, r *http.Request) {
	newName, ok := name(w, r)
	if !ok {
		return
	}
	id := mux.Vars(r)["id"]
	res, err := h.Recorders.RenameCamera(r.Context(), httpkit.Origin(r), id, newName)
	h.Answer(w, r, id, res, err, http.StatusOK, recorderview.Name)
}

func (h *Handlers) removeCamera(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	res, err := h.Recorders.RemoveCamera(r.Context(), httpkit.Origin(r), id)
	h.Answer(w, r, id, res, err, http.StatusOK, recorderview.Name)
}
