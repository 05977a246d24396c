package reservation_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/camcloud/accounts/domain/reservation"
)

func TestEventsListsEveryEventType(t *testing.T) {
	want := []string{"reservation.reserved.v1", "reservation.released.v1"}
	var got []string
	for _, e := range reservation.Events() {
		if v := reflect.ValueOf(e); v.Kind() != reflect.Struct || !v.IsZero() {
			t.Errorf("Events() holds %#v, want zero struct values", e)
		}
		got = append(got, e.EventType())
	}
	if !slices.Equal(got, want) {
		t.Errorf("event types = %q, want %q", got, want)
	}
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
		t.Run(tt.event.EventType(), func(t *testing.T) {
			data, err := json.Marshal(tt.event)
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != tt.want {
				t.Errorf("JSON =\n\t%s\nwant\n\t%s", data, tt.want)
			}
			decoded := reflect.New(reflect.TypeOf(tt.event))
			if err := json.Unmarshal(data, decoded.Interface()); err != nil {
				t.Fatal(err)
			}
			if got := decoded.Elem().Interface(); got != tt.event {
				t.Errorf("decoded %#v, want %#v", got, tt.event)
			}
		})
	}
}
