package password

import (
	"errors"
	"strings"
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
	unknown := measure(func() { h.DummyVerify("wrong password") })
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
