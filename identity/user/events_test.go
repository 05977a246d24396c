package user_test

import (
	"testing"
	"time"

	"github.com/camcloud/accounts/domain/domaintest"
	"github.com/camcloud/accounts/identity/user"
)

func TestEventsListsEveryEventType(t *testing.T) {
	want := []string{
		"user.invited.v1",
		"user.invitation-resent.v1",
		"user.invitation-revoked.v1",
		"user.invitation-accepted.v1",
		"user.disabled.v1",
		"user.enabled.v1",
		"user.password-changed.v1",
		"user.password-reset-requested.v1",
		"user.password-reset.v1",
		"user.email-change-requested.v1",
		"user.email-changed.v1",
		"user.preferences-changed.v1",
		"user.groups-assigned.v1",
		"user.voided.v1",
	}
	domaintest.ListsEventTypes(t, user.Events(), want)
}

// The recorded JSON is a contract with projections and auditors: its field names must not drift.
func TestEventsEncodeAsSnakeCaseJSON(t *testing.T) {
	at := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
	const when = `"2026-03-09T09:00:00Z"`
	tests := []struct {
		event user.Event
		want  string
	}{
		{
			event: user.Invited{UserID: "u", AccountID: "a", Username: "Jane", Email: "jane@example.com", GroupIDs: []string{"g1", "g2"}, Nonce: "n", ExpiresAt: at},
			want:  `{"user_id":"u","account_id":"a","username":"Jane","email":"jane@example.com","group_ids":["g1","g2"],"nonce":"n","expires_at":` + when + `}`,
		},
		{
			event: user.InvitationResent{UserID: "u", Nonce: "n", ExpiresAt: at},
			want:  `{"user_id":"u","nonce":"n","expires_at":` + when + `}`,
		},
		{
			event: user.InvitationRevoked{UserID: "u"},
			want:  `{"user_id":"u"}`,
		},
		{
			event: user.InvitationAccepted{UserID: "u", PasswordHash: "$argon2id$x", TermsVersion: "2026-01", AgeConfirmed: true},
			want:  `{"user_id":"u","password_hash":"$argon2id$x","terms_version":"2026-01","age_confirmed":true}`,
		},
		{
			event: user.Disabled{UserID: "u"},
			want:  `{"user_id":"u"}`,
		},
		{
			event: user.Enabled{UserID: "u"},
			want:  `{"user_id":"u"}`,
		},
		{
			event: user.PasswordChanged{UserID: "u", PasswordHash: "$argon2id$x"},
			want:  `{"user_id":"u","password_hash":"$argon2id$x"}`,
		},
		{
			event: user.PasswordResetRequested{UserID: "u", Nonce: "n", ExpiresAt: at, ByAdmin: true},
			want:  `{"user_id":"u","nonce":"n","expires_at":` + when + `,"by_admin":true}`,
		},
		{
			event: user.PasswordReset{UserID: "u", PasswordHash: "$argon2id$x"},
			want:  `{"user_id":"u","password_hash":"$argon2id$x"}`,
		},
		{
			event: user.EmailChangeRequested{UserID: "u", NewEmail: "new@example.com", Nonce: "n", ExpiresAt: at},
			want:  `{"user_id":"u","new_email":"new@example.com","nonce":"n","expires_at":` + when + `}`,
		},
		{
			event: user.EmailChanged{UserID: "u", Previous: "old@example.com", Email: "new@example.com"},
			want:  `{"user_id":"u","previous":"old@example.com","email":"new@example.com"}`,
		},
		{
			event: user.PreferencesChanged{UserID: "u", TimeFormat: "12h", TimeZone: "Europe/Prague"},
			want:  `{"user_id":"u","time_format":"12h","time_zone":"Europe/Prague"}`,
		},
		{
			event: user.GroupsAssigned{UserID: "u", GroupIDs: []string{"g1"}},
			want:  `{"user_id":"u","group_ids":["g1"]}`,
		},
		{
			event: user.Voided{UserID: "u"},
			want:  `{"user_id":"u"}`,
		},
	}
	if len(tests) != len(user.Events()) {
		t.Errorf("%d cases for %d event types", len(tests), len(user.Events()))
	}
	for _, tt := range tests {
		domaintest.EncodesAs(t, tt.event, tt.want)
	}
}
