package httpkit

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"

	"github.com/camcloud/accounts/command"
)

// MergeMember is one member of a JSON merge patch: absent, null, or a value. The decoder calls
// UnmarshalJSON only for a member that is present, null included, which is what tells the three
// apart.
type MergeMember[T any] struct {
	Present, Null bool
	Value         T
}

func (m *MergeMember[T]) UnmarshalJSON(b []byte) error {
	m.Present = true
	if string(b) == "null" {
		m.Null = true
		return nil
	}
	// Options are not passed down to this method: unknown fields are refused again here.
	return json.Unmarshal(b, &m.Value, json.RejectUnknownMembers(true))
}

// MergeText is a string member as a domain patch field: nil when absent, "" (clear) when null.
func MergeText(m MergeMember[string]) *string {
	if !m.Present {
		return nil
	}
	return &m.Value
}

// CommandAnswer is every command's answer: the resource the command created or changed, the
// revision its stream reached (also the ETag) and the global position (also X-Position), to pass
// as min_position. Answers that tell more embed it.
type CommandAnswer struct {
	ID       string `json:"id"`
	Revision uint64 `json:"revision"`
	Position string `json:"position"`
}

func AnswerOf(id string, res command.Result) CommandAnswer {
	return CommandAnswer{ID: id, Revision: res.Revision, Position: res.Position.String()}
}

// StreamID is the resource ID in a stream's name ("user-<id>" holds <id>).
func StreamID(stream string) string {
	_, id, _ := strings.Cut(stream, "-")
	return id
}

// Page sizes of listings: the default, and the most a client may ask for.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// PageLimit reads a listing's limit query parameter (DefaultPageSize when absent); a bad one is
// answered with a problem and ok false.
func PageLimit(w http.ResponseWriter, r *http.Request) (limit int, ok bool) {
	raw := r.URL.Query().Get("limit")
	if raw == "" {
		return DefaultPageSize, true
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > MaxPageSize {
		WriteProblem(w, Problem{Type: ProblemMalformed, Title: "Malformed request", Status: http.StatusBadRequest,
			Detail: fmt.Sprintf("limit must be a whole number from 1 to %d", MaxPageSize), Field: "limit"})
		return 0, false
	}
	return n, true
}
