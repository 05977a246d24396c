// Package accounthttp holds the account routes: create an account under a partner, read and
// change it, rotate its registration code, suspend, reactivate and close it, list its children. Handlers decode, call the account
// commands or the authorized queries, and encode.
package accounthttp

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/camcloud/accounts/adapters/httpkit"

	"github.com/gorilla/mux"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/accounts/accountcmd"
	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/identity/identityview"
)

// Handlers serves the account routes.
type Handlers struct {
	*httpkit.Kit
	Accounts *accountcmd.Commands
	Queries  *accountview.Reader
}

// Register implements httpkit.Routes.
func (h *Handlers) Register(r *httpkit.Router) {
	// An account ID has no ':', so that "/accounts/{id}:suspend" is not taken for an account
	// whose ID is "<id>:suspend".
	const accountID = "/accounts/{id:[^/:]+}"
	r.Authenticated(http.MethodPost, "/accounts", h.createAccount)
	r.Supportable(http.MethodGet, accountID, h.getAccount)
	r.Authenticated(http.MethodPatch, accountID, h.updateAccount)
	r.Authenticated(http.MethodGet, accountID+"/children", h.listChildren)
	r.Authenticated(http.MethodGet, accountID+"/descendants", h.listDescendants)
	r.Authenticated(http.MethodPost, accountID+"/registration-code:rotate", h.rotateRegistrationCode)
	r.Authenticated(http.MethodPost, accountID+":suspend", h.changeStatus((*accountcmd.Commands).Suspend, true))
	r.Authenticated(http.MethodPost, accountID+":reactivate", h.changeStatus((*accountcmd.Commands).Reactivate, false))
	r.Authenticated(http.MethodPost, accountID+":close", h.changeStatus((*accountcmd.Commands).Close, true))
}

type createAccountRequest struct {
	ParentID  string          `json:"parent_id"`
	Kind      account.Kind    `json:"kind"`
	Name      string          `json:"name"`
	Address   account.Address `json:"address"`
	FirstUser *firstUser      `json:"first_user"`
}

// firstUser is the new account's first administrator, who receives the invitation. The username
// defaults to the e-mail address.
type firstUser struct {
	Username string `json:"username"`
	Email    string `json:"email"`
}

type createdAccount struct {
	httpkit.CommandAnswer
	FirstUserID      string                   `json:"first_user_id"`
	RegistrationCode account.RegistrationCode `json:"registration_code"`
}

// createAccount creates a child account and invites its first administrator by e-mail ("the
// e-mail address for the first user is important since an invitation will be sent to this
// person"). Without parent_id the parent is the caller's own account. The account and its first
// user are one append: a refused request writes nothing.
func (h *Handlers) createAccount(w http.ResponseWriter, r *http.Request) {
	var req createAccountRequest
	if !httpkit.Decode(w, r, &req) {
		return
	}
	first := accountcmd.FirstUser{}
	if req.FirstUser != nil {
		first = accountcmd.FirstUser{Username: req.FirstUser.Username, Email: req.FirstUser.Email}
	}
	created, err := h.Accounts.Create(r.Context(), httpkit.Origin(r), accountcmd.CreateAccount{
		ParentID: req.ParentID, Kind: req.Kind, Name: req.Name, Address: req.Address, FirstUser: &first,
	})
	if err != nil {
		h.Error(w, r, err)
		return
	}
	h.Settle(r, command.Result{Position: created.Position}, accountview.Name, identityview.Name)
	httpkit.WriteResult(w, created.Result)
	w.Header().Set("X-Position", created.Position.String())
	w.Header().Set("Location", "/v1/accounts/"+created.AccountID)
	httpkit.WriteJSON(w, http.StatusCreated, createdAccount{httpkit.AnswerOf(created.AccountID, created.Result), created.FirstUserID, created.RegistrationCode})
}

func (h *Handlers) getAccount(w http.ResponseWriter, r *http.Request) {
	if !h.WaitForPosition(w, r, accountview.Name) {
		return
	}
	a, err := h.Queries.Account(r.Context(), httpkit.Principal(r), mux.Vars(r)["id"])
	if err != nil {
		h.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", httpkit.ETag(a.Revision))
	httpkit.WriteJSON(w, http.StatusOK, a)
}

// updateAccountRequest is a JSON merge patch (RFC 7396) of an account: a member left out stays
// as it is, null clears it (refused for the name and the address, which an account must have,
// and for the address's required fields), and the address is merged field by field.
type updateAccountRequest struct {
	Name    httpkit.MergeMember[string]       `json:"name"`
	Address httpkit.MergeMember[addressPatch] `json:"address"`
}

// addressPatch is the address member of an account's merge patch.
type addressPatch struct {
	Line1      httpkit.MergeMember[string] `json:"line1"`
	Line2      httpkit.MergeMember[string] `json:"line2"`
	City       httpkit.MergeMember[string] `json:"city"`
	PostalCode httpkit.MergeMember[string] `json:"postal_code"`
	Region     httpkit.MergeMember[string] `json:"region"`
	Country    httpkit.MergeMember[string] `json:"country"`
}

func (p addressPatch) domain() account.AddressPatch {
	return account.AddressPatch{Line1: httpkit.MergeText(p.Line1), Line2: httpkit.MergeText(p.Line2), City: httpkit.MergeText(p.City),
		PostalCode: httpkit.MergeText(p.PostalCode), Region: httpkit.MergeText(p.Region), Country: httpkit.MergeText(p.Country)}
}

// updateAccount renames an account and/or changes its address. If-Match makes it conditional.
func (h *Handlers) updateAccount(w http.ResponseWriter, r *http.Request) {
	var req updateAccountRequest
	if !httpkit.DecodePatch(w, r, &req) {
		return
	}
	if !req.Name.Present && !req.Address.Present {
		httpkit.WriteInvalid(w, "", "give name, address or both")
		return
	}
	for _, m := range []struct {
		null bool
		name string
	}{{req.Name.Null, "name"}, {req.Address.Null, "address"}} {
		if m.null {
			httpkit.WriteInvalid(w, m.name, m.name+": an account must have one; it cannot be removed")
			return
		}
	}
	expected, ok := httpkit.Expected(w, r)
	if !ok {
		return
	}
	id := mux.Vars(r)["id"]
	cmd := accountcmd.UpdateAccount{AccountID: id, Name: httpkit.MergeText(req.Name), IfRevision: expected}
	if req.Address.Present {
		patch := req.Address.Value.domain()
		cmd.AddressPatch = &patch
	}
	res, err := h.Accounts.Update(r.Context(), httpkit.Origin(r), cmd)
	h.Answer(w, r, id, res, err, http.StatusOK, accountview.Name)
}

type rotatedCode struct {
	httpkit.CommandAnswer
	RegistrationCode account.RegistrationCode `json:"registration_code"`
}

func (h *Handlers) rotateRegistrationCode(w http.ResponseWriter, r *http.Request) {
	expected, ok := httpkit.Expected(w, r)
	if !ok {
		return
	}
	id := mux.Vars(r)["id"]
	res, code, err := h.Accounts.RotateRegistrationCode(r.Context(), httpkit.Origin(r), accountcmd.RotateRegistrationCode{AccountID: id, IfRevision: expected})
	if err != nil {
		h.Error(w, r, err)
		return
	}
	h.Settle(r, res, accountview.Name)
	httpkit.WriteResult(w, res)
	httpkit.WriteJSON(w, http.StatusOK, rotatedCode{httpkit.AnswerOf(id, res), code})
}

// statusChange is the optional body of :suspend and :close.
type statusChange struct {
	Reason string `json:"reason"`
}

// changeStatus serves POST /accounts/{id}:suspend, :reactivate and :close. The body is optional:
// none (Content-Length 0), or a JSON object, {"reason": "..."} when reasoned, {} otherwise.
// If-Match makes it conditional. The answer is the account's revision and position, as a
// rotation's is.
func (h *Handlers) changeStatus(change func(*accountcmd.Commands, context.Context, command.Origin, accountcmd.ChangeStatus) (command.Result, error), reasoned bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req statusChange
		if r.ContentLength != 0 {
			var body any = &struct{}{}
			if reasoned {
				body = &req
			}
			if !httpkit.Decode(w, r, body) {
				return
			}
		}
		expected, ok := httpkit.Expected(w, r)
		if !ok {
			return
		}
		id := mux.Vars(r)["id"]
		res, err := change(h.Accounts, r.Context(), httpkit.Origin(r), accountcmd.ChangeStatus{AccountID: id, Reason: req.Reason, IfRevision: expected})
		// Authentication reads the accounts model (a suspended account's sessions stop working):
		// the answer waits until it has the change.
		h.Answer(w, r, id, res, err, http.StatusOK, accountview.Name)
	}
}

// listChildren lists an account's direct children by name, a page at a time.
func (h *Handlers) listChildren(w http.ResponseWriter, r *http.Request) {
	limit := httpkit.DefaultPageSize
	if raw := r.URL.Query().Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > httpkit.MaxPageSize {
			httpkit.WriteProblem(w, httpkit.Problem{Type: httpkit.ProblemMalformed, Title: "Malformed request", Status: http.StatusBadRequest, Detail: "limit must be a whole number from 1 to 500", Field: "limit"})
			return
		}
		limit = n
	}
	if !h.WaitForPosition(w, r, accountview.Name) {
		return
	}
	page, err := h.Queries.Children(r.Context(), httpkit.Principal(r), mux.Vars(r)["id"], r.URL.Query().Get("cursor"), limit)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	httpkit.WriteJSON(w, http.StatusOK, page)
}

// CanonicalIDs implements httpkit.IDsInBody: a parent that is no account ID is as unknown as one
// out of reach.
func (r *createAccountRequest) CanonicalIDs() *httpkit.Problem {
	if r.ParentID == "" { // not given: the caller's own account
		return nil
	}
	id, ok := httpkit.CanonicalUUID(r.ParentID)
	if !ok {
		return &httpkit.Problem{Type: httpkit.ProblemNotFound, Title: "Not found", Status: http.StatusNotFound, Detail: "no such resource"}
	}
	r.ParentID = id
	return nil
}

// listDescendants lists and searches the accounts below an account, at any depth, a page at a
// time: by name (a case-insensitive prefix), kind and effective status.
func (h *Handlers) listDescendants(w http.ResponseWriter, r *http.Request) {
	limit, ok := httpkit.PageLimit(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	f := accountview.Filter{Name: q.Get("name"), Kind: account.Kind(q.Get("kind")), Status: account.Status(q.Get("status"))}
	for _, check := range []struct {
		name, value string
		allowed     []string
	}{
		{"kind", string(f.Kind), []string{"", string(account.KindPartner), string(account.KindCustomer), string(account.KindSupportTeam)}},
		{"status", string(f.Status), []string{"", string(account.StatusActive), string(account.StatusSuspended), string(account.StatusClosed)}},
	} {
		if !slices.Contains(check.allowed, check.value) {
			httpkit.WriteProblem(w, httpkit.Problem{Type: httpkit.ProblemMalformed, Title: "Malformed request", Status: http.StatusBadRequest,
				Detail: check.name + " must be one of " + strings.Join(check.allowed[1:], ", "), Field: check.name})
			return
		}
	}
	if !h.WaitForPosition(w, r, accountview.Name) {
		return
	}
	page, err := h.Queries.Descendants(r.Context(), httpkit.Principal(r), mux.Vars(r)["id"], f, q.Get("cursor"), limit)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	httpkit.WriteJSON(w, http.StatusOK, page)
}
