package identitycmd

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/identity/user"
)

// ErrInvalidToken: a link token that this service did not issue, for another purpose, or broken.
//
// It answers as the domain's invalid link does: whoever holds a link learns only that it does
// not work.
var ErrInvalidToken = fault.New(fault.Malformed, "invalid or expired link").With(fault.Describe(user.ErrInvalidLink))

// Links signs the tokens of e-mailed links (invitation, password reset, e-mail change). Events
// store only the link's random nonce; the token is user ID + nonce + an HMAC over both under a
// server key, so the event log alone cannot forge or recover a token, and the token names its
// user without any lookup.
type Links struct {
	key []byte
}

// Link purposes: a token for one purpose is refused for another.
const (
	PurposeInvitation    = "invitation"
	PurposePasswordReset = "password-reset"
	PurposeEmailChange   = "email-change"
)

// NewLinks returns a signer with key (at least 32 bytes).
func NewLinks(key []byte) (*Links, error) {
	if len(key) < 32 {
		return nil, fmt.Errorf("token key has %d bytes, want at least 32", len(key))
	}
	return &Links{key: key}, nil
}

// NewNonce returns a fresh random nonce for a link.
func NewNonce() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("nonce: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Token returns the token of a link for user with nonce.
func (l *Links) Token(purpose, userID, nonce string) (string, error) {
	id, err := uuid.Parse(userID)
	if err != nil {
		return "", fmt.Errorf("token for %q: %w", userID, err)
	}
	n, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil {
		return "", fmt.Errorf("token nonce: %w", err)
	}
	body := append(id[:], n...)
	return base64.RawURLEncoding.EncodeToString(append(body, l.mac(purpose, body)...)), nil
}

// Open checks a token and returns the user and nonce it names. Whether the nonce is the user's
// current, unexpired one is the domain's decision.
func (l *Links) Open(purpose, token string) (userID, nonce string, err error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) <= 16+sha256.Size {
		return "", "", ErrInvalidToken
	}
	body, mac := raw[:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	if !hmac.Equal(mac, l.mac(purpose, body)) {
		return "", "", ErrInvalidToken
	}
	id, _ := uuid.FromBytes(body[:16])
	return id.String(), base64.RawURLEncoding.EncodeToString(body[16:]), nil
}

func (l *Links) mac(purpose string, body []byte) []byte {
	h := hmac.New(sha256.New, l.key)
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	h.Write(body)
	return h.Sum(nil)
}
