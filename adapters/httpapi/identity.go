package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/identitycmd"
	"github.com/camcloud/accounts/identity/identityview"
	"github.com/camcloud/accounts/identity/user"
)

// --- sign-in and sessions ----------------------------------------------------------------------

type signInRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type signedIn struct {
	Token   string              `json:"token"`
	Session identitycmd.Session `json:"session"`
}

func (s *server) signIn(w http.ResponseWriter, r *http.Request) {
	var req signInRequest
	if !decode(w, r, &req) {
		return
	}
	in, err := s.Identity.SignIn(r.Context(), req.Username, req.Password, clientAddress(r), r.UserAgent())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, signedIn{Token: in.Token, Session: in.Session})
}

func (s *server) signOut(w http.ResponseWriter, r *http.Request) {
	if err := s.Identity.SignOut(r.Context(), principal(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) listSessions(w http.ResponseWriter, r *http.Request) {
	sessions, err := s.Identity.Sessions(r.Context(), principal(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	type item struct {
		identitycmd.Session
		Current bool `json:"current"`
	}
	items := make([]item, 0, len(sessions))
	for _, sess := range sessions {
		items = append(items, item{sess, sess.ID == principal(r).SessionID})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *server) endSession(w http.ResponseWriter, r *http.Request) {
	if err := s.Identity.EndSession(r.Context(), principal(r), mux.Vars(r)["id"]); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// endAllSessions ends every session of the caller; ?keep_current=true keeps the one in use.
func (s *server) endAllSessions(w http.ResponseWriter, r *http.Request) {
	keep := r.URL.Query().Get("keep_current") == "true"
	if err := s.Identity.EndAllSessions(r.Context(), principal(r), keep); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// --- invitations and passwords -----------------------------------------------------------------

type acceptInvitationRequest struct {
	Token                string `json:"token"`
	Password             string `json:"password"`
	PasswordConfirmation string `json:"password_confirmation"`
	AgeConfirmed         bool   `json:"age_confirmed"`
	TermsVersion         string `json:"terms_version"`
}

func (s *server) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	var req acceptInvitationRequest
	if !decode(w, r, &req) {
		return
	}
	res, err := s.Identity.AcceptInvitation(r.Context(), origin(r), identitycmd.AcceptInvitation{
		Token: req.Token, Password: req.Password, PasswordConfirmation: req.PasswordConfirmation,
		AgeConfirmed: req.AgeConfirmed, TermsVersion: req.TermsVersion,
	})
	s.answer(w, r, res, err, http.StatusOK)
}

func (s *server) terms(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"version": s.Identity.Config().TermsVersion})
}

type strengthRequest struct {
	Password string `json:"password"`
	Username string `json:"username"`
	Email    string `json:"email"`
}

// passwordStrength scores a candidate password as the user types; nothing is stored or logged.
func (s *server) passwordStrength(w http.ResponseWriter, r *http.Request) {
	var req strengthRequest
	if !decode(w, r, &req) {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, s.Identity.PasswordStrength(req.Password, req.Username, req.Email))
}

type resetRequest struct {
	Email string `json:"email"`
}

// resetRequestFloor is the least time a password-reset request takes to answer. An address that
// belongs to someone costs a stream read and an append more than one that does not; answering
// both no sooner than this keeps the difference from showing.
const resetRequestFloor = 150 * time.Millisecond

// requestPasswordReset answers 202 whether or not the address belongs to anyone, after the same
// time.
func (s *server) requestPasswordReset(w http.ResponseWriter, r *http.Request) {
	var req resetRequest
	if !decode(w, r, &req) {
		return
	}
	answerAt := time.Now().Add(resetRequestFloor)
	err := s.Identity.RequestPasswordReset(r.Context(), origin(r), req.Email, clientAddress(r))
	time.Sleep(time.Until(answerAt))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "if the address belongs to an active user, a reset link is on its way"})
}

type confirmResetRequest struct {
	Token                string `json:"token"`
	Password             string `json:"password"`
	PasswordConfirmation string `json:"password_confirmation"`
}

func (s *server) confirmPasswordReset(w http.ResponseWriter, r *http.Request) {
	var req confirmResetRequest
	if !decode(w, r, &req) {
		return
	}
	res, err := s.Identity.ResetPassword(r.Context(), origin(r), req.Token, req.Password, req.PasswordConfirmation)
	s.answer(w, r, res, err, http.StatusOK)
}

type changePasswordRequest struct {
	OriginalPassword     string `json:"original_password"`
	NewPassword          string `json:"new_password"`
	PasswordConfirmation string `json:"password_confirmation"`
	EndOtherSessions     bool   `json:"end_other_sessions"`
}

func (s *server) changePassword(w http.ResponseWriter, r *http.Request) {
	var req changePasswordRequest
	if !decode(w, r, &req) {
		return
	}
	res, err := s.Identity.ChangePassword(r.Context(), origin(r), identitycmd.ChangePassword{
		Original: req.OriginalPassword, New: req.NewPassword, Confirmation: req.PasswordConfirmation, EndOtherSessions: req.EndOtherSessions,
	})
	s.answer(w, r, res, err, http.StatusOK)
}

// --- profile -----------------------------------------------------------------------------------

// me is GET /v1/me: the caller as GET /v1/users/{id} shows a user, field for field, and what
// only the caller sees: the address waiting for its confirmation and the permissions their groups
// give.
type me struct {
	identityview.User
	PendingEmail string             `json:"pending_email,omitempty"`
	Permissions  []group.Permission `json:"permissions"`
}

// getProfile answers from the read model, as GET /v1/users/{id} does (min_position waits for a
// change; the commands of /v1/me answer once it is applied), with the pending address from the
// user's stream.
func (s *server) getProfile(w http.ResponseWriter, r *http.Request) {
	if !s.waitForPosition(w, r, identityview.Name) {
		return
	}
	p := principal(r)
	u, err := s.Users.User(r.Context(), p.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	current, _, err := s.Identity.Profile(r.Context(), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(u.Revision))
	writeJSON(w, http.StatusOK, me{User: u, PendingEmail: current.EmailChange.Email, Permissions: append([]group.Permission{}, p.Permissions...)})
}

type profileRequest struct {
	Username        *string          `json:"username"` // read-only: present means a clear refusal
	Email           *string          `json:"email"`
	CurrentPassword string           `json:"current_password"`
	TimeFormat      *user.TimeFormat `json:"time_format"`
	TimeZone        *string          `json:"time_zone"`
}

// updateProfile changes time format and zone at once; a new e-mail address takes effect when
// confirmed from the link sent to it.
func (s *server) updateProfile(w http.ResponseWriter, r *http.Request) {
	var req profileRequest
	if !decode(w, r, &req) {
		return
	}
	p := principal(r)
	current, _, err := s.Identity.Profile(r.Context(), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Username != nil && *req.Username != current.Username {
		writeProblem(w, problem{Type: problemReadOnly, Title: "Username cannot be changed", Status: http.StatusUnprocessableEntity, Field: "username"})
		return
	}
	res, err := s.Identity.UpdateProfile(r.Context(), origin(r), identitycmd.UpdateProfile{
		TimeFormat: req.TimeFormat, TimeZone: req.TimeZone, Email: req.Email, CurrentPassword: req.CurrentPassword,
	})
	status := http.StatusOK
	if req.Email != nil && *req.Email != current.Email {
		status = http.StatusAccepted // takes effect once confirmed
	}
	s.answer(w, r, res, err, status)
}

type tokenRequest struct {
	Token string `json:"token"`
}

func (s *server) confirmEmailChange(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if !decode(w, r, &req) {
		return
	}
	res, err := s.Identity.ConfirmEmailChange(r.Context(), origin(r), req.Token)
	if errors.Is(err, identitycmd.ErrEmailTaken) {
		err = outsideBody(err, "the new address was taken by someone else since the change was asked; ask for another one")
	}
	s.answer(w, r, res, err, http.StatusOK)
}

// outsideBody answers err without the field its fault names, when that field is not a member of
// the request's body (confirming an e-mail change sends only the token; the address taken was
// sent before, to PATCH /v1/me). A problem's field is always a path in the body it answers.
func outsideBody(err error, detail string) error {
	f, ok := fault.Find(err)
	if !ok {
		return err
	}
	return &unfielded{err: err, fault: f, detail: detail}
}

type unfielded struct {
	err    error
	fault  fault.Fault
	detail string
}

func (u *unfielded) Error() string    { return u.err.Error() }
func (u *unfielded) Unwrap() error    { return u.err }
func (u *unfielded) Kind() fault.Kind { return u.fault.Kind() }

func (u *unfielded) Describe() fault.Problem {
	p := fault.Describe(u.fault)
	p.Field, p.Detail, p.Explain = "", u.detail, false
	return p
}

// --- users -------------------------------------------------------------------------------------

type inviteRequest struct {
	Username string   `json:"username"`
	Email    string   `json:"email"`
	GroupIDs []string `json:"group_ids"`
}

func (s *server) inviteUser(w http.ResponseWriter, r *http.Request) {
	var req inviteRequest
	if !decode(w, r, &req) {
		return
	}
	accountID := mux.Vars(r)["id"]
	inv, err := s.Identity.Invite(r.Context(), origin(r), identitycmd.InviteUser{
		AccountID: accountID, Username: req.Username, Email: req.Email, GroupIDs: req.GroupIDs,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.settle(r, inv.Result, identityview.Name)
	writeResult(w, inv.Result)
	w.Header().Set("Location", "/v1/users/"+inv.UserID)
	writeJSON(w, http.StatusCreated, answerOf(inv.UserID, inv.Result))
}

func (s *server) listUsers(w http.ResponseWriter, r *http.Request) {
	listOfAccount(s, w, r, s.Users.Users)
}

// listOfAccount answers a listing of the account in the path for a caller who may manage its
// users.
func listOfAccount[T any](s *server, w http.ResponseWriter, r *http.Request, list func(context.Context, string) ([]T, error)) {
	accountID := mux.Vars(r)["id"]
	if err := s.Authz.Require(r.Context(), principal(r), group.UsersManage, accountID); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.waitForPosition(w, r, identityview.Name) {
		return
	}
	items, err := list(r.Context(), accountID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// managed loads the resource the path's id names and checks that the caller may manage the
// users of its account; anything else is not found (or forbidden, within scope).
func managed[T any](s *server, w http.ResponseWriter, r *http.Request, load func(context.Context, string) (T, error), accountOf func(T) string) (T, bool) {
	v, err := load(r.Context(), mux.Vars(r)["id"])
	if err == nil {
		err = s.Authz.Require(r.Context(), principal(r), group.UsersManage, accountOf(v))
	}
	if err != nil {
		s.writeError(w, r, err)
		return v, false
	}
	return v, true
}

// userInScope returns a user the caller may manage.
func (s *server) userInScope(w http.ResponseWriter, r *http.Request) (identityview.User, bool) {
	return managed(s, w, r, s.Users.User, func(u identityview.User) string { return u.AccountID })
}

func (s *server) getUser(w http.ResponseWriter, r *http.Request) {
	getManaged(s, w, r, s.userInScope, func(u identityview.User) uint64 { return u.Revision })
}

// getManaged answers a GET of a user or group the caller may manage, with its revision as ETag.
func getManaged[T any](s *server, w http.ResponseWriter, r *http.Request, find func(http.ResponseWriter, *http.Request) (T, bool), revision func(T) uint64) {
	if !s.waitForPosition(w, r, identityview.Name) {
		return
	}
	v, ok := find(w, r)
	if !ok {
		return
	}
	w.Header().Set("ETag", etag(revision(v)))
	writeJSON(w, http.StatusOK, v)
}

type updateUserRequest struct {
	Username *string  `json:"username"`
	GroupIDs []string `json:"group_ids"`
}

func (s *server) updateUser(w http.ResponseWriter, r *http.Request) {
	var req updateUserRequest
	if !decode(w, r, &req) {
		return
	}
	u, ok := s.userInScope(w, r)
	if !ok {
		return
	}
	if req.Username != nil && *req.Username != u.Username {
		writeProblem(w, problem{Type: problemReadOnly, Title: "Username cannot be changed", Status: http.StatusUnprocessableEntity, Field: "username"})
		return
	}
	if req.GroupIDs == nil {
		writeProblem(w, problem{Type: problemValidation, Title: "Validation failed", Status: http.StatusUnprocessableEntity, Detail: "give group_ids", Field: "group_ids"})
		return
	}
	res, err := s.Identity.AssignGroups(r.Context(), origin(r), u.ID, req.GroupIDs)
	s.answer(w, r, res, err, http.StatusOK)
}

// userAction runs a user-administration command on the user in the path.
func (s *server) userAction(run func(*server, *http.Request, string) (command.Result, error), status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		res, err := run(s, r, mux.Vars(r)["id"])
		s.answer(w, r, res, err, status)
	}
}

func disableUser(s *server, r *http.Request, id string) (command.Result, error) {
	return s.Identity.DisableUser(r.Context(), origin(r), id)
}

func enableUser(s *server, r *http.Request, id string) (command.Result, error) {
	return s.Identity.EnableUser(r.Context(), origin(r), id)
}

func resendInvitation(s *server, r *http.Request, id string) (command.Result, error) {
	return s.Identity.ResendInvitation(r.Context(), origin(r), id)
}

func revokeInvitation(s *server, r *http.Request, id string) (command.Result, error) {
	return s.Identity.RevokeInvitation(r.Context(), origin(r), id)
}

func sendPasswordReset(s *server, r *http.Request, id string) (command.Result, error) {
	return s.Identity.SendPasswordReset(r.Context(), origin(r), id)
}

// answer writes a command's outcome once the identity read model has applied it: the ID of the
// user or group changed, named by the command's stream, with its revision and position.
func (s *server) answer(w http.ResponseWriter, r *http.Request, res command.Result, err error, status int) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.settle(r, res, identityview.Name)
	writeResult(w, res)
	writeJSON(w, status, answerOf(streamID(res.Stream), res))
}

// --- groups ------------------------------------------------------------------------------------

type groupRequest struct {
	Name        string   `json:"name"`
	Permissions []string `json:"permissions"`
}

func (s *server) listGroups(w http.ResponseWriter, r *http.Request) {
	listOfAccount(s, w, r, s.Users.Groups)
}

func (s *server) createGroup(w http.ResponseWriter, r *http.Request) {
	var req groupRequest
	if !decode(w, r, &req) {
		return
	}
	perms, err := group.ParsePermissions(req.Permissions)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	created, err := s.Identity.CreateGroup(r.Context(), origin(r), mux.Vars(r)["id"], req.Name, perms)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.settle(r, created.Result, identityview.Name)
	writeResult(w, created.Result)
	w.Header().Set("Location", "/v1/groups/"+created.GroupID)
	writeJSON(w, http.StatusCreated, answerOf(created.GroupID, created.Result))
}

// groupInScope returns a group the caller may manage.
func (s *server) groupInScope(w http.ResponseWriter, r *http.Request) (identityview.Group, bool) {
	return managed(s, w, r, s.Users.Group, func(g identityview.Group) string { return g.AccountID })
}

func (s *server) getGroup(w http.ResponseWriter, r *http.Request) {
	getManaged(s, w, r, s.groupInScope, func(g identityview.Group) uint64 { return g.Revision })
}

// groupPatch is a partial update (RFC 7396): a field left out stays as it is, and null
// permissions clear the set.
type groupPatch struct {
	Name        *string         `json:"name"`
	Permissions json.RawMessage `json:"permissions"`
}

func (s *server) updateGroup(w http.ResponseWriter, r *http.Request) {
	var req groupPatch
	if !decodePatch(w, r, &req) {
		return
	}
	g, ok := s.groupInScope(w, r)
	if !ok {
		return
	}
	if g.Builtin {
		s.writeError(w, r, group.ErrBuiltin)
		return
	}
	var perms *[]group.Permission
	if len(req.Permissions) > 0 {
		var names []string
		if err := json.Unmarshal(req.Permissions, &names); err != nil {
			writeProblem(w, problem{Type: problemMalformed, Title: "Malformed request", Status: http.StatusBadRequest, Detail: "permissions must be a list of permission names", Field: "permissions"})
			return
		}
		parsed, err := group.ParsePermissions(names)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		perms = &parsed
	}
	expected, err := ifMatch(r)
	if err != nil {
		writeProblem(w, problem{Type: problemMalformed, Title: "Malformed request", Status: http.StatusBadRequest, Detail: err.Error()})
		return
	}
	res, err := s.Identity.ChangeGroup(r.Context(), origin(r), g.ID, req.Name, perms, expected)
	s.answer(w, r, res, err, http.StatusOK)
}

func (s *server) deleteGroup(w http.ResponseWriter, r *http.Request) {
	g, ok := s.groupInScope(w, r)
	if !ok {
		return
	}
	if g.Builtin {
		s.writeError(w, r, group.ErrBuiltin)
		return
	}
	res, err := s.Identity.DeleteGroup(r.Context(), origin(r), g.ID)
	s.answer(w, r, res, err, http.StatusOK)
}

func (s *server) listPermissions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"items": group.All()})
}
