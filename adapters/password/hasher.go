// Package password hashes and verifies passwords (argon2id) and judges candidate passwords
// against the account service's password policy (length, a list of common passwords and a
// zxcvbn strength estimate).
//
// Plain-text passwords never appear in an error this package returns, and it logs nothing.
package password

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/alexedwards/argon2id"
	"golang.org/x/sync/semaphore"

	"github.com/camcloud/accounts/domain/fault"
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

// ErrBusy is returned by Hash, Verify and DummyVerify when no hashing slot freed up within the
// queue wait: the service is overloaded and the caller should retry later (503).
//
// Shedding load keeps memory bounded: each hash holds 19 MiB.
var ErrBusy = fault.New(fault.Unavailable, "password: too many hashes at once; retry shortly").With(fault.Problem{
	Type: "busy", Title: "Busy", Detail: "too many sign-ins at once; retry shortly",
})

// Hasher hashes passwords with argon2id and verifies them against stored hashes. It is safe for
// concurrent use. Each operation holds its memory (19 MiB with OWASP's parameters) while it
// runs, so at most Concurrency run at once and the others wait in line, at most QueueWait:
// memory stays bounded under any burst of sign-ins.
type Hasher struct {
	params *argon2id.Params
	// dummy is a well-formed hash with params that no password matches; DummyVerify checks
	// against it so that a sign-in for an unknown user costs what one for a known user costs.
	dummy string
	slots *semaphore.Weighted
	limit Limits
	// compare is argon2id.ComparePasswordAndHash; tests count the comparisons running at once.
	compare func(plain, hash string) (bool, error)
}

// Limits bound concurrent hashing.
type Limits struct {
	// Concurrency is how many argon2id operations run at once; 0 means GOMAXPROCS (each
	// operation uses one core, so more at once adds memory, not throughput).
	Concurrency int
	// QueueWait is how long an operation waits for a slot before it fails with ErrBusy; 0 means
	// DefaultQueueWait.
	QueueWait time.Duration
}

// DefaultQueueWait is how long an operation waits for a hashing slot by default: a few hundred
// verifications' worth on a small machine, short enough that a client hears back in seconds.
const DefaultQueueWait = 3 * time.Second

func (l Limits) withDefaults() Limits {
	if l.Concurrency <= 0 {
		l.Concurrency = runtime.GOMAXPROCS(0)
	}
	if l.QueueWait <= 0 {
		l.QueueWait = DefaultQueueWait
	}
	return l
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

// NewHasher returns a Hasher with OWASP's recommended argon2id parameters (see OWASPParams) and
// the given limits on concurrent hashing (none: the defaults of Limits).
func NewHasher(limits ...Limits) *Hasher {
	return NewHasherWithParams(OWASPParams(), limits...)
}

// NewHasherWithParams returns a Hasher with the given parameters (tests use cheaper ones). The
// parameters are copied; nil means OWASPParams.
func NewHasherWithParams(p *argon2id.Params, limits ...Limits) *Hasher {
	if p == nil {
		p = OWASPParams()
	}
	params := *p
	var l Limits
	if len(limits) > 0 {
		l = limits[0]
	}
	l = l.withDefaults()
	return &Hasher{params: &params, dummy: dummyHash(params), slots: semaphore.NewWeighted(int64(l.Concurrency)), limit: l,
		compare: argon2id.ComparePasswordAndHash}
}

// Limits returns the bounds on concurrent hashing in force.
func (h *Hasher) Limits() Limits { return h.limit }

// slot waits for a hashing slot, at most the queue wait; call the returned release when done.
func (h *Hasher) slot() (release func(), err error) {
	ctx, cancel := context.WithTimeout(context.Background(), h.limit.QueueWait)
	defer cancel()
	if err := h.slots.Acquire(ctx, 1); err != nil {
		return nil, ErrBusy
	}
	return func() { h.slots.Release(1) }, nil
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
	release, err := h.slot()
	if err != nil {
		return "", err
	}
	defer release()
	hash, err := argon2id.CreateHash(plain, h.params)
	if err != nil {
		return "", fmt.Errorf("password: hash: %w", err)
	}
	return hash, nil
}

// Verify reports whether plain matches hash. The keys are compared in constant time. A hash that
// cannot be checked gives an error wrapping ErrMalformedHash (never a match); ErrBusy when no
// slot freed up in time.
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
	release, err := h.slot()
	if err != nil {
		return false, err
	}
	defer release()
	ok, err := h.compare(plain, hash)
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrMalformedHash, err)
	}
	return ok, nil
}

// DummyVerify verifies plain against a fixed dummy hash made with this Hasher's parameters and
// throws the result away. Call it when the user signing in does not exist, so that the answer
// takes as long as a wrong password for an existing user. It waits for a slot like Verify, and
// fails with ErrBusy like Verify, so that under load an unknown user is answered as a known one.
func (h *Hasher) DummyVerify(plain string) error {
	_, err := h.Verify(plain, h.dummy) // well-formed: only ErrBusy can come back
	return err
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
