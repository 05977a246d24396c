// Package domaintest runs the aggregates' given/when/then rules, so each aggregate's tests state
// only the rules: given the events already in a stream, when a command is decided on the folded
// state, then it yields these events or fails with this error.
package domaintest

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/camcloud/accounts/domain/field"
)

// Rule is one business rule of an aggregate: given the events already in its stream (or State,
// when the state is not folded from events, such as an implicit built-in one), when a command
// is decided on the folded state, then it yields these events or fails with this error.
type Rule[S, E any] struct {
	Name    string
	Given   []E
	State   *S
	When    func(S) ([]E, error)
	Then    []E
	ThenErr error // matched as AssertError matches
}

// Check runs each rule as a subtest, folding its Given events with apply from the zero state.
func Check[S, E any](t *testing.T, apply func(S, E) S, rules []Rule[S, E]) {
	t.Helper()
	for _, r := range rules {
		state := Fold(apply, r.Given...)
		if r.State != nil {
			state = *r.State
		}
		Decide(t, r.Name, state, r.When, r.Then, r.ThenErr)
	}
}

// Fold returns the state after events, from the zero state.
func Fold[S, E any](apply func(S, E) S, events ...E) S {
	var state S
	for _, e := range events {
		state = apply(state, e)
	}
	return state
}

// Refused is the error a rule expects when the command is invalid in the named field.
func Refused(name string) error { return &field.Error{Field: name} }

// Decide runs one rule as a subtest: when(state) must give then, or fail matching thenErr.
func Decide[S, E any](t *testing.T, name string, state S, when func(S) ([]E, error), then []E, thenErr error) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		got, err := when(state)
		if thenErr != nil {
			if got != nil {
				t.Errorf("events = %#v, want none", got)
			}
			AssertError(t, err, thenErr)
			return
		}
		if err != nil {
			t.Fatalf("error = %v, want events %#v", err, then)
		}
		if !reflect.DeepEqual(got, then) {
			t.Errorf("events =\n\t%#v\nwant\n\t%#v", got, then)
		}
	})
}

// AssertError checks err against want: with errors.Is, except that a want made by Refused matches
// any field error for the same field that says what the problem is.
func AssertError(t *testing.T, err, want error) {
	t.Helper()
	var wantInvalid *field.Error
	if !errors.As(want, &wantInvalid) {
		if !errors.Is(err, want) {
			t.Errorf("error = %v, want %v", err, want)
		}
		return
	}
	var invalid *field.Error
	switch {
	case !errors.Is(err, field.ErrInvalid):
		t.Errorf("error = %v, want it to match ErrInvalid", err)
	case !errors.As(err, &invalid):
		t.Errorf("error = %v (%T), want a field error", err, err)
	case invalid.Field != wantInvalid.Field:
		t.Errorf("error = %v, want one for field %q", err, wantInvalid.Field)
	case invalid.Problem == "":
		t.Errorf("error for %q has no problem", invalid.Field)
	}
}

// ListsEventTypes checks that an aggregate's Events() names exactly the wanted types, in order,
// each as a zero struct value (what the codec registers).
func ListsEventTypes[E interface{ EventType() string }](t *testing.T, events []E, want []string) {
	t.Helper()
	var got []string
	for _, e := range events {
		if v := reflect.ValueOf(e); v.Kind() != reflect.Struct || !v.IsZero() {
			t.Errorf("Events() holds %#v, want zero struct values", e)
		}
		got = append(got, e.EventType())
	}
	if !slices.Equal(got, want) {
		t.Errorf("event types = %q, want %q", got, want)
	}
}

// EncodesAs checks, as a subtest named for the event type, that an event's recorded JSON is want
// and that it decodes back to the same event: the JSON is a contract with projections and
// auditors, so its field names must not drift.
func EncodesAs[E interface{ EventType() string }](t *testing.T, event E, want string) {
	t.Helper()
	t.Run(event.EventType(), func(t *testing.T) {
		data, err := json.Marshal(event)
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != want {
			t.Errorf("JSON =\n\t%s\nwant\n\t%s", data, want)
		}
		decoded := reflect.New(reflect.TypeOf(event))
		if err := json.Unmarshal(data, decoded.Interface()); err != nil {
			t.Fatal(err)
		}
		if got := decoded.Elem().Interface(); !reflect.DeepEqual(got, any(event)) {
			t.Errorf("decoded %#v, want %#v", got, event)
		}
	})
}
