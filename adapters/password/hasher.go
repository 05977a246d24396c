// Package password hashes and verifies passwords (argon2id) and judges candidate passwords
// against the account service's password policy (length, a list of common passwords and a
// zxcvbn strength estimate).
//
// Plain-text passwords never appear in an error this package returns, and it logs nothing.
package password

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/alexedwards/argon2id"
)

// OWASP's minimum recommendation for argon2id (Password Storage Cheat Sheet): m=19 MiB, t=2, p=1.
const (
	owaspMemoryKiB   = 19 * 1024
	owaspIterations  = 2
	owaspParallelism = 1
	saltLength       = 16
	keyLength        = 32
)

// Limits on the parameters a stored hash may ask for. A hash is our own data, but a corrupt or
// planted one must not make a single verification allocate gigabytes or spin for minutes.
const (
	maxMemoryKiB  = 1024 * 1024 // 1 GiB
	maxIterations = 64
)

// ErrMalformedHash is returned by Verify for a stored hash that is not an argon2id PHC string
// this package can check.
var ErrMalformedHash = errors.New("password: malformed hash")

// Hasher hashes passwords with argon2id and verifies them against stored hashes. It is safe for
// concurrent use.
type Hasher struct {
	params *argon2id.Params
	// dummy is a well-formed hash with params that no password matches; DummyVerify checks
	// against it so that a sign-in for an unknown user costs what one for a known user costs.
	dummy string
}

// OWASPParams returns the parameters NewHasher uses: argon2id with 19 MiB of memory, 2 iterations,
// parallelism 1, a 16-byte salt and a 32-byte key.
func OWASPParams() *argon2id.Params {
	return &argon2id.Params{
		Memory:      owaspMemoryKiB,
		Iterations:  owaspIterations,
		Parallelism: owaspParallelism,
		SaltLength:  saltLength,
		KeyLength:   keyLength,
	}
}

// NewHasher returns a Hasher with OWASP's recommended argon2id parameters (see OWASPParams).
func NewHasher() *Hasher {
	return NewHasherWithParams(OWASPParams())
}

// NewHasherWithParams returns a Hasher with the given parameters (tests use cheaper ones). The
// parameters are copied; nil means OWASPParams.
func NewHasherWithParams(p *argon2id.Params) *Hasher {
	if p == nil {
		p = OWASPParams()
	}
	params := *p
	return &Hasher{params: &params, dummy: dummyHash(params)}
}

// dummyHash returns a well-formed argon2id hash with the given parameters whose key is not the
// hash of any known password: verifying against it costs exactly what a real verification costs
// and never matches (that would take an argon2id preimage).
func dummyHash(p argon2id.Params) string {
	salt := bytes.Repeat([]byte{0x5a}, int(max(p.SaltLength, 8)))
	key := bytes.Repeat([]byte{0xa5}, int(max(p.KeyLength, 16)))
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", p.Memory, p.Iterations, p.Parallelism,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// Params returns a copy of the parameters new hashes are made with.
func (h *Hasher) Params() argon2id.Params {
	return *h.params
}

// Hash returns the argon2id hash of plain as a PHC string
// ($argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>), with a fresh random salt.
func (h *Hasher) Hash(plain string) (string, error) {
	hash, err := argon2id.CreateHash(plain, h.params)
	if err != nil {
		return "", fmt.Errorf("password: hash: %w", err)
	}
	return hash, nil
}

// Verify reports whether plain matches hash. The keys are compared in constant time. A hash that
// cannot be checked gives an error wrapping ErrMalformedHash (never a match).
func (h *Hasher) Verify(plain, hash string) (bool, error) {
	params, _, _, err := argon2id.DecodeHash(hash)
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrMalformedHash, err)
	}
	if params.Memory > maxMemoryKiB || params.Iterations > maxIterations || params.Iterations == 0 ||
		params.Parallelism == 0 || params.KeyLength == 0 {
		return false, fmt.Errorf("%w: parameters out of range (m=%d, t=%d, p=%d)",
			ErrMalformedHash, params.Memory, params.Iterations, params.Parallelism)
	}
	ok, err := argon2id.ComparePasswordAndHash(plain, hash)
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrMalformedHash, err)
	}
	return ok, nil
}

// DummyVerify verifies plain against a fixed dummy hash made with this Hasher's parameters and
// throws the result away. Call it when the user signing in does not exist, so that the answer
// takes as long as a wrong password for an existing user.
func (h *Hasher) DummyVerify(plain string) {
	_, _ = h.Verify(plain, h.dummy)
}

// NeedsRehash reports whether hash was made with parameters other than this Hasher's (for
// example before the parameters were raised), so that the caller can store a fresh hash after a
// successful sign-in. A hash that cannot be decoded needs a rehash too.
func (h *Hasher) NeedsRehash(hash string) bool {
	p, _, _, err := argon2id.DecodeHash(hash)
	if err != nil {
		return true
	}
	return p.Memory != h.params.Memory || p.Iterations != h.params.Iterations ||
		p.Parallelism != h.params.Parallelism || p.SaltLength != h.params.SaltLength ||
		p.KeyLength != h.params.KeyLength
}
