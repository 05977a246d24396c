package fault_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/camcloud/accounts/domain/fault"
)

var (
	errTaken   = fault.New(fault.Taken, "username is taken").With(fault.Problem{Title: "Username taken", Field: "username"})
	errDown    = fault.New(fault.Unavailable, "store unavailable")
	errUnknown = fault.New(fault.OutcomeUnknown, "outcome unknown")
	errMissing = fault.New(fault.NotFound, "user not found")
)

// fieldError is a fault of its own type, as the domain declares them.
type fieldError struct{ name string }

func (e fieldError) Error() string           { return e.name + ": bad" }
func (e fieldError) Kind() fault.Kind        { return fault.Invalid }
func (e fieldError) Describe() fault.Problem { return fault.Problem{Field: e.name} }

func TestFind(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error // the fault found; nil for none
	}{
		{"none", errors.New("boom"), nil},
		{"nil", nil, nil},
		{"itself", errMissing, errMissing},
		{"wrapped", fmt.Errorf("load user: %w", errMissing), errMissing},
		{"joined with nothing", errors.Join(nil, errTaken), errTaken},
		{"a refusal beats an outage met on the side", errors.Join(fmt.Errorf("read: %w", errDown), errTaken), errTaken},
		{"an unknown outcome beats the outage that caused it", fmt.Errorf("append: %w: %w", errDown, errUnknown), errUnknown},
		{"of one kind the outermost", fmt.Errorf("%w: %w", errMissing, fault.New(fault.NotFound, "inner")), errMissing},
		{"an Internal kind is no fault", fault.New(fault.Internal, "invariant"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := fault.Find(tt.err)
			if tt.want == nil {
				if ok {
					t.Fatalf("found %v, want none", got)
				}
				return
			}
			if !ok || got != tt.want {
				t.Fatalf("found %v (%v), want %v", got, ok, tt.want)
			}
		})
	}
}

func TestWithin(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantField string
		wantKind  fault.Kind
	}{
		{"a sentinel's field", fmt.Errorf("invite: %w", errTaken), "first_user.username", fault.Taken},
		{"a typed fault's field", fieldError{name: "email"}, "first_user.email", fault.Invalid},
		{"no field stays none", errDown, "", fault.Unavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := fault.Within("first_user", tt.err)
			f, ok := fault.Find(err)
			if !ok || f.Kind() != tt.wantKind {
				t.Fatalf("kind %v (%v), want %v", f, ok, tt.wantKind)
			}
			if got := fault.Describe(f).Field; got != tt.wantField {
				t.Errorf("field %q, want %q", got, tt.wantField)
			}
			if !errors.Is(err, tt.err) || err.Error() != tt.err.Error() {
				t.Errorf("within hides %v: %v", tt.err, err)
			}
		})
	}

	t.Run("an error holding no fault is left alone", func(t *testing.T) {
		plain := errors.New("boom")
		if got := fault.Within("first_user", plain); got != plain {
			t.Errorf("got %v, want the error itself", got)
		}
	})
}

// With gives a new sentinel: errors.Is tells it from the one it was made from.
func TestWithCopies(t *testing.T) {
	base := fault.New(fault.Taken, "taken")
	named := base.With(fault.Problem{Field: "name"})
	if errors.Is(named, base) || fault.Describe(base).Field != "" || fault.Describe(named).Field != "name" {
		t.Errorf("With changed or aliased its receiver")
	}
	if named.Error() != "taken" || named.Kind() != fault.Taken {
		t.Errorf("With lost the message or kind: %q %v", named.Error(), named.Kind())
	}
}

func TestKindNames(t *testing.T) {
	seen := map[string]bool{}
	for k := fault.Internal; k <= fault.Unavailable; k++ {
		name := k.String()
		if name == "" || seen[name] {
			t.Errorf("kind %d has the name %q, empty or twice", k, name)
		}
		seen[name] = true
	}
	if got := fault.Kind(200).String(); got != "internal" {
		t.Errorf("an unknown kind is %q, want internal", got)
	}
}
