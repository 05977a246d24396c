package httpapi_test

import (
	"net/http"
	"testing"
	"time"
)

type grantDoc struct {
	ID            string     `json:"id"`
	AccountID     string     `json:"account_id"`
	WholeAccount  bool       `json:"whole_account"`
	ItemIDs       []string   `json:"item_ids"`
	EndsAt        *time.Time `json:"ends_at"`
	Note          string     `json:"note"`
	GrantedBy     string     `json:"granted_by"`
	GrantedByName string     `json:"granted_by_name"`
	GrantedAt     time.Time  `json:"granted_at"`
	Status        string     `json:"status"`
	RevokedAt     *time.Time `json:"revoked_at"`
	Revision      uint64     `json:"revision"`
}

// TestSupportGrants: an account's user grants support access to the whole account or to items
// of its tree, until a moment (given in their time zone) or for good; lists the grants with who
// granted them; revokes one; bad grants are refused and write nothing.
func TestSupportGrants(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shop, _ := h.create(t, "", "customer", "Supported Shop")
	var folder commandAnswer
	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + shop.ID + "/folders", Body: map[string]any{"name": "HQ"}}).expect(t, http.StatusCreated, &folder)
	other, _ := h.create(t, "", "customer", "Unsupported Shop")
	var otherFolder commandAnswer
	h.do(t, req{Method: http.MethodPost, Path: "/v1/accounts/" + other.ID + "/folders", Body: map[string]any{"name": "HQ"}}).expect(t, http.StatusCreated, &otherFolder)
	path := "/v1/accounts/" + shop.ID + "/support-grants"

	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02T15:04")
	var whole, items commandAnswer
	h.do(t, req{Method: http.MethodPost, Path: path, Body: map[string]any{"whole_account": true, "ends_at": tomorrow, "note": "ticket 4711"}}).expect(t, http.StatusCreated, &whole)
	h.do(t, req{Method: http.MethodPost, Path: path, Body: map[string]any{"item_ids": []string{folder.ID}}}).expect(t, http.StatusCreated, &items)

	for name, body := range map[string]map[string]any{
		"an end in the past":       {"whole_account": true, "ends_at": "2020-01-01T00:00:00Z"},
		"another account's folder": {"item_ids": []string{otherFolder.ID}},
		"no scope":                 {},
		"a malformed end":          {"whole_account": true, "ends_at": "tomorrow"},
	} {
		t.Run(name, func(t *testing.T) {
			if resp := h.do(t, req{Method: http.MethodPost, Path: path, Body: body}); resp.Status != http.StatusUnprocessableEntity {
				t.Errorf("status %d: %s", resp.Status, resp.Body)
			}
		})
	}

	h.do(t, req{Method: http.MethodDelete, Path: "/v1/support-grants/" + items.ID}).expect(t, http.StatusOK, nil)
	var list struct {
		Items []grantDoc `json:"items"`
	}
	h.do(t, req{Method: http.MethodGet, Path: path}).expect(t, http.StatusOK, &list)
	if len(list.Items) != 2 {
		t.Fatalf("grants %+v", list.Items)
	}
	byID := map[string]grantDoc{}
	for _, g := range list.Items {
		byID[g.ID] = g
	}
	if g := byID[whole.ID]; !g.WholeAccount || g.Status != "active" || g.Note != "ticket 4711" || g.GrantedByName != "admin" || g.EndsAt == nil {
		t.Errorf("whole-account grant %+v", g)
	}
	if g := byID[items.ID]; g.Status != "revoked" || len(g.ItemIDs) != 1 || g.EndsAt != nil {
		t.Errorf("revoked grant %+v", g)
	}
	w := &authzTree{h: h, viewerGroups: map[string]string{}}
	h.as(w.signedIn(t, other.ID).token).do(t, req{Method: http.MethodGet, Path: path}).expectProblem(t, http.StatusNotFound, "/problems/not-found")
}
