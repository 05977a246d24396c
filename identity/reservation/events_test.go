package reservation_test

import (
	"testing"

	"github.com/camcloud/accounts/domain/domaintest"
	"github.com/camcloud/accounts/identity/reservation"
)

func TestEventsListsEveryEventType(t *testing.T) {
	want := []string{"reservation.reserved.v1", "reservation.released.v1"}
	domaintest.ListsEventTypes(t, reservation.Events(), want)
}

// The recorded JSON is a contract with projections and auditors: its field names must not drift.
func TestEventsEncodeAsSnakeCaseJSON(t *testing.T) {
	tests := []struct {
		event reservation.Event
		want  string
	}{
		{
			event: reservation.Reserved{Kind: "email", Value: "jane@example.com", OwnerID: "user-1"},
			want:  `{"kind":"email","value":"jane@example.com","owner_id":"user-1"}`,
		},
		{
			event: reservation.Released{Kind: "email", Value: "jane@example.com", OwnerID: "user-1"},
			want:  `{"kind":"email","value":"jane@example.com","owner_id":"user-1"}`,
		},
	}
	for _, tt := range tests {
		domaintest.EncodesAs(t, tt.event, tt.want)
	}
}
