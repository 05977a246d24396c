package group_test

import (
	"testing"

	"github.com/camcloud/accounts/domain/domaintest"
	"github.com/camcloud/accounts/identity/group"
)

func TestEventsListsEveryEventType(t *testing.T) {
	want := []string{"group.created.v1", "group.changed.v1", "group.deleted.v1", "group.member-joined.v1", "group.member-left.v1"}
	domaintest.ListsEventTypes(t, group.Events(), want)
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
		{
			event: group.MemberJoined{GroupID: "g", AccountID: "acme", UserID: "u"},
			want:  `{"group_id":"g","account_id":"acme","user_id":"u"}`,
		},
		{
			event: group.MemberLeft{GroupID: "g", AccountID: "acme", UserID: "u"},
			want:  `{"group_id":"g","account_id":"acme","user_id":"u"}`,
		},
	}
	for _, tt := range tests {
		domaintest.EncodesAs(t, tt.event, tt.want)
	}
}
