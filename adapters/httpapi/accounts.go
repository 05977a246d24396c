package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/accounts/accountcmd"
	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/identityview"
)

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
	commandAnswer
	FirstUserID      string                   `json:"first_user_id"`
	RegistrationCode account.RegistrationCode `json:"registration_code"`
}

// createAccount creates a child account and invites its first administrator by e-mail ("the
// e-mail address for the first user is important since an invitation will be sent to this
// person"). Without parent_id the parent is the caller's own account. The account and its first
// user are one append: a refused request writes nothing.
func (s *server) createAccount(w http.ResponseWriter, r *http.Request) {
	var req createAccountRequest
	if !decode(w, r, &req) {
		return
	}
	first := accountcmd.FirstUser{}
	if req.FirstUser != nil {
		first = accountcmd.FirstUser{Username: req.FirstUser.Username, Email: req.FirstUser.Email}
	}
	created, err := s.Accounts.Create(r.Context(), origin(r), accountcmd.CreateAccount{
		ParentID: req.ParentID, Kind: req.Kind, Name: req.Name, Address: req.Address, FirstUser: &first,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.settle(r, command.Result{Position: created.Position}, accountview.Name, identityview.Name)
	writeResult(w, created.Result)
	w.Header().Set("X-Position", created.Position.String())
	w.Header().Set("Location", "/v1/accounts/"+created.AccountID)
	writeJSON(w, http.StatusCreated, createdAccount{answerOf(created.AccountID, created.Result), created.FirstUserID, created.RegistrationCode})
}

func (s *server) getAccount(w http.ResponseWriter, r *http.Request) {
	if !s.waitForPosition(w, r, accountview.Name) {
		return
	}
	// In scope or not found: one statement. Outside the caller's scope the account is as unknown
	// as a missing one (404), as Authz.InScope would answer.
	a, err := s.Queries.GetWithin(r.Context(), principal(r).AccountID, mux.Vars(r)["id"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(a.Revision))
	writeJSON(w, http.StatusOK, a)
}

// updateAccountRequest is a JSON merge patch (RFC 7396) of an account: a member left out stays
// as it is, null clears it (refused for the name and the address, which an account must have,
// and for the address's required fields), and the address is merged field by field.
type updateAccountRequest struct {
	Name    mergeMember[string]       `json:"name"`
	Address mergeMember[addressPatch] `json:"address"`
}

// addressPatch is the address member of an account's merge patch.
type addressPatch struct {
	Line1      mergeMember[string] `json:"line1"`
	Line2      mergeMember[string] `json:"line2"`
	City       mergeMember[string] `json:"city"`
	PostalCode mergeMember[string] `json:"postal_code"`
	Region     mergeMember[string] `json:"region"`
	Country    mergeMember[string] `json:"country"`
}

func (p addressPatch) domain() account.AddressPatch {
	return account.AddressPatch{Line1: mergeText(p.Line1), Line2: mergeText(p.Line2), City: mergeText(p.City),
		PostalCode: mergeText(p.PostalCode), Region: mergeText(p.Region), Country: mergeText(p.Country)}
}

// mergeMember is one member of a JSON merge patch: absent, null, or a value. encoding/json calls
// UnmarshalJSON only for a member that is present, null included, which is what tells the three
// apart.
type mergeMember[T any] struct {
	Present, Null bool
	Value         T
}

func (m *mergeMember[T]) UnmarshalJSON(b []byte) error {
	m.Present = true
	if string(b) == "null" {
		m.Null = true
		return nil
	}
	// A decoder of its own would accept unknown fields; this one refuses them, as decode does.
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(&m.Value)
}

// mergeText is a string member as a domain patch field: nil when absent, "" (clear) when null.
func mergeText(m mergeMember[string]) *string {
	if !m.Present {
		return nil
	}
	return &m.Value
}

// commandAnswer is every command's answer: the resource the command created or changed, the
// revision its stream reached (also the ETag) and the global position (also X-Position), to pass
// as min_position. Answers that tell more embed it.
type commandAnswer struct {
	ID       string `json:"id"`
	Revision uint64 `json:"revision"`
	Position string `json:"position"`
}

func answerOf(id string, res command.Result) commandAnswer {
	return commandAnswer{ID: id, Revision: res.Revision, Position: res.Position.String()}
}

// streamID is the resource ID in a stream's name ("user-<id>" holds <id>).
func streamID(stream string) string {
	_, id, _ := strings.Cut(stream, "-")
	return id
}

// updateAccount renames an account and/or changes its address. If-Match makes it conditional.
func (s *server) updateAccount(w http.ResponseWriter, r *http.Request) {
	var req updateAccountRequest
	if !decodePatch(w, r, &req) {
		return
	}
	if !req.Name.Present && !req.Address.Present {
		writeProblem(w, problem{Type: problemValidation, Title: "Validation failed", Status: http.StatusUnprocessableEntity, Detail: "give name, address or both"})
		return
	}
	for _, m := range []struct {
		null bool
		name string
	}{{req.Name.Null, "name"}, {req.Address.Null, "address"}} {
		if m.null {
			writeProblem(w, problem{Type: problemValidation, Title: "Validation failed", Status: http.StatusUnprocessableEntity,
				Detail: m.name + ": an account must have one; it cannot be removed", Field: m.name})
			return
		}
	}
	expected, err := ifMatch(r)
	if err != nil {
		writeProblem(w, problem{Type: problemMalformed, Title: "Malformed request", Status: http.StatusBadRequest, Detail: err.Error()})
		return
	}
	id := mux.Vars(r)["id"]
	cmd := accountcmd.UpdateAccount{AccountID: id, Name: mergeText(req.Name), IfRevision: expected}
	if req.Address.Present {
		patch := req.Address.Value.domain()
		cmd.AddressPatch = &patch
	}
	res, err := s.Accounts.Update(r.Context(), origin(r), cmd)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.settle(r, res, accountview.Name)
	writeResult(w, res)
	writeJSON(w, http.StatusOK, answerOf(id, res))
}

type rotatedCode struct {
	commandAnswer
	RegistrationCode account.RegistrationCode `json:"registration_code"`
}

func (s *server) rotateRegistrationCode(w http.ResponseWriter, r *http.Request) {
	expected, err := ifMatch(r)
	if err != nil {
		writeProblem(w, problem{Type: problemMalformed, Title: "Malformed request", Status: http.StatusBadRequest, Detail: err.Error()})
		return
	}
	id := mux.Vars(r)["id"]
	res, code, err := s.Accounts.RotateRegistrationCode(r.Context(), origin(r), accountcmd.RotateRegistrationCode{AccountID: id, IfRevision: expected})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.settle(r, res, accountview.Name)
	writeResult(w, res)
	writeJSON(w, http.StatusOK, rotatedCode{answerOf(id, res), code})
}

const (
	defaultPageSize = 50
	maxPageSize     = 500
)

// listChildren lists an account's direct children by name, a page at a time.
func (s *server) listChildren(w http.ResponseWriter, r *http.Request) {
	limit := defaultPageSize
	if raw := r.URL.Query().Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxPageSize {
			writeProblem(w, problem{Type: problemMalformed, Title: "Malformed request", Status: http.StatusBadRequest, Detail: "limit must be a whole number from 1 to 500", Field: "limit"})
			return
		}
		limit = n
	}
	if !s.waitForPosition(w, r, accountview.Name) {
		return
	}
	id := mux.Vars(r)["id"]
	if err := s.Authz.Require(r.Context(), principal(r), group.AccountsManage, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.Queries.Get(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.Queries.Children(r.Context(), id, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}
