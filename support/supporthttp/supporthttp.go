// Package supporthttp holds the technical support access routes: grant, list and revoke; the
// support activity under a grant; the grants support agents may act under.
package supporthttp

import (
	"context"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/camcloud/accounts/adapters/httpkit"
	"github.com/camcloud/accounts/domain/field"
	"github.com/camcloud/accounts/support/supportcmd"
	"github.com/camcloud/accounts/support/supportview"
)

// Handlers serves the support access routes.
type Handlers struct {
	*httpkit.Kit
	Support *supportcmd.Commands
	Queries *supportview.Reader
	// TimeZone is a user's time zone (their profile's), for an end given without an offset.
	TimeZone func(ctx context.Context, userID string) (string, error)
}

// Register implements httpkit.Routes.
func (h *Handlers) Register(r *httpkit.Router) {
	r.Authenticated(http.MethodGet, "/accounts/{id:[^/:]+}/support-grants", h.listGrants)
	r.Authenticated(http.MethodPost, "/accounts/{id:[^/:]+}/support-grants", h.createGrant)
	r.Authenticated(http.MethodDelete, "/support-grants/{id}", h.revokeGrant)
	r.Authenticated(http.MethodGet, "/support-grants/{id}/activity", h.listActivity)
	r.Authenticated(http.MethodGet, "/support/grants", h.listLiveGrants)
}

func (h *Handlers) listActivity(w http.ResponseWriter, r *http.Request) {
	limit, ok := httpkit.PageLimit(w, r)
	if !ok || !h.WaitForPosition(w, r, supportview.Name) {
		return
	}
	page, err := h.Queries.Activity(r.Context(), httpkit.Principal(r), mux.Vars(r)["id"], r.URL.Query().Get("cursor"), limit)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	httpkit.WriteJSON(w, http.StatusOK, page)
}

func (h *Handlers) listLiveGrants(w http.ResponseWriter, r *http.Request) {
	if !h.WaitForPosition(w, r, supportview.Name) {
		return
	}
	grants, err := h.Queries.LiveGrants(r.Context(), httpkit.Principal(r))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": grants})
}

type grantRequest struct {
	WholeAccount bool     `json:"whole_account"`
	ItemIDs      []string `json:"item_ids"`
	// EndsAt is RFC 3339 with an offset ("2026-12-24T18:00:00+01:00"), or a local date and time
	// ("2026-12-24T18:00") in the user's time zone; absent or null: permanent.
	EndsAt *string `json:"ends_at"`
	Note   string  `json:"note"`
}

// CanonicalIDs implements httpkit.IDsInBody: item IDs in canonical form (a malformed one stays,
// and is refused as an unknown item).
func (req *grantRequest) CanonicalIDs() *httpkit.Problem {
	for i, id := range req.ItemIDs {
		if canonical, ok := httpkit.CanonicalUUID(id); ok {
			req.ItemIDs[i] = canonical
		}
	}
	return nil
}

func (h *Handlers) createGrant(w http.ResponseWriter, r *http.Request) {
	var req grantRequest
	if !httpkit.Decode(w, r, &req) {
		return
	}
	p := httpkit.Principal(r)
	var ends *time.Time
	if req.EndsAt != nil {
		at, err := h.endOf(r.Context(), p.ID, *req.EndsAt)
		if err != nil {
			h.Error(w, r, err)
			return
		}
		ends = &at
	}
	accountID := mux.Vars(r)["id"]
	granted, err := h.Support.GrantAccess(r.Context(), httpkit.Origin(r), supportcmd.Grant{
		AccountID: accountID, WholeAccount: req.WholeAccount, ItemIDs: req.ItemIDs, EndsAt: ends, Note: req.Note,
	})
	if err == nil {
		w.Header().Set("Location", "/v1/support-grants/"+granted.GrantID)
	}
	h.Answer(w, r, granted.GrantID, granted.Result, err, http.StatusCreated, supportview.Name)
}

// endOf reads an end: with an offset as it is, without one in the user's time zone.
func (h *Handlers) endOf(ctx context.Context, userID, raw string) (time.Time, error) {
	if at, err := time.Parse(time.RFC3339, raw); err == nil {
		return at, nil
	}
	zone := "UTC"
	if h.TimeZone != nil {
		tz, err := h.TimeZone(ctx, userID)
		if err != nil {
			return time.Time{}, err
		}
		if tz != "" {
			zone = tz
		}
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if at, err := time.ParseInLocation(layout, raw, loc); err == nil {
			return at, nil
		}
	}
	return time.Time{}, field.Invalid("ends_at", `must be a date and time like "2026-12-24T18:00" (in your time zone) or with an offset`)
}

func (h *Handlers) listGrants(w http.ResponseWriter, r *http.Request) {
	if !h.WaitForPosition(w, r, supportview.Name) {
		return
	}
	grants, err := h.Queries.Grants(r.Context(), httpkit.Principal(r), mux.Vars(r)["id"])
	if err != nil {
		h.Error(w, r, err)
		return
	}
	httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": grants})
}

func (h *Handlers) revokeGrant(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	res, err := h.Support.Revoke(r.Context(), httpkit.Origin(r), id)
	h.Answer(w, r, id, res, err, http.StatusOK, supportview.Name)
}
