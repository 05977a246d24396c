package projections

import (
	"encoding/base64"
	"encoding/json"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/domain/fault"
)

// ErrInvalidCursor is returned for a page cursor this service did not make.
var ErrInvalidCursor = fault.New(fault.Malformed, "invalid page cursor").With(fault.Problem{
	Field: "cursor", Detail: "cursor is not one this service issued",
})

// Cursor is where a keyset-paginated listing ordered by (name, id) stopped: the next page starts
// after it. Clients get it opaque (Encode) and give it back as it was.
type Cursor struct {
	Name string `json:"n"`
	ID   string `json:"i"`
}

// Encode returns the cursor as clients see it.
func (c Cursor) Encode() string {
	raw, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(raw)
}

// DecodeCursor reads a cursor Encode made; anything else is ErrInvalidCursor.
func DecodeCursor(s string) (Cursor, error) {
	var c Cursor
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(raw, &c) != nil {
		return Cursor{}, ErrInvalidCursor
	}
	if _, err := uuid.Parse(c.ID); err != nil {
		return Cursor{}, ErrInvalidCursor
	}
	return c, nil
}
