package user_test

import (
	"errors"
	"testing"
	"time"

	"github.com/camcloud/accounts/domain/domaintest"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/user"
)

// rule is one business rule of the user aggregate (domaintest.Rule).
type rule = domaintest.Rule[user.User, user.Event]

// refused is the error a rule expects when the command is invalid in field.
func refused(field string) error { return domaintest.Refused(field) }

func check(t *testing.T, rules []rule) {
	t.Helper()
	domaintest.Check(t, user.User.Apply, rules)
}

func history(events ...user.Event) []user.Event { return events }

// The clock of the tests: invitations last a week, reset and e-mail links an hour.
var (
	now       = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	inAWeek   = now.Add(7 * 24 * time.Hour)
	inAnHour  = now.Add(time.Hour)
	later     = now.Add(24 * time.Hour) // still inside the invitation's week
	tooLate   = inAWeek.Add(time.Second)
	lastNanos = inAWeek.Add(-time.Nanosecond)
)

const (
	terms    = "2026-01"
	hash     = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"
	newHash  = "$argon2id$v=19$m=19456,t=2,p=1$b3RoZXJzYWx0$b3RoZXJoYXNo"
	inviteN1 = "inv-Q2hvb3NlIGEgcmFuZG9t"
	inviteN2 = "inv-bm9uY2UgZWFjaCB0aW1l"
	resetN1  = "rst-cmVzZXQgbm9uY2Ugb25l"
	resetN2  = "rst-cmVzZXQgbm9uY2UgdHdv"
	emailN1  = "eml-ZW1haWwgbm9uY2Ugb25l"
	emailN2  = "eml-ZW1haWwgbm9uY2UgdHdv"
)

var (
	adminGroup = group.AdministratorID("acme")

	janeInvited = user.Invited{
		UserID: "jane", AccountID: "acme", Username: "Jane.Doe", Email: "Jane.Doe@Example.com",
		GroupIDs: []string{adminGroup}, Nonce: inviteN1, ExpiresAt: inAWeek,
	}
	janeResent   = user.InvitationResent{UserID: "jane", Nonce: inviteN2, ExpiresAt: later.Add(7 * 24 * time.Hour)}
	janeRevoked  = user.InvitationRevoked{UserID: "jane"}
	janeAccepted = user.InvitationAccepted{UserID: "jane", PasswordHash: hash, TermsVersion: terms, AgeConfirmed: true}
	janeDisabled = user.Disabled{UserID: "jane"}
	janeEnabled  = user.Enabled{UserID: "jane"}

	resetRequested = user.PasswordResetRequested{UserID: "jane", Nonce: resetN1, ExpiresAt: inAnHour}
	emailRequested = user.EmailChangeRequested{UserID: "jane", NewEmail: "jane@northwind.example", Nonce: emailN1, ExpiresAt: inAnHour}

	// the usual starting points
	invited  = history(janeInvited)
	active   = history(janeInvited, janeAccepted)
	disabled = history(janeInvited, janeAccepted, janeDisabled)
	revoked  = history(janeInvited, janeRevoked)
)

func given(prefix []user.Event, more ...user.Event) []user.Event {
	return append(append([]user.Event(nil), prefix...), more...)
}

func TestValidationError(t *testing.T) {
	_, err := user.Fold(active...).RequestEmailChange("", emailN1, inAnHour, now)
	if got, want := err.Error(), "email: must not be empty"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, user.ErrInvalid) || errors.Is(err, user.ErrNotFound) {
		t.Errorf("error %v matches the wrong sentinels", err)
	}
	var byPointer *user.ValidationError
	if !errors.As(err, &byPointer) || byPointer.Field != "email" {
		t.Errorf("errors.As(*ValidationError) gave %#v", byPointer)
	}
	var byValue user.ValidationError
	if !errors.As(err, &byValue) || byValue.Field != "email" {
		t.Errorf("errors.As(ValidationError) gave %#v", byValue)
	}
}
