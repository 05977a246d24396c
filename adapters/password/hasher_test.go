package password

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
)

// cheap are parameters that keep the tests fast; NewHasher's own are checked separately.
var cheap = &argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

const secret = "mellow otter carpet drifts"

func TestNewHasherUsesOWASPParameters(t *testing.T) {
	got := NewHasher().Params()
	want := argon2id.Params{Memory: 19456, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	if got != want {
		t.Fatalf("params %+v, want %+v (OWASP: m=19 MiB, t=2, p=1)", got, want)
	}
}

func TestHashVerifyRoundTrip(t *testing.T) {
	h := NewHasherWithParams(cheap)
	hash, err := h.Hash(secret)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q is not an argon2id PHC string with the hasher's parameters", hash)
	}
	ok, err := h.Verify(secret, hash)
	if err != nil || !ok {
		t.Fatalf("Verify(right password) = %v, %v; want true, nil", ok, err)
	}
	// A hash made with other parameters still verifies: they are read from the hash.
	ok, err = NewHasherWithParams(&argon2id.Params{Memory: 128, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}).Verify(secret, hash)
	if err != nil || !ok {
		t.Fatalf("Verify with another hasher = %v, %v; want true, nil", ok, err)
	}
}

func TestVerifyWrongPassword(t *testing.T) {
	h := NewHasherWithParams(cheap)
	hash, err := h.Hash(secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, wrong := range []string{"", "mellow otter carpet drift", "Mellow otter carpet drifts", secret + " "} {
		ok, err := h.Verify(wrong, hash)
		if err != nil || ok {
			t.Errorf("Verify(%q) = %v, %v; want false, nil", wrong, ok, err)
		}
	}
}

func TestHashIsSaltedAndHidesThePassword(t *testing.T) {
	h := NewHasherWithParams(cheap)
	a, err := h.Hash(secret)
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.Hash(secret)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatal("two hashes of the same password are equal: no random salt")
	}
	for _, hash := range []string{a, b} {
		if strings.Contains(hash, secret) || strings.Contains(hash, "mellow") {
			t.Fatalf("hash %q contains the password", hash)
		}
	}
}

func TestVerifyMalformedHash(t *testing.T) {
	h := NewHasherWithParams(cheap)
	for _, bad := range []string{
		"",
		secret,
		"$2a$10$abcdefghijklmnopqrstuv", // bcrypt
		"$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5",      // would panic in argon2
		"$argon2id$v=19$m=64,t=1,p=0$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5",      // would panic in argon2
		"$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5", // 4 GiB
		"$argon2id$v=19$m=64,t=1,p=1$not base64!$a2V5a2V5a2V5a2V5",
	} {
		ok, err := h.Verify(secret, bad)
		if ok || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("Verify(_, %q) = %v, %v; want false, ErrMalformedHash", bad, ok, err)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("error %q contains the password", err)
		}
	}
}

func TestDummyVerifyCostsWhatVerifyCosts(t *testing.T) {
	// Parameters heavy enough that the hash, not the noise, dominates the time.
	h := NewHasherWithParams(&argon2id.Params{Memory: 8 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32})
	hash, err := h.Hash(secret)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := h.Verify(secret, h.dummy); ok {
		t.Fatal("the dummy hash matches a password")
	}
	if h.NeedsRehash(h.dummy) {
		t.Fatal("the dummy hash does not have the hasher's parameters")
	}
	measure := func(f func()) time.Duration {
		best := time.Duration(1 << 62)
		for range 5 {
			start := time.Now()
			f()
			best = min(best, time.Since(start))
		}
		return best
	}
	known := measure(func() { _, _ = h.Verify("wrong password", hash) })
	unknown := measure(func() { _ = h.DummyVerify("wrong password") })
	if ratio := float64(unknown) / float64(known); ratio < 0.4 || ratio > 2.5 {
		t.Fatalf("DummyVerify took %v, Verify %v: they should cost about the same", unknown, known)
	}
}

func TestNeedsRehash(t *testing.T) {
	old := NewHasherWithParams(cheap)
	hash, err := old.Hash(secret)
	if err != nil {
		t.Fatal(err)
	}
	if old.NeedsRehash(hash) {
		t.Error("a hash with the current parameters needs a rehash")
	}
	stronger := NewHasherWithParams(&argon2id.Params{Memory: 128, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32})
	if !stronger.NeedsRehash(hash) {
		t.Error("a hash with weaker parameters does not need a rehash")
	}
	if !old.NeedsRehash("not a hash") {
		t.Error("a malformed hash does not need a rehash")
	}
}

func TestHasherCopiesParams(t *testing.T) {
	p := *cheap
	h := NewHasherWithParams(&p)
	p.Memory = 1
	if h.Params().Memory != cheap.Memory {
		t.Fatal("changing the caller's params changed the hasher")
	}
}

// BenchmarkHash measures one hash with the production (OWASP) parameters.
func BenchmarkHash(b *testing.B) {
	h := NewHasher()
	for b.Loop() {
		if _, err := h.Hash(secret); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures one verification with the production parameters: the cost of a
// sign-in.
func BenchmarkVerify(b *testing.B) {
	h := NewHasher()
	hash, err := h.Hash(secret)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, err := h.Verify(secret, hash); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkCheck measures the policy check the web client calls while the user types.
func BenchmarkCheck(b *testing.B) {
	for b.Loop() {
		Policy{}.Check("Alice rides purple giraffes", "alicesmith", "alice.smith@example.com")
	}
}

// TestConcurrentHashingIsBounded: however many verifications are asked for at once, at most the
// configured number run at the same time (each holds its argon2id memory while it runs); the
// others wait their turn and still succeed.
func TestConcurrentHashingIsBounded(t *testing.T) {
	cases := []struct {
		name        string
		concurrency int
		callers     int
	}{
		{"one at a time", 1, 40},
		{"two at a time", 2, 100},
		{"default: GOMAXPROCS", 0, 100},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := NewHasherWithParams(cheap, Limits{Concurrency: c.concurrency, QueueWait: time.Minute})
			hash, err := h.Hash(secret)
			if err != nil {
				t.Fatal(err)
			}
			var running, peak atomic.Int64
			compare := h.compare
			h.compare = func(plain, hash string) (bool, error) {
				n := running.Add(1)
				defer running.Add(-1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				time.Sleep(2 * time.Millisecond) // long enough for callers to pile up
				return compare(plain, hash)
			}
			var wg sync.WaitGroup
			for i := range c.callers {
				wg.Go(func() {
					var err error
					if i%2 == 0 {
						err = h.DummyVerify("wrong")
					} else if ok, verr := h.Verify(secret, hash); verr != nil || !ok {
						err = fmt.Errorf("Verify = %v, %v", ok, verr)
					}
					if err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			want := int64(h.Limits().Concurrency)
			if got := peak.Load(); got > want || got < 1 {
				t.Fatalf("%d verifications ran at once, want at most %d", got, want)
			}
		})
	}
}

// TestBusyHasherFailsAfterTheQueueWait: while every slot is taken, Hash, Verify and DummyVerify
// give up after the queue wait with ErrBusy (the HTTP layer answers 503), and work again once a
// slot is free.
func TestBusyHasherFailsAfterTheQueueWait(t *testing.T) {
	h := NewHasherWithParams(cheap, Limits{Concurrency: 2, QueueWait: 50 * time.Millisecond})
	hash, err := h.Hash(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.slots.Acquire(t.Context(), 2); err != nil { // two long operations elsewhere
		t.Fatal(err)
	}
	ops := map[string]func() error{
		"Hash":        func() error { _, err := h.Hash(secret); return err },
		"Verify":      func() error { _, err := h.Verify(secret, hash); return err },
		"DummyVerify": func() error { return h.DummyVerify(secret) },
	}
	for name, op := range ops {
		start := time.Now()
		err := op()
		if !errors.Is(err, ErrBusy) {
			t.Errorf("%s while busy: %v, want ErrBusy", name, err)
		}
		if waited := time.Since(start); waited < 40*time.Millisecond || waited > 2*time.Second {
			t.Errorf("%s gave up after %v, want about the queue wait (50ms)", name, waited)
		}
	}
	h.slots.Release(1)
	for name, op := range ops {
		if err := op(); err != nil {
			t.Errorf("%s with a free slot: %v", name, err)
		}
	}
}
