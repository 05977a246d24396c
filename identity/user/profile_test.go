package user_test

import (
	"strings"
	"testing"
	"time"

	"github.com/camcloud/accounts/identity/user"
)

func requestEmail(email, nonce string, expires, at time.Time) func(user.User) ([]user.Event, error) {
	return func(u user.User) ([]user.Event, error) { return u.RequestEmailChange(email, nonce, expires, at) }
}

func confirmEmail(nonce string, at time.Time) func(user.User) ([]user.Event, error) {
	return func(u user.User) ([]user.Event, error) { return u.ConfirmEmailChange(nonce, at) }
}

func preferences(format user.TimeFormat, zone string) func(user.User) ([]user.Event, error) {
	return func(u user.User) ([]user.Event, error) { return u.ChangePreferences(format, zone) }
}

func TestRequestEmailChange(t *testing.T) {
	check(t, []rule{
		{
			name:  "an active user asks to change their address",
			given: active,
			when:  requestEmail("jane@northwind.example", emailN1, inAnHour, now),
			then:  history(emailRequested),
		},
		{
			name:  "the new address is stored trimmed, in the case typed",
			given: active,
			when:  requestEmail("  Jane@Northwind.example ", emailN1, inAnHour, now),
			then:  history(user.EmailChangeRequested{UserID: "jane", NewEmail: "Jane@Northwind.example", Nonce: emailN1, ExpiresAt: inAnHour}),
		},
		{
			name:  "a new request replaces a pending one",
			given: given(active, emailRequested),
			when:  requestEmail("jane.doe@acme.example", emailN2, inAnHour, now),
			then:  history(user.EmailChangeRequested{UserID: "jane", NewEmail: "jane.doe@acme.example", Nonce: emailN2, ExpiresAt: inAnHour}),
		},
		{
			name:    "the current address is refused",
			given:   active,
			when:    requestEmail("Jane.Doe@Example.com", emailN1, inAnHour, now),
			thenErr: refused("email"),
		},
		{
			name:    "the current address in another case is refused",
			given:   active,
			when:    requestEmail("jane.doe@example.COM", emailN1, inAnHour, now),
			thenErr: refused("email"),
		},
		{
			name:    "a malformed address is refused",
			given:   active,
			when:    requestEmail("jane at example.com", emailN1, inAnHour, now),
			thenErr: refused("email"),
		},
		{
			name:    "an address of 255 characters is refused",
			given:   active,
			when:    requestEmail(strings.Repeat("j", 243)+"@example.com", emailN1, inAnHour, now),
			thenErr: refused("email"),
		},
		{
			name:    "the link needs a nonce",
			given:   active,
			when:    requestEmail("jane@northwind.example", "", inAnHour, now),
			thenErr: refused("nonce"),
		},
		{
			name:    "the link must expire after now",
			given:   active,
			when:    requestEmail("jane@northwind.example", emailN1, now, now),
			thenErr: refused("expires_at"),
		},
		{
			name:    "an invited user cannot change their address",
			given:   invited,
			when:    requestEmail("jane@northwind.example", emailN1, inAnHour, now),
			thenErr: user.ErrNotActive,
		},
		{
			name:    "a disabled user cannot change their address",
			given:   disabled,
			when:    requestEmail("jane@northwind.example", emailN1, inAnHour, now),
			thenErr: user.ErrNotActive,
		},
		{
			name:    "a user that does not exist has no address",
			when:    requestEmail("jane@northwind.example", emailN1, inAnHour, now),
			thenErr: user.ErrNotFound,
		},
	})
}

func TestConfirmEmailChange(t *testing.T) {
	pending := given(active, emailRequested)
	changed := user.EmailChanged{UserID: "jane", Previous: "Jane.Doe@Example.com", Email: "jane@northwind.example"}
	check(t, []rule{
		{
			name:  "the link sent to the new address confirms the change",
			given: pending,
			when:  confirmEmail(emailN1, now.Add(10*time.Minute)),
			then:  history(changed),
		},
		{
			name:  "the previous address is the current one, not the first",
			given: given(pending, changed, user.EmailChangeRequested{UserID: "jane", NewEmail: "jd@acme.example", Nonce: emailN2, ExpiresAt: inAnHour}),
			when:  confirmEmail(emailN2, now.Add(20*time.Minute)),
			then:  history(user.EmailChanged{UserID: "jane", Previous: "jane@northwind.example", Email: "jd@acme.example"}),
		},
		{
			name:    "an expired link is refused",
			given:   pending,
			when:    confirmEmail(emailN1, inAnHour),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "a link is used once",
			given:   given(pending, changed),
			when:    confirmEmail(emailN1, now.Add(10*time.Minute)),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "a replaced request's link is refused",
			given:   given(pending, user.EmailChangeRequested{UserID: "jane", NewEmail: "jd@acme.example", Nonce: emailN2, ExpiresAt: inAnHour}),
			when:    confirmEmail(emailN1, now.Add(10*time.Minute)),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "no change pending: any nonce is refused",
			given:   active,
			when:    confirmEmail("", now),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "disabling closes the pending change, and enabling does not reopen it",
			given:   given(pending, janeDisabled, janeEnabled),
			when:    confirmEmail(emailN1, now.Add(10*time.Minute)),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "a forged nonce is refused",
			given:   pending,
			when:    confirmEmail("eml-Zm9yZ2Vk", now.Add(10*time.Minute)),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "a password-reset nonce does not confirm an address",
			given:   given(pending, resetRequested),
			when:    confirmEmail(resetN1, now.Add(10*time.Minute)),
			thenErr: user.ErrInvalidLink,
		},
		{
			name:    "a user that does not exist: the same answer as a bad link",
			when:    confirmEmail(emailN1, now),
			thenErr: user.ErrInvalidLink,
		},
	})
}

func TestChangePreferences(t *testing.T) {
	check(t, []rule{
		{
			name:  "a user switches to the 12-hour clock and their time zone",
			given: active,
			when:  preferences(user.TimeFormat12h, "Europe/Prague"),
			then:  history(user.PreferencesChanged{UserID: "jane", TimeFormat: "12h", TimeZone: "Europe/Prague"}),
		},
		{
			name:  "only the time zone changes; the event carries both",
			given: active,
			when:  preferences(user.TimeFormat24h, "America/Argentina/Buenos_Aires"),
			then:  history(user.PreferencesChanged{UserID: "jane", TimeFormat: "24h", TimeZone: "America/Argentina/Buenos_Aires"}),
		},
		{
			name:  "zones with a sign and a dash are accepted",
			given: active,
			when:  preferences(user.TimeFormat24h, "Etc/GMT-14"),
			then:  history(user.PreferencesChanged{UserID: "jane", TimeFormat: "24h", TimeZone: "Etc/GMT-14"}),
		},
		{
			name:  "the time zone is stored trimmed",
			given: active,
			when:  preferences(user.TimeFormat12h, " Europe/Prague "),
			then:  history(user.PreferencesChanged{UserID: "jane", TimeFormat: "12h", TimeZone: "Europe/Prague"}),
		},
		{
			name:  "the defaults for a new user change nothing",
			given: active,
			when:  preferences(user.TimeFormat24h, "UTC"),
		},
		{
			name:  "the current settings change nothing",
			given: given(active, user.PreferencesChanged{UserID: "jane", TimeFormat: "12h", TimeZone: "Europe/Prague"}),
			when:  preferences(user.TimeFormat12h, "Europe/Prague"),
		},
		{
			name:  "an invited user may set preferences",
			given: invited,
			when:  preferences(user.TimeFormat12h, "UTC"),
			then:  history(user.PreferencesChanged{UserID: "jane", TimeFormat: "12h", TimeZone: "UTC"}),
		},
		{
			name:    "an unknown time format is refused",
			given:   active,
			when:    preferences("am/pm", "UTC"),
			thenErr: refused("time_format"),
		},
		{
			name:    "an empty time format is refused",
			given:   active,
			when:    preferences("", "UTC"),
			thenErr: refused("time_format"),
		},
		{
			name:    "an empty time zone is refused",
			given:   active,
			when:    preferences(user.TimeFormat24h, ""),
			thenErr: refused("time_zone"),
		},
		{
			name:    "a time zone with a space is refused",
			given:   active,
			when:    preferences(user.TimeFormat24h, "Europe/New York"),
			thenErr: refused("time_zone"),
		},
		{
			name:    "a path is not a time zone",
			given:   active,
			when:    preferences(user.TimeFormat24h, "../../etc/passwd"),
			thenErr: refused("time_zone"),
		},
		{
			name:    "an absolute path is not a time zone",
			given:   active,
			when:    preferences(user.TimeFormat24h, "/etc/localtime"),
			thenErr: refused("time_zone"),
		},
		{
			name:    "a time zone with an empty part is refused",
			given:   active,
			when:    preferences(user.TimeFormat24h, "Europe//Prague"),
			thenErr: refused("time_zone"),
		},
		{
			name:    "a time zone ending in a slash is refused",
			given:   active,
			when:    preferences(user.TimeFormat24h, "Europe/"),
			thenErr: refused("time_zone"),
		},
		{
			name:    "the server's Local zone is refused",
			given:   active,
			when:    preferences(user.TimeFormat24h, "Local"),
			thenErr: refused("time_zone"),
		},
		{
			name:    "a time zone of 65 characters is refused",
			given:   active,
			when:    preferences(user.TimeFormat24h, "Europe/"+strings.Repeat("x", 58)),
			thenErr: refused("time_zone"),
		},
		{
			name:    "a non-ASCII time zone is refused",
			given:   active,
			when:    preferences(user.TimeFormat24h, "Europe/Zürich"),
			thenErr: refused("time_zone"),
		},
		{
			name:    "a revoked user's preferences cannot change",
			given:   revoked,
			when:    preferences(user.TimeFormat12h, "UTC"),
			thenErr: user.ErrNotActive,
		},
		{
			name:    "a user that does not exist has no preferences",
			when:    preferences(user.TimeFormat12h, "UTC"),
			thenErr: user.ErrNotFound,
		},
	})
}
