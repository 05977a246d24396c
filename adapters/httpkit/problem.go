package httpkit

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/camcloud/accounts/domain/fault"
)

// Problem is an RFC 9457 Problem detail. Type is a stable relative URI per kind of Problem;
// clients switch on it, not on Title or Detail.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Field names the request field a validation Problem is about.
	Field string `json:"field,omitempty"`
}

// Problem types: the kinds' defaults (answerTo) and the edge's own problems. A fault may name a
// type of its own (fault.Problem.Type), which becomes /problems/<type>.
const (
	ProblemMalformed       = "/problems/malformed-request"
	ProblemValidation      = "/problems/validation-failed"
	ProblemNotFound        = "/problems/not-found"
	ProblemRevision        = "/problems/revision-mismatch"
	ProblemConflict        = "/problems/conflict"
	ProblemOutcomeUnknown  = "/problems/outcome-unknown"
	ProblemMediaType       = "/problems/unsupported-media-type"
	ProblemMethod          = "/problems/method-not-allowed"
	ProblemUnavailable     = "/problems/unavailable"
	ProblemInternal        = "/problems/internal-error"
	ProblemUnauthenticated = "/problems/unauthenticated"
	ProblemRateLimited     = "/problems/rate-limited"
	ProblemForbidden       = "/problems/forbidden"
	ProblemTaken           = "/problems/already-taken"
	ProblemState           = "/problems/invalid-state"
	ProblemReadOnly        = "/problems/read-only-field"
	ProblemTooLarge        = "/problems/request-too-large"
)

// kindAnswer is how a kind of fault is answered when the fault says no more.
type kindAnswer struct {
	Problem
	challenge bool // WWW-Authenticate: the client should (re)authenticate
	retry     bool // Retry-After: a later try may succeed
}

// answerTo maps a kind of fault to its answer. It is the one place that knows HTTP statuses: a new
// context's errors choose a kind (and maybe their own type, title, field) and add nothing here.
func answerTo(k fault.Kind) kindAnswer {
	switch k {
	case fault.Invalid:
		return kindAnswer{Problem: Problem{Type: ProblemValidation, Title: "Validation failed", Status: http.StatusUnprocessableEntity}}
	case fault.Malformed:
		return kindAnswer{Problem: Problem{Type: ProblemMalformed, Title: "Malformed request", Status: http.StatusBadRequest}}
	case fault.Unauthenticated:
		return kindAnswer{Problem: Problem{Type: ProblemUnauthenticated, Title: "Not signed in", Status: http.StatusUnauthorized,
			Detail: "sign in and send the token as Authorization: Bearer <token>"}, challenge: true}
	case fault.RateLimited:
		return kindAnswer{Problem: Problem{Type: ProblemRateLimited, Title: "Too many requests", Status: http.StatusTooManyRequests}, retry: true}
	case fault.Forbidden:
		return kindAnswer{Problem: Problem{Type: ProblemForbidden, Title: "Permission denied", Status: http.StatusForbidden}}
	case fault.NotFound:
		return kindAnswer{Problem: Problem{Type: ProblemNotFound, Title: "Not found", Status: http.StatusNotFound, Detail: "no such resource"}}
	case fault.Taken:
		return kindAnswer{Problem: Problem{Type: ProblemTaken, Title: "Already taken", Status: http.StatusConflict}}
	case fault.State:
		return kindAnswer{Problem: Problem{Type: ProblemState, Title: "Not possible now", Status: http.StatusConflict}}
	case fault.Stale:
		return kindAnswer{Problem: Problem{Type: ProblemRevision, Title: "Revision mismatch", Status: http.StatusPreconditionFailed,
			Detail: "the resource changed since you read it; read it again"}}
	case fault.Conflict:
		// Writers raced past the command's own retries: the same request may well pass a moment later.
		return kindAnswer{Problem: Problem{Type: ProblemConflict, Title: "Conflict", Status: http.StatusConflict,
			Detail: "too many concurrent changes; try again"}, retry: true}
	case fault.OutcomeUnknown:
		// The change may have been stored: a blind resend would decide again on old state.
		return kindAnswer{Problem: Problem{Type: ProblemOutcomeUnknown, Title: "Outcome unknown", Status: http.StatusServiceUnavailable,
			Detail: "the event store did not confirm the change in time; it may have been applied: read the resource again (its ETag tells) before sending the change again"}, retry: true}
	case fault.Unavailable:
		return kindAnswer{Problem: Problem{Type: ProblemUnavailable, Title: "Temporarily unavailable", Status: http.StatusServiceUnavailable,
			Detail: "the database or event store cannot be reached right now; retry shortly"}, retry: true}
	}
	return kindAnswer{Problem: Problem{Type: ProblemInternal, Title: "Internal error", Status: http.StatusInternalServerError}}
}

// writeFault answers err by the fault f it holds: the kind's answer, with what f says beyond its
// kind put over it.
func writeFault(w http.ResponseWriter, err error, f fault.Fault) {
	a := answerTo(f.Kind())
	d := fault.Describe(f)
	p := a.Problem
	if d.Type != "" {
		p.Type = "/problems/" + d.Type
	}
	if d.Title != "" {
		p.Title = d.Title
	}
	p.Field = d.Field
	switch {
	case d.Detail != "":
		p.Detail = d.Detail
	case d.Explain:
		p.Detail = err.Error()
	}
	if a.challenge {
		w.Header().Set("WWW-Authenticate", `Bearer realm="camcloud"`)
	}
	if a.retry {
		wait := d.RetryAfter
		if wait <= 0 {
			wait = time.Second
		}
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds(wait)))
	}
	WriteProblemWith(w, p, d.Extensions)
}

func WriteProblem(w http.ResponseWriter, p Problem) { WriteProblemWith(w, p, nil) }

// WriteInvalid answers 422 validation-failed about a member of the body (field "" for the body as
// a whole): what a handler checks before its command, such as a member that must be given.
func WriteInvalid(w http.ResponseWriter, field, detail string) {
	WriteProblem(w, Problem{Type: ProblemValidation, Title: "Validation failed", Status: http.StatusUnprocessableEntity, Detail: detail, Field: field})
}

// WriteProblemWith adds extension members (RFC 9457 section 3.2) to a Problem.
func WriteProblemWith(w http.ResponseWriter, p Problem, extensions map[string]any) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	if len(extensions) == 0 {
		_ = json.NewEncoder(w).Encode(p)
		return
	}
	body := map[string]any{"type": p.Type, "title": p.Title, "status": p.Status}
	if p.Detail != "" {
		body["detail"] = p.Detail
	}
	if p.Field != "" {
		body["field"] = p.Field
	}
	for k, v := range extensions {
		body[k] = v
	}
	_ = json.NewEncoder(w).Encode(body)
}
