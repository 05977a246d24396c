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
	problemMalformed        = "/problems/malformed-request"
	problemValidation       = "/problems/validation-failed"
	problemNotFound         = "/problems/not-found"
	problemUnknownParent    = "/problems/unknown-parent"
	problemParentNotPartner = "/problems/parent-not-partner"
	problemRevision         = "/problems/revision-mismatch"
	problemConflict         = "/problems/conflict"
	problemNotCaughtUp      = "/problems/not-yet-consistent"
	problemMediaType        = "/problems/unsupported-media-type"
	problemMethod           = "/problems/method-not-allowed"
	problemUnavailable      = "/problems/unavailable"
	problemInternal         = "/problems/internal-error"
)

func writeProblem(w http.ResponseWriter, p problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
