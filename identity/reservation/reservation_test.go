package reservation_test

import (
	"errors"
	"testing"

	"github.com/camcloud/accounts/domain/domaintest"
	"github.com/camcloud/accounts/identity/reservation"
)

// rule is one business rule of the reservation aggregate (domaintest.Rule).
type rule = domaintest.Rule[reservation.Reservation, reservation.Event]

// refused is the error a rule expects when the command is invalid in field.
func refused(field string) error { return domaintest.Refused(field) }

func check(t *testing.T, rules []rule) {
	t.Helper()
	domaintest.Check(t, reservation.Reservation.Apply, rules)
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
			Name: "a value nobody holds is taken",
			When: reserve(reservation.KindUsername, "jane.doe", "user-1"),
			Then: history(janeReserved),
		},
		{
			Name:  "the same owner reserving again changes nothing: a retry succeeds",
			Given: history(janeReserved),
			When:  reserve(reservation.KindUsername, "jane.doe", "user-1"),
		},
		{
			Name:    "a value another owner holds is taken",
			Given:   history(janeReserved),
			When:    reserve(reservation.KindUsername, "jane.doe", "user-2"),
			ThenErr: reservation.ErrTaken,
		},
		{
			Name:  "a released value can be taken by another owner",
			Given: history(janeReserved, janeReleased),
			When:  reserve(reservation.KindUsername, "jane.doe", "user-2"),
			Then:  history(bobReserved),
		},
		{
			Name:  "a released value can be taken back by its former owner",
			Given: history(janeReserved, janeReleased),
			When:  reserve(reservation.KindUsername, "jane.doe", "user-1"),
			Then:  history(janeReserved),
		},
		{
			Name:    "the state is checked before the content: a held value wins over a missing owner",
			Given:   history(janeReserved),
			When:    reserve(reservation.KindUsername, "jane.doe", ""),
			ThenErr: reservation.ErrTaken,
		},
		{
			Name:    "a reservation needs a kind",
			When:    reserve("", "jane.doe", "user-1"),
			ThenErr: refused("kind"),
		},
		{
			Name:    "a reservation needs a value",
			When:    reserve(reservation.KindEmail, "", "user-1"),
			ThenErr: refused("value"),
		},
		{
			Name:    "a reservation needs an owner",
			When:    reserve(reservation.KindEmail, "jane@example.com", ""),
			ThenErr: refused("owner_id"),
		},
	})
}

func TestRelease(t *testing.T) {
	check(t, []rule{
		{
			Name:  "the holder releases the value",
			Given: history(janeReserved),
			When:  release("user-1"),
			Then:  history(janeReleased),
		},
		{
			Name:  "releasing a released value changes nothing",
			Given: history(janeReserved, janeReleased),
			When:  release("user-1"),
		},
		{
			Name: "releasing a value nobody ever held changes nothing",
			When: release("user-1"),
		},
		{
			Name:  "another owner cannot release the value",
			Given: history(janeReserved),
			When:  release("user-2"),
		},
		{
			Name:  "a former holder cannot release the value its new holder took",
			Given: history(janeReserved, janeReleased, bobReserved),
			When:  release("user-1"),
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
