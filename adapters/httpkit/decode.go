package httpkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		WriteProblem(w, Problem{Type: ProblemTooLarge, Title: "Request too large", Status: http.StatusRequestEntityTooLarge, Detail: describeJSONError(err)})
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
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("more than one JSON value")
	}
	if err != nil {
		WriteProblem(w, Problem{Type: ProblemMalformed, Title: "Malformed request", Status: http.StatusBadRequest, Detail: describeJSONError(err), Field: plainPath(fieldOf(err))})
		return false
	}
	if path, key, dup := duplicateKey(raw); dup {
		// The key is the client's text: quoted in ASCII, and named as the field only when it is
		// plain, so that the answer cannot carry hidden or reordering characters.
		WriteProblem(w, Problem{Type: ProblemMalformed, Title: "Malformed request", Status: http.StatusBadRequest,
			Detail: fmt.Sprintf("key %+q appears more than once in one object; send each field once", truncateKey(key)), Field: plainPath(path)})
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

// fieldOf is the JSON path of the member a decoding error is about ("first_user.email",
// "address.city"), as encoding/json names it for a value of the wrong type; "" for others.
func fieldOf(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return typeErr.Field
	}
	return ""
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

// duplicateKey reports the first key that appears twice in one JSON object of raw, at any depth,
// with the path of the object's member ("first_user.email", "items[2].name"). Keys are compared
// after unescaping, so "kind" and "\u006bind" are the same key, as they are to the decoder. raw
// must be valid JSON.
func duplicateKey(raw []byte) (path, key string, found bool) {
	// One pass over the bytes: raw was decoded before, so it is valid JSON and the scan need not
	// check it. A batch of 100,000 entries is 100,000 objects, so the common case allocates
	// nothing: an object's keys are slices of raw (copies only when escaped), compared with
	// bytes.EqualFold, the simple folding encoding/json matches keys with ("KIND" and
	// "\u212aind" both fill kind); an object with many keys switches to a map of folded keys.
	var stack []keyFrame
	wantKey := false // the next string of the object on top is a key
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		top := &stack[len(stack)-1]
		if top.object {
			wantKey = true
		} else {
			top.index++
		}
	}
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; c {
		case '{', '[':
			if len(stack) < cap(stack) { // reuse the frame's key slice from an earlier object
				stack = stack[:len(stack)+1]
				keys := stack[len(stack)-1].keys[:0]
				stack[len(stack)-1] = keyFrame{object: c == '{', keys: keys}
			} else {
				stack = append(stack, keyFrame{object: c == '{'})
			}
			wantKey = c == '{'
		case '}', ']':
			stack = stack[:len(stack)-1]
			valueDone()
		case '"':
			end := i + 1
			escaped := false
			for raw[end] != '"' {
				if raw[end] == '\\' {
					escaped = true
					end++
				}
				end++
			}
			if !wantKey {
				i = end
				valueDone()
				continue
			}
			k := raw[i+1 : end]
			if escaped {
				var unquoted string
				_ = json.Unmarshal(raw[i:end+1], &unquoted) // valid: decoded before
				k = []byte(unquoted)
			}
			i = end
			top := &stack[len(stack)-1]
			top.member = k
			if top.seen(k) {
				return keyPath(stack), string(k), true
			}
			wantKey = false
		case ',', ':', ' ', '\t', '\n', '\r':
		default: // a number, true, false or null
			for i+1 < len(raw) && !strings.ContainsRune(",}] \t\n\r", rune(raw[i+1])) {
				i++
			}
			valueDone()
		}
	}
	return "", "", false
}

// keyFrame is an object or array duplicateKey is reading.
type keyFrame struct {
	object bool
	keys   [][]byte        // the object's keys so far, while few
	many   map[string]bool // folded, once there are many: no body makes the check quadratic
	member []byte          // the member being read, in an object
	index  int             // the element being read, in an array
}

// seen records key in the frame, reporting whether an equal one (folded) was there.
func (f *keyFrame) seen(key []byte) bool {
	if f.many != nil {
		folded := foldKey(string(key))
		if f.many[folded] {
			return true
		}
		f.many[folded] = true
		return false
	}
	for _, k := range f.keys {
		if bytes.EqualFold(k, key) {
			return true
		}
	}
	if len(f.keys) < 16 {
		f.keys = append(f.keys, key)
		return false
	}
	f.many = make(map[string]bool, 32)
	for _, k := range f.keys {
		f.many[foldKey(string(k))] = true
	}
	f.many[foldKey(string(key))] = true
	f.keys = f.keys[:0]
	return false
}

// keyPath names the member being read ("first_user.email", "items[2].name").
func keyPath(stack []keyFrame) string {
	var b strings.Builder
	for _, f := range stack {
		switch {
		case !f.object:
			b.WriteString("[" + strconv.Itoa(f.index) + "]")
		case b.Len() == 0:
			b.Write(f.member)
		default:
			b.WriteString(".")
			b.Write(f.member)
		}
	}
	return b.String()
}

// describeJSONError says what is wrong with a body without echoing its content.
func describeJSONError(err error) string {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("body is not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return fmt.Sprintf("field %q has the wrong type (got a JSON %s)", typeErr.Field, typeErr.Value)
	case errors.As(err, &typeErr):
		return fmt.Sprintf("body must be a JSON object, not a JSON %s", typeErr.Value)
	case errors.As(err, &tooLarge):
		return fmt.Sprintf("body is larger than %d bytes", tooLarge.Limit)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "body is not valid JSON (it ends early)"
	case errors.Is(err, io.EOF):
		return "body is empty"
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	return "body could not be read as the expected JSON object"
}

// foldKey maps every rune of a key to the smallest rune of its Unicode simple-folding orbit, so
// that two keys encoding/json would take for one field fold to the same string.
func foldKey(key string) string {
	return strings.Map(func(r rune) rune {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		return least
	}, key)
}
