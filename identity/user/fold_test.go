package user_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/camcloud/accounts/identity/user"
)

// unknownEvent stands for an event type a later version adds to the user stream.
type unknownEvent struct{}

func (unknownEvent) EventType() string { return "user.avatar-changed.v1" }

func TestFold(t *testing.T) {
	newUser := user.User{
		ID: "jane", AccountID: "acme", Username: "Jane.Doe", Email: "Jane.Doe@Example.com",
		Status: user.StatusInvited, GroupIDs: []string{adminGroup},
		TimeFormat: "24h", TimeZone: "UTC",
		Invitation: user.Link{Nonce: inviteN1, ExpiresAt: inAWeek},
		Exists:     true,
	}
	with := func(edit func(*user.User)) user.User {
		u := newUser
		edit(&u)
		return u
	}
	tests := []struct {
		name   string
		events []user.Event
		want   user.User
	}{
		{
			name: "an empty stream is a user that does not exist",
			want: user.User{},
		},
		{
			name:   "an invited user has the default preferences and an open invitation",
			events: invited,
			want:   newUser,
		},
		{
			name:   "a resent invitation replaces the link",
			events: given(invited, janeResent),
			want:   with(func(u *user.User) { u.Invitation = user.Link{Nonce: inviteN2, ExpiresAt: janeResent.ExpiresAt} }),
		},
		{
			name:   "a revoked user has no invitation",
			events: revoked,
			want:   with(func(u *user.User) { u.Status, u.Invitation = user.StatusRevoked, user.Link{} }),
		},
		{
			name:   "an accepted invitation is used up",
			events: active,
			want: with(func(u *user.User) {
				u.Status, u.PasswordHash, u.TermsVersion, u.Invitation = user.StatusActive, hash, terms, user.Link{}
			}),
		},
		{
			name:   "pending links are held",
			events: given(active, resetRequested, emailRequested),
			want: with(func(u *user.User) {
				u.Status, u.PasswordHash, u.TermsVersion, u.Invitation = user.StatusActive, hash, terms, user.Link{}
				u.PasswordReset = user.Link{Nonce: resetN1, ExpiresAt: inAnHour}
				u.EmailChange = user.EmailChange{Email: "jane@northwind.example", Link: user.Link{Nonce: emailN1, ExpiresAt: inAnHour}}
			}),
		},
		{
			name:   "a changed address closes a pending reset, whose mail went to the old address",
			events: given(active, emailRequested, resetRequested, user.EmailChanged{UserID: "jane", Previous: "Jane.Doe@Example.com", Email: "jane@northwind.example"}),
			want: with(func(u *user.User) {
				u.Status, u.PasswordHash, u.TermsVersion, u.Invitation = user.StatusActive, hash, terms, user.Link{}
				u.Email = "jane@northwind.example"
			}),
		},
		{
			name: "a full history: the latest of every change counts",
			events: history(
				janeInvited,
				janeResent,
				user.GroupsAssigned{UserID: "jane", GroupIDs: []string{"operators"}},
				janeAccepted,
				user.PreferencesChanged{UserID: "jane", TimeFormat: "12h", TimeZone: "Europe/Prague"},
				resetRequested,
				user.PasswordReset{UserID: "jane", PasswordHash: newHash},
				emailRequested,
				user.EmailChanged{UserID: "jane", Previous: "Jane.Doe@Example.com", Email: "jane@northwind.example"},
				janeDisabled,
				janeEnabled,
				user.PasswordChanged{UserID: "jane", PasswordHash: hash},
				user.GroupsAssigned{UserID: "jane", GroupIDs: []string{adminGroup, "operators"}},
				user.PreferencesChanged{UserID: "jane", TimeFormat: "24h", TimeZone: "America/New_York"},
				user.PasswordResetRequested{UserID: "jane", Nonce: resetN2, ExpiresAt: inAnHour.Add(time.Hour), ByAdmin: true},
				unknownEvent{},
			),
			want: user.User{
				ID: "jane", AccountID: "acme", Username: "Jane.Doe", Email: "jane@northwind.example",
				Status: user.StatusActive, GroupIDs: []string{adminGroup, "operators"},
				PasswordHash: hash, TermsVersion: terms,
				TimeFormat: "24h", TimeZone: "America/New_York",
				PasswordReset: user.Link{Nonce: resetN2, ExpiresAt: inAnHour.Add(time.Hour)},
				Exists:        true,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := user.Fold(tt.events...); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Fold() =\n\t%#v\nwant\n\t%#v", got, tt.want)
			}
		})
	}
}

func TestStateSharesNoSliceWithEvents(t *testing.T) {
	invited := user.Invited{UserID: "jane", AccountID: "acme", GroupIDs: []string{"operators"}}
	assigned := user.GroupsAssigned{UserID: "jane", GroupIDs: []string{"billing"}}
	u := user.Fold(invited)
	invited.GroupIDs[0] = "tampered"
	if u.GroupIDs[0] != "operators" {
		t.Errorf("changing Invited changed the state: %q", u.GroupIDs)
	}
	u = u.Apply(assigned)
	assigned.GroupIDs[0] = "tampered"
	if u.GroupIDs[0] != "billing" {
		t.Errorf("changing GroupsAssigned changed the state: %q", u.GroupIDs)
	}
}

func TestDecisionsShareNoSliceWithTheCommand(t *testing.T) {
	ids := []string{"operators"}
	events, err := user.Fold(active...).AssignGroups(ids)
	if err != nil {
		t.Fatal(err)
	}
	ids[0] = "tampered"
	if got := events[0].(user.GroupsAssigned).GroupIDs[0]; got != "operators" {
		t.Errorf("changing the command changed the event: %q", got)
	}
}

// A whole life, decided step by step: each decision's events are appended and folded, as the
// command layer does.
func TestLifecycle(t *testing.T) {
	var stream []user.Event
	step := func(name string, decide func(user.User) ([]user.Event, error)) {
		t.Helper()
		events, err := decide(user.Fold(stream...))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		stream = append(stream, events...)
	}
	step("invite", func(u user.User) ([]user.Event, error) {
		return user.Invite(u, user.InviteCommand{
			UserID: "jane", AccountID: "acme", Username: "Jane.Doe", Email: "jane@example.com",
			GroupIDs: []string{adminGroup}, Nonce: inviteN1, ExpiresAt: inAWeek, Now: now,
		})
	})
	step("resend", resend(inviteN2, later.Add(7*24*time.Hour), later))
	step("accept", accept(inviteN2, later.Add(time.Hour)))
	step("forgot password", requestReset(resetN1, later.Add(3*time.Hour), later.Add(2*time.Hour), false))
	step("reset", resetPassword(resetN1, newHash, later.Add(150*time.Minute)))
	step("change e-mail", requestEmail("jane@northwind.example", emailN1, later.Add(5*time.Hour), later.Add(4*time.Hour)))
	step("confirm e-mail", confirmEmail(emailN1, later.Add(4*time.Hour+time.Minute)))
	step("disable", disable)
	step("enable", enable)
	step("preferences", preferences(user.TimeFormat12h, "Europe/Prague"))

	u := user.Fold(stream...)
	if !u.CanSignIn() || u.PasswordHash != newHash || u.Email != "jane@northwind.example" || u.TimeFormat != "12h" {
		t.Errorf("after the lifecycle: %#v", u)
	}
	if len(stream) != 10 {
		t.Errorf("%d events, want 10: %#v", len(stream), stream)
	}
	for _, reuse := range []struct {
		name   string
		decide func(user.User) ([]user.Event, error)
	}{
		{"the invitation", accept(inviteN2, later.Add(5*time.Hour))},
		{"the reset link", resetPassword(resetN1, hash, later.Add(150*time.Minute))},
		{"the e-mail link", confirmEmail(emailN1, later.Add(4*time.Hour+2*time.Minute))},
	} {
		if events, err := reuse.decide(u); !errors.Is(err, user.ErrInvalidLink) {
			t.Errorf("reusing %s: %#v, %v; want ErrInvalidLink", reuse.name, events, err)
		}
	}
}
