package httpapi

import (
	"encoding/json"
	"net/http"
)

// problem is an RFC 9457 problem detail. Type is a stable relative URI per kind of problem;
// clients switch on it, not on Title or Detail.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Field names the request field a validation problem is about.
	Field string `json:"field,omitempty"`
}

// Problem types.
const (
	problemMalformed         = "/problems/malformed-request"
	problemValidation        = "/problems/validation-failed"
	problemNotFound          = "/problems/not-found"
	problemUnknownParent     = "/problems/unknown-parent"
	problemParentNotPartner  = "/problems/parent-not-partner"
	problemRevision          = "/problems/revision-mismatch"
	problemConflict          = "/problems/conflict"
	problemNotCaughtUp       = "/problems/not-yet-consistent"
	problemMediaType         = "/problems/unsupported-media-type"
	problemMethod            = "/problems/method-not-allowed"
	problemUnavailable       = "/problems/unavailable"
	problemBusy              = "/problems/busy"
	problemInternal          = "/problems/internal-error"
	problemUnauthenticated   = "/problems/unauthenticated"
	problemBadCredentials    = "/problems/bad-credentials"
	problemRateLimited       = "/problems/rate-limited"
	problemForbidden         = "/problems/forbidden"
	problemTaken             = "/problems/already-taken"
	problemWeakPassword      = "/problems/weak-password"
	problemWrongPassword     = "/problems/wrong-password"
	problemInvalidToken      = "/problems/invalid-token"
	problemState             = "/problems/invalid-state"
	problemBuiltin           = "/problems/builtin-group"
	problemLastAdministrator = "/problems/last-administrator"
	problemGroupHasMembers   = "/problems/group-has-members"
	problemReadOnly          = "/problems/read-only-field"
	problemTooLarge          = "/problems/request-too-large"
)

func writeProblem(w http.ResponseWriter, p problem) { writeProblemWith(w, p, nil) }

// writeProblemWith adds extension members (RFC 9457 section 3.2) to a problem.
func writeProblemWith(w http.ResponseWriter, p problem, extensions map[string]any) {
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
