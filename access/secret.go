package access

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/google/uuid"
)

// NewSecret draws a 256-bit secret for a machine's credentials (a recorder's, a service
// client's) and the digest that is stored instead of it. The secret is high-entropy, so a plain
// SHA-256 is what it needs at rest: a slow hash guards guessable passwords, not this.
func NewSecret(random io.Reader) (secret, digest string, err error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", "", fmt.Errorf("new secret: %w", err)
	}
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, Digest(secret), nil
}

// Digest is the hex SHA-256 of a secret, as stored.
func Digest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// SameSecret compares a secret with a stored digest in constant time.
func SameSecret(secret, digest string) bool {
	return subtle.ConstantTimeCompare([]byte(Digest(secret)), []byte(digest)) == 1
}

// Token is a machine's bearer token: "<kind>.<id>.<secret>".
func Token(prefix, id, secret string) string { return prefix + "." + id + "." + secret }

// ParseToken splits a bearer token made by Token with prefix into its ID and secret; ok is false
// for any other token, and for an ID not in the canonical form issued (lower-case, hyphenated),
// which is the only form ever stored.
func ParseToken(prefix, token string) (id, secret string, ok bool) {
	rest, found := strings.CutPrefix(token, prefix+".")
	if !found {
		return "", "", false
	}
	id, secret, found = strings.Cut(rest, ".")
	parsed, err := uuid.Parse(id)
	if err != nil || parsed.String() != id || !found || secret == "" {
		return "", "", false
	}
	return id, secret, true
}
