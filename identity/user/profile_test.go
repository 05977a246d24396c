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
			Name:  "an active user asks to change their address",
			Given: active,
			When:  requestEmail("jane@northwind.example", emailN1, inAnHour, now),
			Then:  history(emailRequested),
		},
		{
			Name:  "the new address is stored trimmed, in the case typed",
			Given: active,
			When:  requestEmail("  Jane@Northwind.example ", emailN1, inAnHour, now),
			Then:  history(user.EmailChangeRequested{UserID: "jane", NewEmail: "Jane@Northwind.example", Nonce: emailN1, ExpiresAt: inAnHour}),
		},
		{
			Name:  "a new request replaces a pending one",
			Given: given(active, emailRequested),
			When:  requestEmail("jane.doe@acme.example", emailN2, inAnHour, now),
			Then:  history(user.EmailChangeRequested{UserID: "jane", NewEmail: "jane.doe@acme.example", Nonce: emailN2, ExpiresAt: inAnHour}),
		},
		{
			Name:    "the current address is refused",
			Given:   active,
			When:    requestEmail("Jane.Doe@Example.com", emailN1, inAnHour, now),
			ThenErr: refused("email"),
		},
		{
			Name:    "the current address in another case is refused",
			Given:   active,
			When:    requestEmail("jane.doe@example.COM", emailN1, inAnHour, now),
			ThenErr: refused("email"),
		},
		{
			Name:    "a malformed address is refused",
			Given:   active,
			When:    requestEmail("jane at example.com", emailN1, inAnHour, now),
			ThenErr: refused("email"),
		},
		{
			Name:    "an address of 255 characters is refused",
			Given:   active,
			When:    requestEmail(strings.Repeat("j", 243)+"@example.com", emailN1, inAnHour, now),
			ThenErr: refused("email"),
		},
		{
			Name:    "the link needs a nonce",
			Given:   active,
			When:    requestEmail("jane@northwind.example", "", inAnHour, now),
			ThenErr: refused("nonce"),
		},
		{
			Name:    "the link must expire after now",
			Given:   active,
			When:    requestEmail("jane@northwind.example", emailN1, now, now),
			ThenErr: refused("expires_at"),
		},
		{
			Name:    "an invited user cannot change their address",
			Given:   invited,
			When:    requestEmail("jane@northwind.example", emailN1, inAnHour, now),
			ThenErr: user.ErrNotActive,
		},
		{
			Name:    "a disabled user cannot change their address",
			Given:   disabled,
			When:    requestEmail("jane@northwind.example", emailN1, inAnHour, now),
			ThenErr: user.ErrNotActive,
		},
		{
			Name:    "a user that does not exist has no address",
			When:    requestEmail("jane@northwind.example", emailN1, inAnHour, now),
			ThenErr: user.ErrNotFound,
		},
	})
}

func TestConfirmEmailChange(t *testing.T) {
	pending := given(active, emailRequested)
	changed := user.EmailChanged{UserID: "jane", Previous: "Jane.Doe@Example.com", Email: "jane@northwind.example"}
	check(t, []rule{
		{
			Name:  "the link sent to the new address confirms the change",
			Given: pending,
			When:  confirmEmail(emailN1, now.Add(10*time.Minute)),
			Then:  history(changed),
		},
		{
			Name:  "the previous address is the current one, not the first",
			Given: given(pending, changed, user.EmailChangeRequested{UserID: "jane", NewEmail: "jd@acme.example", Nonce: emailN2, ExpiresAt: inAnHour}),
			When:  confirmEmail(emailN2, now.Add(20*time.Minute)),
			Then:  history(user.EmailChanged{UserID: "jane", Previous: "jane@northwind.example", Email: "jd@acme.example"}),
		},
		{
			Name:    "an expired link is refused",
			Given:   pending,
			When:    confirmEmail(emailN1, inAnHour),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "a link is used once",
			Given:   given(pending, changed),
			When:    confirmEmail(emailN1, now.Add(10*time.Minute)),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "a replaced request's link is refused",
			Given:   given(pending, user.EmailChangeRequested{UserID: "jane", NewEmail: "jd@acme.example", Nonce: emailN2, ExpiresAt: inAnHour}),
			When:    confirmEmail(emailN1, now.Add(10*time.Minute)),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "no change pending: any nonce is refused",
			Given:   active,
			When:    confirmEmail("", now),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "disabling closes the pending change, and enabling does not reopen it",
			Given:   given(pending, janeDisabled, janeEnabled),
			When:    confirmEmail(emailN1, now.Add(10*time.Minute)),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "a forged nonce is refused",
			Given:   pending,
			When:    confirmEmail("eml-Zm9yZ2Vk", now.Add(10*time.Minute)),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "a password-reset nonce does not confirm an address",
			Given:   given(pending, resetRequested),
			When:    confirmEmail(resetN1, now.Add(10*time.Minute)),
			ThenErr: user.ErrInvalidLink,
		},
		{
			Name:    "a user that does not exist: the same answer as a bad link",
			When:    confirmEmail(emailN1, now),
			ThenErr: user.ErrInvalidLink,
		},
	})
}

func TestChangePreferences(t *testing.T) {
	check(t, []rule{
		{
			Name:  "a user switches to the 12-hour clock and their time zone",
			Given: active,
			When:  preferences(user.TimeFormat12h, "Europe/Prague"),
			Then:  history(user.PreferencesChanged{UserID: "jane", TimeFormat: "12h", TimeZone: "Europe/Prague"}),
		},
		{
			Name:  "only the time zone changes; the event carries both",
			Given: active,
			When:  preferences(user.TimeFormat24h, "America/Argentina/Buenos_Aires"),
			Then:  history(user.PreferencesChanged{UserID: "jane", TimeFormat: "24h", TimeZone: "America/Argentina/Buenos_Aires"}),
		},
		{
			Name:  "zones with a sign and a dash are accepted",
			Given: active,
			When:  preferences(user.TimeFormat24h, "Etc/GMT-14"),
			Then:  history(user.PreferencesChanged{UserID: "jane", TimeFormat: "24h", TimeZone: "Etc/GMT-14"}),
		},
		{
			Name:  "the time zone is stored trimmed",
			Given: active,
			When:  preferences(user.TimeFormat12h, " Europe/Prague "),
			Then:  history(user.PreferencesChanged{UserID: "jane", TimeFormat: "12h", TimeZone: "Europe/Prague"}),
		},
		{
			Name:  "the defaults for a new user change nothing",
			Given: active,
			When:  preferences(user.TimeFormat24h, "UTC"),
		},
		{
			Name:  "the current settings change nothing",
			Given: given(active, user.PreferencesChanged{UserID: "jane", TimeFormat: "12h", TimeZone: "Europe/Prague"}),
			When:  preferences(user.TimeFormat12h, "Europe/Prague"),
		},
		{
			Name:  "an invited user may set preferences",
			Given: invited,
			When:  preferences(user.TimeFormat12h, "UTC"),
			Then:  history(user.PreferencesChanged{UserID: "jane", TimeFormat: "12h", TimeZone: "UTC"}),
		},
		{
			Name:    "an unknown time format is refused",
			Given:   active,
			When:    preferences("am/pm", "UTC"),
			ThenErr: refused("time_format"),
		},
		{
			Name:    "an empty time format is refused",
			Given:   active,
			When:    preferences("", "UTC"),
			ThenErr: refused("time_format"),
		},
		{
			Name:    "an empty time zone is refused",
			Given:   active,
			When:    preferences(user.TimeFormat24h, ""),
			ThenErr: refused("time_zone"),
		},
		{
			Name:    "a time zone with a space is refused",
			Given:   active,
			When:    preferences(user.TimeFormat24h, "Europe/New York"),
			ThenErr: refused("time_zone"),
		},
		{
			Name:    "a path is not a time zone",
			Given:   active,
			When:    preferences(user.TimeFormat24h, "../../etc/passwd"),
			ThenErr: refused("time_zone"),
		},
		{
			Name:    "an absolute path is not a time zone",
			Given:   active,
			When:    preferences(user.TimeFormat24h, "/etc/localtime"),
			ThenErr: refused("time_zone"),
		},
		{
			Name:    "a time zone with an empty part is refused",
			Given:   active,
			When:    preferences(user.TimeFormat24h, "Europe//Prague"),
			ThenErr: refused("time_zone"),
		},
		{
			Name:    "a time zone ending in a slash is refused",
			Given:   active,
			When:    preferences(user.TimeFormat24h, "Europe/"),
			ThenErr: refused("time_zone"),
		},
		{
			Name:    "the server's Local zone is refused",
			Given:   active,
			When:    preferences(user.TimeFormat24h, "Local"),
			ThenErr: refused("time_zone"),
		},
		{
			Name:    "a time zone of 65 characters is refused",
			Given:   active,
			When:    preferences(user.TimeFormat24h, "Europe/"+strings.Repeat("x", 58)),
			ThenErr: refused("time_zone"),
		},
		{
			Name:    "a non-ASCII time zone is refused",
			Given:   active,
			When:    preferences(user.TimeFormat24h, "Europe/Zürich"),
			ThenErr: refused("time_zone"),
		},
		{
			Name:    "a revoked user's preferences cannot change",
			Given:   revoked,
			When:    preferences(user.TimeFormat12h, "UTC"),
			ThenErr: user.ErrNotActive,
		},
		{
			Name:    "a user that does not exist has no preferences",
			When:    preferences(user.TimeFormat12h, "UTC"),
			ThenErr: user.ErrNotFound,
		},
	})
}
