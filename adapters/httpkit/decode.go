package httpkit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/camcloud/accounts/domain/field"
)

// maxBody bounds request bodies; no command of this service needs more.
const maxBody = 64 << 10

// Decode reads a JSON body strictly: the right media type in UTF-8, valid UTF-8 throughout (JSON
// decoding would otherwise turn bad bytes into U+FFFD without a word), known fields only, no key
// twice in one object (the last one would win unseen: "kind":"customer","kind":"partner" makes a
// partner), one value. Bodies that name other resources have their IDs made canonical here
// (see IDsInBody), so that what reaches the commands is one spelling of each ID. On failure it
// writes the Problem and returns false.
func Decode(w http.ResponseWriter, r *http.Request, v any) bool {
	return decodeAs(w, r, v, maxBody, "application/json")
}

// DecodeUpTo is Decode for the one kind of body that is large by nature (a recorder's usage
// batch), bounded by limit bytes instead of 64 KiB.
func DecodeUpTo(w http.ResponseWriter, r *http.Request, v any, limit int64) bool {
	return decodeAs(w, r, v, limit, "application/json")
}

// MergePatch is the media type of a JSON merge patch (RFC 7396).
const MergePatch = "application/merge-patch+json"

// DecodePatch decodes the body of a JSON merge patch endpoint: as Decode, and also sent as
// application/merge-patch+json (RFC 7396), the media type such a patch has.
func DecodePatch(w http.ResponseWriter, r *http.Request, v any) bool {
	return decodeAs(w, r, v, maxBody, "application/json", MergePatch)
}

// decodeAs is Decode for a body sent as one of the media types given.
func decodeAs(w http.ResponseWriter, r *http.Request, v any, limit int64, accepted ...string) bool {
	media, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !slices.Contains(accepted, media) {
		WriteProblem(w, Problem{Type: ProblemMediaType, Title: "Unsupported media type", Status: http.StatusUnsupportedMediaType,
			Detail: "send the body as " + strings.Join(accepted, " or ")})
		return false
	}
	if charset, ok := params["charset"]; ok && !strings.EqualFold(charset, "utf-8") && !strings.EqualFold(charset, "utf8") {
		WriteProblem(w, Problem{Type: ProblemMediaType, Title: "Unsupported media type", Status: http.StatusUnsupportedMediaType, Detail: "send the body in UTF-8 (charset=utf-8, or no charset)"})
		return false
	}
	raw, err := readBody(w, r, limit)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		WriteProblem(w, Problem{Type: ProblemTooLarge, Title: "Request too large", Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf("body is larger than %d bytes", tooLarge.Limit)})
		return false
	}
	if err != nil {
		WriteProblem(w, Problem{Type: ProblemMalformed, Title: "Malformed request", Status: http.StatusBadRequest, Detail: "body could not be read"})
		return false
	}
	if at := invalidUTF8(raw); at >= 0 {
		WriteProblem(w, Problem{Type: ProblemMalformed, Title: "Malformed request", Status: http.StatusBadRequest, Detail: fmt.Sprintf("body is not valid UTF-8 (at byte %d)", at)})
		return false
	}
	// One pass: encoding/json/v2's defaults refuse a name twice in one object, invalid UTF-8
	// and anything after the value, and names match fields exactly (not folded, as v1 does:
	// "KIND" is an unknown member, not a second kind).
	if err := json.Unmarshal(raw, v, json.RejectUnknownMembers(true)); err != nil {
		WriteProblem(w, malformed(raw, err))
		return false
	}
	if ids, ok := v.(IDsInBody); ok {
		if p := ids.CanonicalIDs(); p != nil {
			WriteProblem(w, *p)
			return false
		}
	}
	return true
}

// plainPath returns a path to name as a Problem's field, or "" when it is too long or holds
// hidden or reordering characters (a path may hold the client's keys).
func plainPath(path string) string {
	if len(path) > 200 || strings.ContainsFunc(path, field.Hidden) {
		return ""
	}
	return path
}

// truncateKey shortens a key for a message.
func truncateKey(key string) string {
	const limit = 64
	if utf8.RuneCountInString(key) <= limit {
		return key
	}
	return string([]rune(key)[:limit]) + "..."
}

// invalidUTF8 returns the offset of the first byte that is not valid UTF-8, or -1.
func invalidUTF8(b []byte) int {
	if utf8.Valid(b) { // a word at a time over ASCII; the walk below only finds where it fails
		return -1
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// readBody reads a body of at most limit bytes. The buffer starts with room for the declared
// length and the read that finds the end, up to 64 KiB (every body of a command, in one
// allocation), and grows as bytes arrive beyond that: a client that declares megabytes and
// sends them slowly holds no more memory than it sent.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	buf := bytes.NewBuffer(make([]byte, 0, min(max(r.ContentLength, 0)+bytes.MinRead, maxBody+bytes.MinRead, limit+bytes.MinRead)))
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	return buf.Bytes(), err
}

// malformed describes what is wrong with a body that does not decode, without echoing its
// content: the member it is about (as "first_user.email" or "entries[3].day") is named only when
// plain, a key the client sent is quoted in ASCII.
func malformed(raw []byte, err error) Problem {
	p := Problem{Type: ProblemMalformed, Title: "Malformed request", Status: http.StatusBadRequest,
		Detail: "body could not be read as the expected JSON object"}
	var (
		syntax   *jsontext.SyntacticError
		semantic *json.SemanticError
	)
	switch {
	case len(bytes.TrimSpace(raw)) == 0:
		p.Detail = "body is empty"
	case errors.As(err, &syntax) && errors.Is(syntax.Err, jsontext.ErrDuplicateName):
		key := syntax.JSONPointer.LastToken()
		p.Field = plainPath(memberPath(syntax.JSONPointer))
		p.Detail = fmt.Sprintf("key %+q appears more than once in one object; send each field once", truncateKey(key))
	case errors.Is(err, io.ErrUnexpectedEOF):
		p.Detail = "body is not valid JSON (it ends early)"
	case errors.As(err, &syntax):
		p.Detail = fmt.Sprintf("body is not valid JSON (at byte %d)", syntax.ByteOffset)
	case errors.As(err, &semantic) && errors.Is(semantic.Err, json.ErrUnknownName):
		p.Detail = fmt.Sprintf("unknown field %+q", truncateKey(semantic.JSONPointer.LastToken()))
	case errors.As(err, &semantic) && semantic.JSONPointer == "":
		p.Detail = fmt.Sprintf("body must be a JSON object, not a JSON %s", kindName(semantic.JSONKind))
	case errors.As(err, &semantic):
		path := memberPath(semantic.JSONPointer)
		p.Field = plainPath(path)
		p.Detail = fmt.Sprintf("field %+q has the wrong type (got a JSON %s)", truncateKey(path), kindName(semantic.JSONKind))
		if semantic.JSONKind == '0' && semantic.GoType != nil {
			// A number where a number goes, but not one the field holds: 1.5 or 1e3 for a count,
			// a negative one or one too large.
			switch semantic.GoType.Kind() {
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				p.Detail = fmt.Sprintf("field %+q must be a whole number written without fraction or exponent, within %d bits", truncateKey(path), semantic.GoType.Bits())
			case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
				p.Detail = fmt.Sprintf("field %+q must be a whole number from 0, written without fraction or exponent, within %d bits", truncateKey(path), semantic.GoType.Bits())
			}
		}
	}
	return p
}

// memberPath names the member a JSON pointer leads to as the API's documents do:
// "/first_user/email" is "first_user.email", "/entries/3/day" is "entries[3].day" (no request
// body has a member whose name is a number).
func memberPath(ptr jsontext.Pointer) string {
	var b strings.Builder
	for token := range ptr.Tokens() {
		switch _, err := strconv.ParseUint(token, 10, 64); {
		case err == nil:
			b.WriteString("[" + token + "]")
		case b.Len() == 0:
			b.WriteString(token)
		default:
			b.WriteString("." + token)
		}
	}
	return b.String()
}

// kindName is the name of a JSON kind in a message.
func kindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return "value"
}
