package group_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/camcloud/accounts/domain/group"
)

func TestEventsListsEveryEventType(t *testing.T) {
	want := []string{"group.created.v1", "group.changed.v1", "group.deleted.v1"}
	var got []string
	for _, e := range group.Events() {
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
		event group.Event
		want  string
	}{
		{
			event: group.Created{GroupID: "g", AccountID: "acme", Name: "Operators", Permissions: perms(group.BillingView, group.UsersManage)},
			want:  `{"group_id":"g","account_id":"acme","name":"Operators","permissions":["billing.view","users.manage"]}`,
		},
		{
			event: group.Changed{GroupID: "g", AccountID: "acme", Name: "Viewers", Permissions: perms()},
			want:  `{"group_id":"g","account_id":"acme","name":"Viewers","permissions":[]}`,
		},
		{
			event: group.Deleted{GroupID: "g", AccountID: "acme"},
			want:  `{"group_id":"g","account_id":"acme"}`,
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
			if got := decoded.Elem().Interface(); !reflect.DeepEqual(got, tt.event) {
				t.Errorf("decoded %#v, want %#v", got, tt.event)
			}
		})
	}
}
