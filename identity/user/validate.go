package user

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/camcloud/accounts/identity/reservation"
)

// normalizeUsername returns the username as it is stored: trimmed, in the case typed. The rules
// are reservation.NormalizeUsername's, whose lower-case key the command layer reserves.
func normalizeUsername(s string) (string, error) {
	if _, err := reservation.NormalizeUsername(s); err != nil {
		return "", err
	}
	return strings.TrimSpace(s), nil
}

// normalizeEmail returns the address as it is stored, trimmed, and its lower-case key. The rules
// are reservation.NormalizeEmail's.
func normalizeEmail(s string) (email, key string, err error) {
	key, err = reservation.NormalizeEmail(s)
	if err != nil {
		return "", "", err
	}
	return strings.TrimSpace(s), key, nil
}

// emailKey is the key of an address already stored, hence valid.
func emailKey(email string) string {
	key, _ := reservation.NormalizeEmail(email)
	return key
}

// normalizeGroupIDs returns ids sorted and without duplicates, in a new slice. At least one is
// required: a user in no group could sign in but do nothing, and would be forgotten in the list.
func normalizeGroupIDs(ids []string) ([]string, error) {
	const field = "group_ids"
	if len(ids) == 0 {
		return nil, invalid(field, "must name at least one group")
	}
	if slices.Contains(ids, "") {
		return nil, invalid(field, "must not contain an empty id")
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out), nil
}

// newLink validates a link the command layer opens: a nonce (anything non-empty: the token's
// strength is its HMAC's, and the nonce only needs to differ from earlier ones) and an expiry after
// now. The expiry is stored in UTC.
func newLink(nonce string, expires, now time.Time) (Link, error) {
	if nonce == "" {
		return Link{}, invalid("nonce", "must not be empty")
	}
	if !expires.After(now) {
		return Link{}, invalid("expires_at", "must be after the current time")
	}
	return Link{Nonce: nonce, ExpiresAt: expires.UTC()}, nil
}

// validatePasswordHash checks that hash looks like a PHC string ("$argon2id$v=19$m=...$salt$hash"):
// "$", an algorithm id of lower-case letters, digits and '-', and at least one more "$". The
// domain does not verify hashes, but this catches a caller handing over a password by mistake
// (which would then be recorded for ever).
func validatePasswordHash(hash string) error {
	const field = "password_hash"
	rest, ok := strings.CutPrefix(hash, "$")
	id, params, found := strings.Cut(rest, "$")
	if !ok || !found || id == "" || params == "" || strings.ContainsFunc(id, func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-')
	}) {
		return invalid(field, "must be a password hash in PHC format ($argon2id$...), never a password")
	}
	return nil
}

// maxTimeZoneLength is longer than any IANA zone name (the longest has about 30 characters).
const maxTimeZoneLength = 64

// normalizeTimeZone returns the trimmed zone, or a ValidationError for "time_zone" unless it looks
// like an IANA time zone name ("Europe/Prague", "America/Argentina/Buenos_Aires", "Etc/GMT+1",
// "UTC"): ASCII letters, digits, '/', '_', '-' and '+', at most 64 characters, starting with a
// letter, without empty parts between slashes. "Local" is refused: it names the server's zone,
// not one of the user's. Whether the name is in the time zone database is checked by the caller
// that loads it (this package does no I/O).
func normalizeTimeZone(tz string) (string, error) {
	const field = "time_zone"
	tz = strings.TrimSpace(tz)
	switch {
	case tz == "":
		return "", invalid(field, "must not be empty")
	case len(tz) > maxTimeZoneLength:
		return "", invalid(field, fmt.Sprintf("must be at most %d characters", maxTimeZoneLength))
	case !('a' <= tz[0] && tz[0] <= 'z' || 'A' <= tz[0] && tz[0] <= 'Z'):
		return "", invalid(field, `must start with a letter, like "Europe/Prague"`)
	case tz == "Local":
		return "", invalid(field, `must name a time zone such as "Europe/Prague", not "Local"`)
	}
	for _, r := range tz {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("/_-+", r)) {
			return "", invalid(field, fmt.Sprintf("must not contain %q: time zones are named like \"Europe/Prague\"", r))
		}
	}
	if slices.Contains(strings.Split(tz, "/"), "") {
		return "", invalid(field, "must not have empty parts between slashes")
	}
	return tz, nil
}
