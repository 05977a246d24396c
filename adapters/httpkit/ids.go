package httpkit

import (
	"net/http"

	"github.com/gorilla/mux"
)

// IDs are parsed once, here at the edge, and only their canonical form goes further: 36
// characters, hyphenated 8-4-4-4-12, lower case (RFC 9562 section 4: UUIDs are case-insensitive
// on input and written in lower case). An upper-case ID is accepted and lowered, everywhere the
// same; any other spelling uuid.Parse would also take (urn:uuid:..., {...}, 32 hex digits) is
// malformed: in a path it names no resource (404), in a body it is answered as an unknown ID
// would be (see IDsInBody).
// So no handler, command or SQL query ever sees an ID that two spellings could name.

// CanonicalUUID returns s in lower case if it is a hyphenated UUID, else false.
func CanonicalUUID(s string) (string, bool) {
	if len(s) != 36 {
		return "", false
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return "", false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
		case 'A' <= c && c <= 'F':
			b[i] = c + ('a' - 'A')
		default:
			return "", false
		}
	}
	return string(b), true
}

// PathIDs is router middleware: a route whose path has an {id} runs only when it is a UUID, and
// its handler reads the canonical form from mux.Vars. Anything else answers 404 before
// authentication or the handler, as a path to nothing would.
func PathIDs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vars := mux.Vars(r)
		raw, ok := vars["id"]
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		id, ok := CanonicalUUID(raw)
		if !ok {
			WriteProblem(w, Problem{Type: ProblemNotFound, Title: "Not found", Status: http.StatusNotFound, Detail: "no such resource"})
			return
		}
		if id != raw {
			vars["id"] = id // a fresh map of this request's: mux builds one per match
			r = mux.SetURLVars(r, vars)
		}
		next.ServeHTTP(w, r)
	})
}

// IDsInBody is a request body that names other resources by ID; Decode calls CanonicalIDs after
// decoding, which puts every ID in canonical form or returns the Problem to answer. A malformed
// ID is answered as an unknown one would be: a parent account as one out of reach (404), a group
// as one that is not the account's (422 naming group_ids).
type IDsInBody interface {
	CanonicalIDs() *Problem
}
