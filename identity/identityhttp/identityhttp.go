// Package identityhttp holds the identity routes: signing in and out, sessions, invitations,
// passwords, the profile (/v1/me), and the users and groups of an account. Handlers decode, call
// the identity commands or the authorized queries, and encode.
package identityhttp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/camcloud/accounts/identity/clientview"

	"github.com/gorilla/mux"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/adapters/httpkit"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/identitycmd"
	"github.com/camcloud/accounts/identity/identityview"
	"github.com/camcloud/accounts/identity/user"
)

// --- sign-in and sessions ----------------------------------------------------------------------

// Handlers serves the identity routes.
type Handlers struct {
	*httpkit.Kit
	Identity *identitycmd.Commands
	Users    *identityview.Reader
	Clients  *clientview.Reader
}

// Register implements httpkit.Routes.
func (h *Handlers) Register(r *httpkit.Router) {
	// Open to anyone: signing in, accepting an invitation, resetting a forgotten password,
	// confirming an e-mail address from its link, and scoring a password while it is typed.
	r.Public(http.MethodPost, "/sign-in", h.signIn)
	r.Public(http.MethodPost, "/invitations:accept", h.acceptInvitation)
	r.Public(http.MethodPost, "/password-reset:request", h.requestPasswordReset)
	r.Public(http.MethodPost, "/password-reset:confirm", h.confirmPasswordReset)
	r.Public(http.MethodPost, "/email-change:confirm", h.confirmEmailChange)
	r.Public(http.MethodPost, "/password-strength", h.passwordStrength)
	r.Public(http.MethodGet, "/terms", h.terms)

	r.Authenticated(http.MethodPost, "/sign-out", h.signOut)
	r.Authenticated(http.MethodGet, "/sessions", h.listSessions)
	r.Authenticated(http.MethodDelete, "/sessions", h.endAllSessions)
	r.Authenticated(http.MethodDelete, "/sessions/{id}", h.endSession)
	r.Authenticated(http.MethodGet, "/me", h.getProfile)
	r.Authenticated(http.MethodPatch, "/me", h.updateProfile)
	r.Authenticated(http.MethodPost, "/me/password", h.changePassword)
	r.Authenticated(http.MethodGet, "/permissions", h.listPermissions)

	r.Authenticated(http.MethodGet, "/accounts/{id}/users", h.listUsers)
	r.Authenticated(http.MethodPost, "/accounts/{id}/users", h.inviteUser)
	r.Authenticated(http.MethodGet, "/accounts/{id}/groups", h.listGroups)
	r.Authenticated(http.MethodPost, "/accounts/{id}/groups", h.createGroup)

	const userID = "/users/{id:[^/:]+}"
	r.Authenticated(http.MethodGet, userID, h.getUser)
	r.Authenticated(http.MethodPatch, userID, h.updateUser)
	r.Authenticated(http.MethodPost, userID+":disable", h.userAction(disableUser, http.StatusOK))
	r.Authenticated(http.MethodPost, userID+":enable", h.userAction(enableUser, http.StatusOK))
	r.Authenticated(http.MethodPost, userID+"/invitation:resend", h.userAction(resendInvitation, http.StatusAccepted))
	r.Authenticated(http.MethodDelete, userID+"/invitation", h.userAction(revokeInvitation, http.StatusOK))
	r.Authenticated(http.MethodPost, userID+"/password-reset", h.userAction(sendPasswordReset, http.StatusAccepted))

	r.Authenticated(http.MethodGet, "/accounts/{id}/service-clients", h.listClients)
	r.Authenticated(http.MethodPost, "/accounts/{id}/service-clients", h.createClient)
	r.Authenticated(http.MethodDelete, "/service-clients/{id}", h.revokeClient)

	r.Authenticated(http.MethodGet, "/groups/{id}", h.getGroup)
	r.Authenticated(http.MethodPatch, "/groups/{id}", h.updateGroup)
	r.Authenticated(http.MethodDelete, "/groups/{id}", h.deleteGroup)
}

type signInRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type signedIn struct {
	Token   string              `json:"token"`
	Session identitycmd.Session `json:"session"`
}

func (h *Handlers) signIn(w http.ResponseWriter, r *http.Request) {
	var req signInRequest
	if !httpkit.Decode(w, r, &req) {
		return
	}
	in, err := h.Identity.SignIn(r.Context(), req.Username, req.Password, httpkit.ClientAddress(r), r.UserAgent())
	if err != nil {
		h.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpkit.WriteJSON(w, http.StatusOK, signedIn{Token: in.Token, Session: in.Session})
}

func (h *Handlers) signOut(w http.ResponseWriter, r *http.Request) {
	if err := h.Identity.SignOut(r.Context(), httpkit.Principal(r)); err != nil {
		h.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handlers) listSessions(w http.ResponseWriter, r *http.Request) {
	sessions, err := h.Identity.Sessions(r.Context(), httpkit.Principal(r))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	type item struct {
		identitycmd.Session
		Current bool `json:"current"`
	}
	items := make([]item, 0, len(sessions))
	for _, sess := range sessions {
		items = append(items, item{sess, sess.ID == httpkit.Principal(r).SessionID})
	}
	httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (h *Handlers) endSession(w http.ResponseWriter, r *http.Request) {
	if err := h.Identity.EndSession(r.Context(), httpkit.Principal(r), mux.Vars(r)["id"]); err != nil {
		h.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// endAllSessions ends every session of the caller; ?keep_current=true keeps the one in use. Any
// other value is refused: read as false, it would end the session its sender meant to keep.
func (h *Handlers) endAllSessions(w http.ResponseWriter, r *http.Request) {
	var keep bool
	switch r.URL.Query().Get("keep_current") {
	case "", "false":
	case "true":
		keep = true
	default:
		httpkit.WriteProblem(w, httpkit.Problem{Type: httpkit.ProblemMalformed, Title: "Malformed request", Status: http.StatusBadRequest,
			Detail: "keep_current must be true or false", Field: "keep_current"})
		return
	}
	if err := h.Identity.EndAllSessions(r.Context(), httpkit.Principal(r), keep); err != nil {
		h.Error(w, r, err)
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

func (h *Handlers) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	var req acceptInvitationRequest
	if !httpkit.Decode(w, r, &req) {
		return
	}
	res, err := h.Identity.AcceptInvitation(r.Context(), httpkit.Origin(r), identitycmd.AcceptInvitation{
		Token: req.Token, Password: req.Password, PasswordConfirmation: req.PasswordConfirmation,
		AgeConfirmed: req.AgeConfirmed, TermsVersion: req.TermsVersion,
	})
	h.Answer(w, r, httpkit.StreamID(res.Stream), res, err, http.StatusOK, identityview.Name)
}

func (h *Handlers) terms(w http.ResponseWriter, r *http.Request) {
	httpkit.WriteJSON(w, http.StatusOK, map[string]string{"version": h.Identity.Config().TermsVersion})
}

type strengthRequest struct {
	Password string `json:"password"`
	Username string `json:"username"`
	Email    string `json:"email"`
}

// passwordStrength scores a candidate password as the user types; nothing is stored or logged.
func (h *Handlers) passwordStrength(w http.ResponseWriter, r *http.Request) {
	var req strengthRequest
	if !httpkit.Decode(w, r, &req) {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpkit.WriteJSON(w, http.StatusOK, h.Identity.PasswordStrength(req.Password, req.Username, req.Email))
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
func (h *Handlers) requestPasswordReset(w http.ResponseWriter, r *http.Request) {
	var req resetRequest
	if !httpkit.Decode(w, r, &req) {
		return
	}
	answerAt := time.Now().Add(resetRequestFloor)
	err := h.Identity.RequestPasswordReset(r.Context(), httpkit.Origin(r), req.Email, httpkit.ClientAddress(r))
	time.Sleep(time.Until(answerAt))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	httpkit.WriteJSON(w, http.StatusAccepted, map[string]string{"status": "if the address belongs to an active user, a reset link is on its way"})
}

type confirmResetRequest struct {
	Token                string `json:"token"`
	Password             string `json:"password"`
	PasswordConfirmation string `json:"password_confirmation"`
}

func (h *Handlers) confirmPasswordReset(w http.ResponseWriter, r *http.Request) {
	var req confirmResetRequest
	if !httpkit.Decode(w, r, &req) {
		return
	}
	res, err := h.Identity.ResetPassword(r.Context(), httpkit.Origin(r), req.Token, req.Password, req.PasswordConfirmation)
	h.Answer(w, r, httpkit.StreamID(res.Stream), res, err, http.StatusOK, identityview.Name)
}

type changePasswordRequest struct {
	OriginalPassword     string `json:"original_password"`
	NewPassword          string `json:"new_password"`
	PasswordConfirmation string `json:"password_confirmation"`
	EndOtherSessions     bool   `json:"end_other_sessions"`
}

func (h *Handlers) changePassword(w http.ResponseWriter, r *http.Request) {
	var req changePasswordRequest
	if !httpkit.Decode(w, r, &req) {
		return
	}
	res, err := h.Identity.ChangePassword(r.Context(), httpkit.Origin(r), identitycmd.ChangePassword{
		Original: req.OriginalPassword, New: req.NewPassword, Confirmation: req.PasswordConfirmation, EndOtherSessions: req.EndOtherSessions,
	})
	h.Answer(w, r, httpkit.StreamID(res.Stream), res, err, http.StatusOK, identityview.Name)
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
func (h *Handlers) getProfile(w http.ResponseWriter, r *http.Request) {
	if !h.WaitForPosition(w, r, identityview.Name) {
		return
	}
	p := httpkit.Principal(r)
	u, err := h.Users.Me(r.Context(), p)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	current, _, err := h.Identity.Profile(r.Context(), p)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	w.Header().Set("ETag", httpkit.ETag(u.Revision))
	httpkit.WriteJSON(w, http.StatusOK, me{User: u, PendingEmail: current.EmailChange.Email, Permissions: append([]group.Permission{}, p.Permissions...)})
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
func (h *Handlers) updateProfile(w http.ResponseWriter, r *http.Request) {
	var req profileRequest
	if !httpkit.Decode(w, r, &req) {
		return
	}
	p := httpkit.Principal(r)
	current, _, err := h.Identity.Profile(r.Context(), p)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if req.Username != nil && *req.Username != current.Username {
		httpkit.WriteProblem(w, httpkit.Problem{Type: httpkit.ProblemReadOnly, Title: "Username cannot be changed", Status: http.StatusUnprocessableEntity, Field: "username"})
		return
	}
	res, err := h.Identity.UpdateProfile(r.Context(), httpkit.Origin(r), identitycmd.UpdateProfile{
		TimeFormat: req.TimeFormat, TimeZone: req.TimeZone, Email: req.Email, CurrentPassword: req.CurrentPassword,
	})
	status := http.StatusOK
	if req.Email != nil && *req.Email != current.Email {
		status = http.StatusAccepted // takes effect once confirmed
	}
	h.Answer(w, r, httpkit.StreamID(res.Stream), res, err, status, identityview.Name)
}

type tokenRequest struct {
	Token string `json:"token"`
}

func (h *Handlers) confirmEmailChange(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if !httpkit.Decode(w, r, &req) {
		return
	}
	res, err := h.Identity.ConfirmEmailChange(r.Context(), httpkit.Origin(r), req.Token)
	if errors.Is(err, identitycmd.ErrEmailTaken) {
		err = outsideBody(err, "the new address was taken by someone else since the change was asked; ask for another one")
	}
	h.Answer(w, r, httpkit.StreamID(res.Stream), res, err, http.StatusOK, identityview.Name)
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

func (h *Handlers) inviteUser(w http.ResponseWriter, r *http.Request) {
	var req inviteRequest
	if !httpkit.Decode(w, r, &req) {
		return
	}
	accountID := mux.Vars(r)["id"]
	inv, err := h.Identity.Invite(r.Context(), httpkit.Origin(r), identitycmd.InviteUser{
		AccountID: accountID, Username: req.Username, Email: req.Email, GroupIDs: req.GroupIDs,
	})
	if err != nil {
		h.Error(w, r, err)
		return
	}
	h.Settle(r, inv.Result, identityview.Name)
	httpkit.WriteResult(w, inv.Result)
	w.Header().Set("Location", "/v1/users/"+inv.UserID)
	httpkit.WriteJSON(w, http.StatusCreated, httpkit.AnswerOf(inv.UserID, inv.Result))
}

func (h *Handlers) listUsers(w http.ResponseWriter, r *http.Request) {
	listOfAccount(h, w, r, h.Users.Users)
}

// listOfAccount answers a listing of the account in the path for a caller who may manage its
// users.
func listOfAccount[T any](h *Handlers, w http.ResponseWriter, r *http.Request, list func(context.Context, access.Principal, string) ([]T, error)) {
	if !h.WaitForPosition(w, r, identityview.Name) {
		return
	}
	items, err := list(r.Context(), httpkit.Principal(r), mux.Vars(r)["id"])
	if err != nil {
		h.Error(w, r, err)
		return
	}
	httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
}

// managed loads the resource the path's id names and checks that the caller may manage the
// users of its account; anything else is not found (or forbidden, within scope).
func managed[T any](h *Handlers, w http.ResponseWriter, r *http.Request, load func(context.Context, access.Principal, string) (T, error)) (T, bool) {
	v, err := load(r.Context(), httpkit.Principal(r), mux.Vars(r)["id"])
	if err != nil {
		h.Error(w, r, err)
		return v, false
	}
	return v, true
}

// userInScope returns a user the caller may manage.
func (h *Handlers) userInScope(w http.ResponseWriter, r *http.Request) (identityview.User, bool) {
	return managed(h, w, r, h.Users.User)
}

func (h *Handlers) getUser(w http.ResponseWriter, r *http.Request) {
	getManaged(h, w, r, h.userInScope, func(u identityview.User) uint64 { return u.Revision })
}

// getManaged answers a GET of a user or group the caller may manage, with its revision as ETag.
func getManaged[T any](h *Handlers, w http.ResponseWriter, r *http.Request, find func(http.ResponseWriter, *http.Request) (T, bool), revision func(T) uint64) {
	if !h.WaitForPosition(w, r, identityview.Name) {
		return
	}
	v, ok := find(w, r)
	if !ok {
		return
	}
	w.Header().Set("ETag", httpkit.ETag(revision(v)))
	httpkit.WriteJSON(w, http.StatusOK, v)
}

type updateUserRequest struct {
	Username *string  `json:"username"`
	GroupIDs []string `json:"group_ids"`
}

func (h *Handlers) updateUser(w http.ResponseWriter, r *http.Request) {
	var req updateUserRequest
	if !httpkit.Decode(w, r, &req) {
		return
	}
	u, ok := h.userInScope(w, r)
	if !ok {
		return
	}
	if req.Username != nil && *req.Username != u.Username {
		httpkit.WriteProblem(w, httpkit.Problem{Type: httpkit.ProblemReadOnly, Title: "Username cannot be changed", Status: http.StatusUnprocessableEntity, Field: "username"})
		return
	}
	if req.GroupIDs == nil {
		httpkit.WriteInvalid(w, "group_ids", "give group_ids")
		return
	}
	res, err := h.Identity.AssignGroups(r.Context(), httpkit.Origin(r), u.ID, req.GroupIDs)
	h.Answer(w, r, httpkit.StreamID(res.Stream), res, err, http.StatusOK, identityview.Name)
}

// userAction runs a user-administration command on the user in the path.
func (h *Handlers) userAction(run func(*Handlers, *http.Request, string) (command.Result, error), status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		res, err := run(h, r, mux.Vars(r)["id"])
		h.Answer(w, r, httpkit.StreamID(res.Stream), res, err, status, identityview.Name)
	}
}

func disableUser(h *Handlers, r *http.Request, id string) (command.Result, error) {
	return h.Identity.DisableUser(r.Context(), httpkit.Origin(r), id)
}

func enableUser(h *Handlers, r *http.Request, id string) (command.Result, error) {
	return h.Identity.EnableUser(r.Context(), httpkit.Origin(r), id)
}

func resendInvitation(h *Handlers, r *http.Request, id string) (command.Result, error) {
	return h.Identity.ResendInvitation(r.Context(), httpkit.Origin(r), id)
}

func revokeInvitation(h *Handlers, r *http.Request, id string) (command.Result, error) {
	return h.Identity.RevokeInvitation(r.Context(), httpkit.Origin(r), id)
}

func sendPasswordReset(h *Handlers, r *http.Request, id string) (command.Result, error) {
	return h.Identity.SendPasswordReset(r.Context(), httpkit.Origin(r), id)
}

// --- groups ------------------------------------------------------------------------------------

type groupRequest struct {
	Name        string   `json:"name"`
	Permissions []string `json:"permissions"`
}

func (h *Handlers) listGroups(w http.ResponseWriter, r *http.Request) {
	listOfAccount(h, w, r, h.Users.Groups)
}

func (h *Handlers) createGroup(w http.ResponseWriter, r *http.Request) {
	var req groupRequest
	if !httpkit.Decode(w, r, &req) {
		return
	}
	perms, err := group.ParsePermissions(req.Permissions)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	created, err := h.Identity.CreateGroup(r.Context(), httpkit.Origin(r), mux.Vars(r)["id"], req.Name, perms)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	h.Settle(r, created.Result, identityview.Name)
	httpkit.WriteResult(w, created.Result)
	w.Header().Set("Location", "/v1/groups/"+created.GroupID)
	httpkit.WriteJSON(w, http.StatusCreated, httpkit.AnswerOf(created.GroupID, created.Result))
}

// groupInScope returns a group the caller may manage.
func (h *Handlers) groupInScope(w http.ResponseWriter, r *http.Request) (identityview.Group, bool) {
	return managed(h, w, r, h.Users.Group)
}

func (h *Handlers) getGroup(w http.ResponseWriter, r *http.Request) {
	getManaged(h, w, r, h.groupInScope, func(g identityview.Group) uint64 { return g.Revision })
}

// groupPatch is a partial update (RFC 7396): a field left out stays as it is, and null
// permissions clear the set.
type groupPatch struct {
	Name        *string         `json:"name"`
	Permissions json.RawMessage `json:"permissions"`
}

func (h *Handlers) updateGroup(w http.ResponseWriter, r *http.Request) {
	var req groupPatch
	if !httpkit.DecodePatch(w, r, &req) {
		return
	}
	g, ok := h.groupInScope(w, r)
	if !ok {
		return
	}
	if g.Builtin {
		h.Error(w, r, group.ErrBuiltin)
		return
	}
	var perms *[]group.Permission
	if len(req.Permissions) > 0 {
		var names []string
		if err := json.Unmarshal(req.Permissions, &names); err != nil {
			httpkit.WriteProblem(w, httpkit.Problem{Type: httpkit.ProblemMalformed, Title: "Malformed request", Status: http.StatusBadRequest, Detail: "permissions must be a list of permission names", Field: "permissions"})
			return
		}
		parsed, err := group.ParsePermissions(names)
		if err != nil {
			h.Error(w, r, err)
			return
		}
		perms = &parsed
	}
	expected, ok := httpkit.Expected(w, r)
	if !ok {
		return
	}
	res, err := h.Identity.ChangeGroup(r.Context(), httpkit.Origin(r), g.ID, req.Name, perms, expected)
	h.Answer(w, r, httpkit.StreamID(res.Stream), res, err, http.StatusOK, identityview.Name)
}

func (h *Handlers) deleteGroup(w http.ResponseWriter, r *http.Request) {
	g, ok := h.groupInScope(w, r)
	if !ok {
		return
	}
	if g.Builtin {
		h.Error(w, r, group.ErrBuiltin)
		return
	}
	res, err := h.Identity.DeleteGroup(r.Context(), httpkit.Origin(r), g.ID)
	h.Answer(w, r, httpkit.StreamID(res.Stream), res, err, http.StatusOK, identityview.Name)
}

func (h *Handlers) listPermissions(w http.ResponseWriter, r *http.Request) {
	httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": group.All()})
}

func (r *inviteRequest) CanonicalIDs() *httpkit.Problem     { return canonicalGroupIDs(r.GroupIDs) }
func (r *updateUserRequest) CanonicalIDs() *httpkit.Problem { return canonicalGroupIDs(r.GroupIDs) }

// canonicalGroupIDs puts every ID of ids in canonical form.
func canonicalGroupIDs(ids []string) *httpkit.Problem {
	for i := range ids {
		id, ok := httpkit.CanonicalUUID(ids[i])
		if !ok {
			return &httpkit.Problem{Type: httpkit.ProblemValidation, Title: "Unknown group", Status: http.StatusUnprocessableEntity,
				Detail: fmt.Sprintf("group_ids[%d] is not a group ID (36 characters, like 0b6f3c1e-5d2a-4f8e-9c7b-2a1d4e6f8a90)", i), Field: "group_ids"}
		}
		ids[i] = id
	}
	return nil
}
