package group_test

import (
	"errors"
	"testing"

	"github.com/camcloud/accounts/identity/group"
)

func TestMembership(t *testing.T) {
	created := group.Created{GroupID: "g", AccountID: "acme", Name: "Operators"}
	joined := group.MemberJoined{GroupID: "g", AccountID: "acme", UserID: "u1"}
	left := group.MemberLeft{GroupID: "g", AccountID: "acme", UserID: "u1"}
	tests := []struct {
		name    string
		given   []group.Event
		when    func(group.Group) ([]group.Event, error)
		want    []group.Event
		wantErr error
	}{
		{"a user joins", []group.Event{created}, func(g group.Group) ([]group.Event, error) { return g.Join("u1") }, []group.Event{joined}, nil},
		{"a member joining again changes nothing", []group.Event{created, joined}, func(g group.Group) ([]group.Event, error) { return g.Join("u1") }, nil, nil},
		{"a deleted group takes no members", []group.Event{created, group.Deleted{GroupID: "g", AccountID: "acme"}}, func(g group.Group) ([]group.Event, error) { return g.Join("u1") }, nil, group.ErrNotFound},
		{"a member leaves", []group.Event{created, joined}, func(g group.Group) ([]group.Event, error) { return g.Leave("u1") }, []group.Event{left}, nil},
		{"a non-member leaving changes nothing", []group.Event{created}, func(g group.Group) ([]group.Event, error) { return g.Leave("u1") }, nil, nil},
		{"a group with members is not deleted", []group.Event{created, joined}, func(g group.Group) ([]group.Event, error) { return g.Delete() }, nil, group.ErrHasMembers},
		{"a group whose members left is deleted", []group.Event{created, joined, left}, func(g group.Group) ([]group.Event, error) { return g.Delete() }, []group.Event{group.Deleted{GroupID: "g", AccountID: "acme"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.when(group.Fold(tt.given...))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v; want %v", err, tt.wantErr)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("events = %#v; want %#v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("events = %#v; want %#v", got, tt.want)
				}
			}
		})
	}
}
