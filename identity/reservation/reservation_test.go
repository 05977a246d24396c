package reservation_test

import (
	"errors"
	"testing"

	"github.com/camcloud/accounts/domain/domaintest"
	"github.com/camcloud/accounts/identity/reservation"
)

// rule is one business rule of a reservation: given the events already in the value's stream,
// when a command is decided on the folded state, then it yields these events or fails with this
// error.
type rule struct {
	name    string
	given   []reservation.Event
	when    func(reservation.Reservation) ([]reservation.Event, error)
	then    []reservation.Event
	thenErr error // matched with errors.Is; a *reservation.ValidationError matches on its Field
}

// refused is the error a rule expects when the command is invalid in field.
func refused(field string) error { return domaintest.Refused(field) }

func check(t *testing.T, rules []rule) {
	t.Helper()
	for _, r := range rules {
		domaintest.Decide(t, r.name, reservation.Fold(r.given...), r.when, r.then, r.thenErr)
	}
}

func history(events ...reservation.Event) []reservation.Event { return events }

var (
	janeReserved = reservation.Reserved{Kind: reservation.KindUsername, Value: "jane.doe", OwnerID: "user-1"}
	janeReleased = reservation.Released{Kind: reservation.KindUsername, Value: "jane.doe", OwnerID: "user-1"}
	bobReserved  = reservation.Reserved{Kind: reservation.KindUsername, Value: "jane.doe", OwnerID: "user-2"}
)

func reserve(kind, value, owner string) func(reservation.Reservation) ([]reservation.Event, error) {
	return func(r reservation.Reservation) ([]reservation.Event, error) { return r.Reserve(kind, value, owner) }
}

func release(owner string) func(reservation.Reservation) ([]reservation.Event, error) {
	return func(r reservation.Reservation) ([]reservation.Event, error) { return r.Release(owner) }
}

func TestReserve(t *testing.T) {
	check(t, []rule{
		{
			name: "a value nobody holds is taken",
			when: reserve(reservation.KindUsername, "jane.doe", "user-1"),
			then: history(janeReserved),
		},
		{
			name:  "the same owner reserving again changes nothing: a retry succeeds",
			given: history(janeReserved),
			when:  reserve(reservation.KindUsername, "jane.doe", "user-1"),
		},
		{
			name:    "a value another owner holds is taken",
			given:   history(janeReserved),
			when:    reserve(reservation.KindUsername, "jane.doe", "user-2"),
			thenErr: reservation.ErrTaken,
		},
		{
			name:  "a released value can be taken by another owner",
			given: history(janeReserved, janeReleased),
			when:  reserve(reservation.KindUsername, "jane.doe", "user-2"),
			then:  history(bobReserved),
		},
		{
			name:  "a released value can be taken back by its former owner",
			given: history(janeReserved, janeReleased),
			when:  reserve(reservation.KindUsername, "jane.doe", "user-1"),
			then:  history(janeReserved),
		},
		{
			name:    "the state is checked before the content: a held value wins over a missing owner",
			given:   history(janeReserved),
			when:    reserve(reservation.KindUsername, "jane.doe", ""),
			thenErr: reservation.ErrTaken,
		},
		{
			name:    "a reservation needs a kind",
			when:    reserve("", "jane.doe", "user-1"),
			thenErr: refused("kind"),
		},
		{
			name:    "a reservation needs a value",
			when:    reserve(reservation.KindEmail, "", "user-1"),
			thenErr: refused("value"),
		},
		{
			name:    "a reservation needs an owner",
			when:    reserve(reservation.KindEmail, "jane@example.com", ""),
			thenErr: refused("owner_id"),
		},
	})
}

func TestRelease(t *testing.T) {
	check(t, []rule{
		{
			name:  "the holder releases the value",
			given: history(janeReserved),
			when:  release("user-1"),
			then:  history(janeReleased),
		},
		{
			name:  "releasing a released value changes nothing",
			given: history(janeReserved, janeReleased),
			when:  release("user-1"),
		},
		{
			name: "releasing a value nobody ever held changes nothing",
			when: release("user-1"),
		},
		{
			name:  "another owner cannot release the value",
			given: history(janeReserved),
			when:  release("user-2"),
		},
		{
			name:  "a former holder cannot release the value its new holder took",
			given: history(janeReserved, janeReleased, bobReserved),
			when:  release("user-1"),
		},
	})
}

type unknownEvent struct{}

func (unknownEvent) EventType() string { return "reservation.transferred.v1" }

func TestFold(t *testing.T) {
	tests := []struct {
		name   string
		events []reservation.Event
		want   reservation.Reservation
	}{
		{
			name: "an empty stream is a value nobody holds",
			want: reservation.Reservation{},
		},
		{
			name:   "a reserved value is held by its owner",
			events: history(janeReserved),
			want:   reservation.Reservation{Kind: "username", Value: "jane.doe", OwnerID: "user-1", Held: true},
		},
		{
			name:   "a released value is held by nobody",
			events: history(janeReserved, janeReleased),
			want:   reservation.Reservation{Kind: "username", Value: "jane.doe"},
		},
		{
			name:   "the latest owner holds it; unknown events change nothing",
			events: history(janeReserved, janeReleased, bobReserved, unknownEvent{}),
			want:   reservation.Reservation{Kind: "username", Value: "jane.doe", OwnerID: "user-2", Held: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := reservation.Fold(tt.events...); got != tt.want {
				t.Errorf("Fold() =\n\t%#v\nwant\n\t%#v", got, tt.want)
			}
		})
	}
}

func TestValidationError(t *testing.T) {
	_, err := reservation.NormalizeUsername("")
	if got, want := err.Error(), "username: must not be empty"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, reservation.ErrInvalid) || errors.Is(err, reservation.ErrTaken) {
		t.Errorf("error %v matches the wrong sentinels", err)
	}
	var byPointer *reservation.ValidationError
	if !errors.As(err, &byPointer) || byPointer.Field != "username" {
		t.Errorf("errors.As(*ValidationError) gave %#v", byPointer)
	}
	var byValue reservation.ValidationError
	if !errors.As(err, &byValue) || byValue.Field != "username" {
		t.Errorf("errors.As(ValidationError) gave %#v", byValue)
	}
}
