package httpkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/adapters/password"
	"github.com/camcloud/accounts/attempts"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/domain/field"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/identitycmd"
	"github.com/camcloud/accounts/identity/identityview"
	"github.com/camcloud/accounts/identity/reservation"
	"github.com/camcloud/accounts/identity/user"
	"github.com/camcloud/accounts/projections"
)

// answer is what a client sees of an error: the status, the headers it acts on and the Problem.
type answer struct {
	status     int
	typ, title string
	field      string
	detail     string // "" for none; a leading "~" means "contains"
	retryAfter string
	challenge  bool // WWW-Authenticate
	extensions []string
}

// Every error a command or query returns, as its callers wrap it, answers as the API promises.
// The table holds each context's errors (a new context adds rows here, not cases in writeError).
func TestErrorAnswers(t *testing.T) {
	const (
		unprocessable = http.StatusUnprocessableEntity
		conflict      = http.StatusConflict
		unavailable   = http.StatusServiceUnavailable
	)
	notFound := answer{status: http.StatusNotFound, typ: "/problems/not-found", title: "Not found", detail: "no such resource"}
	state := func(detail string) answer {
		return answer{status: conflict, typ: "/problems/invalid-state", title: "Not possible now", detail: detail}
	}
	storeDown := answer{status: unavailable, typ: "/problems/unavailable", title: "Temporarily unavailable", detail: "the database or event store cannot be reached right now; retry shortly", retryAfter: "1"}
	tests := []struct {
		name string
		err  error
		want answer
	}{
		{"weak password", fmt.Errorf("accept: %w", &identitycmd.WeakPasswordError{Field: "password", Strength: identitycmd.Strength{Score: 1}}),
			answer{status: unprocessable, typ: "/problems/weak-password", title: "Password refused", field: "password", extensions: []string{"strength"}}},
		{"invalid field", fmt.Errorf("create account: %w", field.Invalid("address.city", "must not be empty")),
			answer{status: unprocessable, typ: "/problems/validation-failed", title: "Validation failed", field: "address.city", detail: "address.city: must not be empty"}},
		{"invalid field value", fmt.Errorf("update: %w", user.ValidationError{Field: "time_zone", Problem: "is not a known IANA time zone"}),
			answer{status: unprocessable, typ: "/problems/validation-failed", title: "Validation failed", field: "time_zone", detail: "time_zone: is not a known IANA time zone"}},
		{"invalid without a field", fmt.Errorf("%w: no such kind", field.ErrInvalid),
			answer{status: unprocessable, typ: "/problems/validation-failed", title: "Validation failed", detail: "invalid input: no such kind"}},
		{"unauthenticated", access.ErrUnauthenticated,
			answer{status: http.StatusUnauthorized, typ: "/problems/unauthenticated", title: "Not signed in", detail: "sign in and send the token as Authorization: Bearer <token>", challenge: true}},
		{"bad credentials", fmt.Errorf("sign in: %w", identitycmd.ErrBadCredentials),
			answer{status: http.StatusUnauthorized, typ: "/problems/bad-credentials", title: "Sign-in failed", detail: "unknown username or wrong password", challenge: true}},
		{"rate limited", fmt.Errorf("sign in: %w", &attempts.RateLimitedError{RetryAfter: 1500 * time.Millisecond}),
			answer{status: http.StatusTooManyRequests, typ: "/problems/rate-limited", title: "Too many failed sign-ins", detail: "wait before trying again", retryAfter: "2"}},
		{"forbidden", fmt.Errorf("%w: account.update needed", access.ErrForbidden),
			answer{status: http.StatusForbidden, typ: "/problems/forbidden", title: "Permission denied", detail: "permission denied: account.update needed"}},
		{"account not found", fmt.Errorf("update account: %w", account.ErrNotFound), notFound},
		{"account not in the read model", accountview.ErrNotFound, notFound},
		{"out of scope", access.ErrOutOfScope, notFound},
		{"user not found", user.ErrNotFound, notFound},
		{"group not found", group.ErrNotFound, notFound},
		{"identity not found", identityview.ErrNotFound, notFound},
		{"session not found", identitycmd.ErrSessionNotFound, notFound},
		{"unknown parent", fmt.Errorf("create account: %w", account.ErrUnknownParent),
			answer{status: unprocessable, typ: "/problems/unknown-parent", title: "Unknown parent account", field: "parent_id"}},
		{"parent not a partner", fmt.Errorf("create account: %w", account.ErrParentNotPartner),
			answer{status: unprocessable, typ: "/problems/parent-not-partner", title: "Parent is not a partner", field: "parent_id", detail: "only partner accounts have child accounts"}},
		{"username taken", errors.Join(nil, identitycmd.ErrUsernameTaken),
			answer{status: conflict, typ: "/problems/already-taken", title: "Username taken", field: "username"}},
		{"e-mail taken", fmt.Errorf("invite: %w", identitycmd.ErrEmailTaken),
			answer{status: conflict, typ: "/problems/already-taken", title: "E-mail address taken", field: "email"}},
		{"unknown group", identitycmd.ErrUnknownGroup,
			answer{status: unprocessable, typ: "/problems/validation-failed", title: "Unknown group", field: "group_ids", detail: "a group is not one of this account's"}},
		{"passwords differ", identitycmd.ErrPasswordMismatch,
			answer{status: unprocessable, typ: "/problems/validation-failed", title: "Passwords differ", field: "password_confirmation", detail: "the password and its confirmation differ"}},
		{"wrong password", fmt.Errorf("change password: %w", &identitycmd.WrongPasswordError{Field: "current_password"}),
			answer{status: unprocessable, typ: "/problems/wrong-password", title: "Wrong password", field: "current_password", detail: "the current password is wrong"}},
		{"invalid token", identitycmd.ErrInvalidToken,
			answer{status: http.StatusBadRequest, typ: "/problems/invalid-token", title: "Invalid link", field: "token", detail: "the link is invalid, expired or already used; ask for a new one"}},
		{"not invited", user.ErrNotInvited, state("the user has no open invitation")},
		{"not active", fmt.Errorf("disable: %w", user.ErrNotActive), state("disable: the user is not active")},
		{"user exists", user.ErrAlreadyExists, state("user already exists")},
		{"group exists", group.ErrAlreadyExists, state("group already exists")},
		{"last administrator", identitycmd.ErrLastAdministrator,
			answer{status: conflict, typ: "/problems/last-administrator", title: "Last administrator", detail: "the account must keep an active member of its Administrator group; make another user an administrator first"}},
		{"group has members", errors.Join(nil, group.ErrHasMembers),
			answer{status: conflict, typ: "/problems/group-has-members", title: "Group has members", detail: "move the group's members to other groups before deleting it"}},
		// A refusal the command could decide wins over an outage met on the side.
		{"group has members, members unknown", errors.Join(fmt.Errorf("%w: gone", eventstore.ErrUnavailable), group.ErrHasMembers),
			answer{status: conflict, typ: "/problems/group-has-members", title: "Group has members", detail: "move the group's members to other groups before deleting it"}},
		{"group name taken", identitycmd.ErrGroupNameTaken,
			answer{status: conflict, typ: "/problems/already-taken", title: "Group name taken", field: "name", detail: "the account has a group of this name"}},
		{"built-in group", group.ErrBuiltin,
			answer{status: conflict, typ: "/problems/builtin-group", title: "Built-in group", detail: "the Administrator group cannot be changed or deleted"}},
		{"revision mismatch", fmt.Errorf("%w: %w", command.ErrRevisionMismatch, &eventstore.ConflictError{Stream: "account-1", Expected: eventstore.Exact(1), Actual: 2, Exists: true}),
			answer{status: http.StatusPreconditionFailed, typ: "/problems/revision-mismatch", title: "Revision mismatch", detail: "the resource changed since you read it; read it again"}},
		{"concurrency", fmt.Errorf("update: %w", &eventstore.ConflictError{Stream: "account-1", Expected: eventstore.Exact(1), Actual: 2, Exists: true}),
			answer{status: conflict, typ: "/problems/conflict", title: "Conflict", detail: "too many concurrent changes; try again", retryAfter: "1"}},
		{"concurrency sentinel", fmt.Errorf("%w: duplicate", eventstore.ErrConcurrency),
			answer{status: conflict, typ: "/problems/conflict", title: "Conflict", detail: "too many concurrent changes; try again", retryAfter: "1"}},
		{"foreign cursor", accountview.ErrInvalidCursor,
			answer{status: http.StatusBadRequest, typ: "/problems/malformed-request", title: "Malformed request", field: "cursor", detail: "cursor is not one this service issued"}},
		{"not caught up", fmt.Errorf("wait: %w", projections.ErrNotCaughtUp),
			answer{status: unavailable, typ: "/problems/not-yet-consistent", title: "Not yet consistent", detail: "the read models have not reached min_position yet; retry", retryAfter: "1"}},
		{"hashing busy", fmt.Errorf("sign in: %w", password.ErrBusy),
			answer{status: unavailable, typ: "/problems/busy", title: "Busy", detail: "too many sign-ins at once; retry shortly", retryAfter: "1"}},
		// EventStoreDB reports a lost append as unavailable too; the unknown outcome is what counts.
		{"outcome unknown", fmt.Errorf("esdb: append: %w: %w: %w", eventstore.ErrUnavailable, eventstore.ErrOutcomeUnknown, io.ErrUnexpectedEOF),
			answer{status: unavailable, typ: "/problems/outcome-unknown", title: "Outcome unknown", detail: "~ETag", retryAfter: "1"}},
		{"store unavailable", fmt.Errorf("load: %w: %w", eventstore.ErrUnavailable, errors.New("dial tcp: refused")), storeDown},
		{"driver error nobody classified", fmt.Errorf("query: %w", io.ErrUnexpectedEOF), storeDown},
		{"first user's e-mail taken", fault.Within("first_user", fmt.Errorf("invite: %w", identitycmd.ErrEmailTaken)),
			answer{status: conflict, typ: "/problems/already-taken", title: "E-mail address taken", field: "first_user.email"}},
		{"first user's e-mail malformed", fault.Within("first_user", field.Invalid("email", "is not an e-mail address")),
			answer{status: unprocessable, typ: "/problems/validation-failed", title: "Validation failed", field: "first_user.email", detail: "email: is not an e-mail address"}},
		{"reservation taken", reservation.ErrTaken, answer{status: conflict, typ: "/problems/already-taken", title: "Already taken"}},
		{"account exists", account.ErrAlreadyExists, state("account already exists")},
		{"link does not open", user.ErrInvalidLink,
			answer{status: http.StatusBadRequest, typ: "/problems/invalid-token", title: "Invalid link", field: "token", detail: "the link is invalid, expired or already used; ask for a new one"}},
		// A context added later declares its errors and adds nothing to writeError.
		{"a new context's error", fmt.Errorf("register recorder: %w", fault.New(fault.Taken, "registration code in use").With(fault.Problem{
			Type: "code-in-use", Title: "Registration code in use", Field: "registration_code", Detail: "rotate the code and try again",
		})), answer{status: conflict, typ: "/problems/code-in-use", title: "Registration code in use", field: "registration_code", detail: "rotate the code and try again"}},
		{"a new kind of limit", &limitError{wait: 30 * time.Second},
			answer{status: http.StatusTooManyRequests, typ: "/problems/rate-limited", title: "Too many requests", retryAfter: "30", extensions: []string{"limit"}}},
		{"internal", errors.New("boom"),
			answer{status: http.StatusInternalServerError, typ: "/problems/internal-error", title: "Internal error", detail: "~request req-1 failed"}},
		{"event without an account", fmt.Errorf("x: %w", command.ErrNoAccount),
			answer{status: http.StatusInternalServerError, typ: "/problems/internal-error", title: "Internal error", detail: "~request req-1 failed"}},
	}
	s := NewKit(nil, nil, 0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := clientSees(t, s, tt.err)
			want := tt.want
			if strings.HasPrefix(want.detail, "~") {
				if !strings.Contains(got.detail, want.detail[1:]) {
					t.Errorf("detail %q, want it to contain %q", got.detail, want.detail[1:])
				}
				got.detail, want.detail = "", ""
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("answer\n got %+v\nwant %+v", got, want)
			}
		})
	}

	t.Run("a cancelled request gets no answer", func(t *testing.T) {
		rec := httptest.NewRecorder()
		s.Error(rec, httptest.NewRequest(http.MethodGet, "/", nil), fmt.Errorf("load: %w", context.Canceled))
		if rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" {
			t.Errorf("answered %d %q", rec.Code, rec.Body)
		}
	})
}

// clientSees runs writeError and reads back what a client sees.
func clientSees(t *testing.T, s *Kit, err error) answer {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, "req-1"))
	rec := httptest.NewRecorder()
	s.Error(rec, r, err)
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	got := answer{status: rec.Code, retryAfter: rec.Header().Get("Retry-After"), challenge: rec.Header().Get("WWW-Authenticate") != ""}
	for k, v := range body {
		switch k {
		case "type":
			got.typ, _ = v.(string)
		case "title":
			got.title, _ = v.(string)
		case "field":
			got.field, _ = v.(string)
		case "detail":
			got.detail, _ = v.(string)
		case "status":
			if n, _ := v.(float64); int(n) != rec.Code {
				t.Errorf("status member %v, status line %d", v, rec.Code)
			}
		default:
			got.extensions = append(got.extensions, k)
		}
	}
	return got
}

// limitError is a fault of a type of its own, as a later context may declare one.
type limitError struct{ wait time.Duration }

func (e *limitError) Error() string    { return "limit reached" }
func (e *limitError) Kind() fault.Kind { return fault.RateLimited }
func (e *limitError) Describe() fault.Problem {
	return fault.Problem{RetryAfter: e.wait, Extensions: map[string]any{"limit": 10}}
}

// Each kind has its status and Problem type; a fault that says nothing more gets them.
func TestKindAnswers(t *testing.T) {
	tests := []struct {
		kind      fault.Kind
		status    int
		typ       string
		retry     bool
		challenge bool
	}{
		{fault.Invalid, http.StatusUnprocessableEntity, "/problems/validation-failed", false, false},
		{fault.Malformed, http.StatusBadRequest, "/problems/malformed-request", false, false},
		{fault.Unauthenticated, http.StatusUnauthorized, "/problems/unauthenticated", false, true},
		{fault.RateLimited, http.StatusTooManyRequests, "/problems/rate-limited", true, false},
		{fault.Forbidden, http.StatusForbidden, "/problems/forbidden", false, false},
		{fault.NotFound, http.StatusNotFound, "/problems/not-found", false, false},
		{fault.Taken, http.StatusConflict, "/problems/already-taken", false, false},
		{fault.State, http.StatusConflict, "/problems/invalid-state", false, false},
		{fault.Stale, http.StatusPreconditionFailed, "/problems/revision-mismatch", false, false},
		{fault.Conflict, http.StatusConflict, "/problems/conflict", true, false},
		{fault.OutcomeUnknown, http.StatusServiceUnavailable, "/problems/outcome-unknown", true, false},
		{fault.Unavailable, http.StatusServiceUnavailable, "/problems/unavailable", true, false},
		{fault.Internal, http.StatusInternalServerError, "/problems/internal-error", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			rec := httptest.NewRecorder()
			writeFault(rec, errors.New("cause"), fault.New(tt.kind, "cause"))
			var p Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if rec.Code != tt.status || p.Status != tt.status || p.Type != tt.typ || p.Title == "" {
				t.Errorf("answered %d %+v, want %d %s", rec.Code, p, tt.status, tt.typ)
			}
			if retry := rec.Header().Get("Retry-After"); (retry != "") != tt.retry || (tt.retry && retry != "1") {
				t.Errorf("Retry-After %q, want it: %v (1 s by default)", retry, tt.retry)
			}
			if challenge := rec.Header().Get("WWW-Authenticate") != ""; challenge != tt.challenge {
				t.Errorf("WWW-Authenticate sent: %v, want %v", challenge, tt.challenge)
			}
			if strings.Contains(rec.Body.String(), "cause") {
				t.Errorf("the error's message leaked into %s", rec.Body)
			}
		})
	}
}
