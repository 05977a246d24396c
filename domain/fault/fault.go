// Package fault lets an error say what kind of failure it is (not found, invalid, taken, ...) and
// what its caller should be told, so that each port (HTTP today) maps a handful of kinds to its
// own answers instead of knowing every context's error values. It imports only the standard
// library, so that the domain can declare its errors with it.
package fault

import "time"

// Kind is what kind of failure an error is: what a caller can do about it, not what caused it.
// The zero Kind is no kind: an error the caller cannot act on (a bug, a broken invariant).
type Kind uint8

// The kinds, in the order Find prefers them when one error holds several: what the request itself
// got wrong comes first, then what the state refuses, then what a retry may cure.
const (
	Internal        Kind = iota // not a fault of the request: a bug or a broken invariant
	Invalid                     // the input breaks a rule; a field says which input, when one does
	Malformed                   // the request cannot be read (a token or cursor this service never issued)
	Unauthenticated             // no valid credentials, or wrong ones
	RateLimited                 // too many attempts; Problem.RetryAfter says when to try again
	Forbidden                   // authenticated, but lacking a permission
	NotFound                    // no such resource, or one outside the caller's reach
	Taken                       // a unique value another owner holds
	State                       // the resource's state refuses the change (not invited, last admin, ...)
	Stale                       // the resource changed since the revision the caller named
	Conflict                    // concurrent changes kept colliding; sending it again may work
	OutcomeUnknown              // the store did not confirm a change that it may have made
	Unavailable                 // a dependency cannot be reached or is overloaded; retry later
)

var kindNames = [...]string{
	Internal: "internal", Invalid: "invalid", Malformed: "malformed", Unauthenticated: "unauthenticated",
	RateLimited: "rate-limited", Forbidden: "forbidden", NotFound: "not-found", Taken: "taken",
	State: "state", Stale: "stale", Conflict: "conflict", OutcomeUnknown: "outcome-unknown",
	Unavailable: "unavailable",
}

// String returns the kind's stable name ("not-found"), e.g. for logs and metrics.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "internal"
}

// Fault is an error that says what kind it is.
type Fault interface {
	error
	Kind() Kind
}

// Problem is what a fault tells the caller beyond its kind. A zero member leaves the port's
// default for the kind.
type Problem struct {
	// Type is a stable slug naming the problem ("already-taken"), for clients to switch on; several
	// errors may share one.
	Type string
	// Title is a short summary, the same for every occurrence of the error.
	Title string
	// Field names the input at fault as the request spells it, dotted when nested
	// ("first_user.email").
	Field string
	// Detail explains this occurrence to a person. It is never the text of an error from below
	// (a driver's message would leak internals).
	Detail string
	// Explain makes the error's message, with the context its callers wrapped around it, the detail
	// ("permission denied: account.update needed"); for errors whose wrapping is meant for the
	// caller.
	Explain bool
	// RetryAfter is how long to wait before trying again (rate limits, overload).
	RetryAfter time.Duration
	// Extensions are further members of the answer (a refused password's strength).
	Extensions map[string]any
}

// Describer is a fault that says more than its kind.
type Describer interface {
	Describe() Problem
}

// Find returns the fault err holds, looking through every error it wraps (errors.Unwrap and
// errors.Join alike). When it holds several, the kind listed first wins, then the outermost: a
// refusal decided on the state beats an outage met on the side, and an unknown outcome beats the
// outage that caused it. ok is false when err holds none.
func Find(err error) (f Fault, ok bool) {
	walk(err, func(e error) {
		if c, is := e.(Fault); is && c.Kind() != Internal && (!ok || c.Kind() < f.Kind()) {
			f, ok = c, true
		}
	})
	return f, ok
}

// walk calls visit for err and every error below it, depth first, outermost first.
func walk(err error, visit func(error)) {
	if err == nil {
		return
	}
	visit(err)
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		walk(u.Unwrap(), visit)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			walk(e, visit)
		}
	}
}

// Describe returns what f says beyond its kind (the zero Problem if nothing).
func Describe(f Fault) Problem {
	if d, ok := f.(Describer); ok {
		return d.Describe()
	}
	return Problem{}
}

// Error is a fault with a fixed message: declare one per outcome callers test for with errors.Is.
type Error struct {
	kind    Kind
	msg     string
	problem Problem
}

// New returns a fault of kind with message msg.
func New(kind Kind, msg string) *Error { return &Error{kind: kind, msg: msg} }

// With returns a copy of e that says p beyond its kind. Declare the result: errors.Is compares
// identities, so e and its copy are different errors.
func (e *Error) With(p Problem) *Error {
	c := *e
	c.problem = p
	return &c
}

func (e *Error) Error() string     { return e.msg }
func (e *Error) Kind() Kind        { return e.kind }
func (e *Error) Describe() Problem { return e.problem }

// Within returns err as the fault of a nested input: the field its fault names, if any, is put
// under prefix ("email" within "first_user" is "first_user.email"). errors.Is and errors.As still
// see everything err holds; an err holding no fault is returned as it is.
func Within(prefix string, err error) error {
	f, ok := Find(err)
	if !ok {
		return err
	}
	return &within{prefix: prefix, err: err, fault: f}
}

type within struct {
	prefix string
	err    error
	fault  Fault
}

func (w *within) Error() string { return w.err.Error() }
func (w *within) Unwrap() error { return w.err }
func (w *within) Kind() Kind    { return w.fault.Kind() }

func (w *within) Describe() Problem {
	p := Describe(w.fault)
	if p.Field != "" {
		p.Field = w.prefix + "." + p.Field
	}
	return p
}
