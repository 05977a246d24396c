package email

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var expires = time.Date(2026, 3, 8, 12, 30, 0, 0, time.UTC)

const link = "https://accounts.example.com/invitations/accept?token=Zm9vYmFy&lang=en"

// rendered is one template's output, named for the table tests.
type rendered struct{ subject, text, html string }

func renderAll(t *testing.T) map[string]rendered {
	t.Helper()
	out := map[string]rendered{}
	for name, f := range map[string]func() (string, string, string, error){
		"invitation": func() (string, string, string, error) {
			return Invitation(InvitationData{AccountName: "Acme Security", Username: "alice", Link: link, ExpiresAt: expires, InvitedBy: "Bob Jones"})
		},
		"password reset": func() (string, string, string, error) {
			return PasswordReset(PasswordResetData{Username: "alice", Link: link, ExpiresAt: expires})
		},
		"e-mail change": func() (string, string, string, error) {
			return EmailChange(EmailChangeData{Username: "alice", NewEmail: "alice@new.example", Link: link, ExpiresAt: expires})
		},
	} {
		s, txt, h, err := f()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = rendered{s, txt, h}
	}
	return out
}

func TestTemplatesRender(t *testing.T) {
	want := map[string]struct{ subject, action string }{
		"invitation":     {"CamCloud account invitation", "Accept Invitation"},
		"password reset": {"Reset your CamCloud password", "Reset Password"},
		"e-mail change":  {"Confirm your new e-mail address for CamCloud", "Confirm E-mail Address"},
	}
	for name, r := range renderAll(t) {
		t.Run(name, func(t *testing.T) {
			w := want[name]
			if r.subject != w.subject {
				t.Errorf("subject %q, want %q", r.subject, w.subject)
			}
			for part, body := range map[string]string{"text": r.text, "HTML": r.html} {
				for _, s := range []string{w.action, "alice", "Sunday, 8 March 2026, 12:30 UTC"} {
					if !strings.Contains(body, s) {
						t.Errorf("%s part lacks %q:\n%s", part, s, body)
					}
				}
			}
			if !strings.Contains(r.text, "\n"+link+"\n") {
				t.Errorf("text part lacks the link on a line of its own:\n%s", r.text)
			}
			escaped := strings.ReplaceAll(link, "&", "&amp;")
			if !strings.Contains(r.html, `href="`+escaped+`"`) {
				t.Errorf("HTML part lacks the link as a button:\n%s", r.html)
			}
			if strings.Contains(r.html, "{{") || strings.Contains(r.text, "{{") || strings.Contains(r.text, "<no value>") {
				t.Error("unrendered template actions")
			}
		})
	}
	inv := renderAll(t)["invitation"]
	for _, s := range []string{"Acme Security", "Bob Jones has invited you"} {
		if !strings.Contains(inv.text, s) || !strings.Contains(inv.html, s) {
			t.Errorf("invitation lacks %q", s)
		}
	}
	if change := renderAll(t)["e-mail change"]; !strings.Contains(change.html, "alice@new.example") {
		t.Error("e-mail change lacks the new address")
	}
}

func TestTemplatesEscapeHTML(t *testing.T) {
	const script = `<script>alert("x")</script>`
	_, text, html, err := Invitation(InvitationData{
		AccountName: "Acme " + script,
		Username:    `"><img src=x onerror=alert(1)>`,
		InvitedBy:   "Mallory <b>Admin</b>",
		Link:        "https://accounts.example.com/accept?token=a\"b<c>",
		ExpiresAt:   expires,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script>", "<img", "<b>Admin", `token=a"b`, "<c>"} {
		if strings.Contains(html, bad) {
			t.Errorf("HTML contains %q unescaped:\n%s", bad, html)
		}
	}
	for _, good := range []string{"Acme &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;", "Mallory &lt;b&gt;Admin&lt;/b&gt;"} {
		if !strings.Contains(html, good) {
			t.Errorf("HTML lacks the name as text %q:\n%s", good, html)
		}
	}
	if !strings.Contains(text, "Acme "+script) {
		t.Errorf("the text part should show the name as it is:\n%s", text)
	}
	_, _, html, err = PasswordReset(PasswordResetData{Username: "<script>x</script>", Link: link, ExpiresAt: expires})
	if err != nil || strings.Contains(html, "<script>") {
		t.Errorf("password reset: %v, HTML with a script tag:\n%s", err, html)
	}
	_, _, html, err = EmailChange(EmailChangeData{Username: "a", NewEmail: "<script>@x", Link: link, ExpiresAt: expires})
	if err != nil || strings.Contains(html, "<script>") {
		t.Errorf("e-mail change: %v, HTML with a script tag:\n%s", err, html)
	}
}

func TestTemplatesKeepNamesOnOneLine(t *testing.T) {
	_, text, _, err := Invitation(InvitationData{
		AccountName: "Acme\r\n\r\nYour account is locked, call +1 555 0100\n",
		Username:    "alice\tsmith",
		Link:        link, ExpiresAt: expires,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "the Acme Your account is locked, call +1 555 0100 account") || !strings.Contains(text, "Hello alice smith,") {
		t.Errorf("names are not kept on one line:\n%s", text)
	}
}

func TestTemplatesRefuseBadData(t *testing.T) {
	const secretLink = "javascript:alert(document.cookie)//token=SECRET"
	for name, f := range map[string]func() error{
		"javascript link": func() error {
			_, _, _, err := Invitation(InvitationData{AccountName: "A", Username: "u", Link: secretLink, ExpiresAt: expires})
			return err
		},
		"relative link": func() error {
			_, _, _, err := PasswordReset(PasswordResetData{Username: "u", Link: "/reset?token=SECRET", ExpiresAt: expires})
			return err
		},
		"link with credentials": func() error {
			_, _, _, err := PasswordReset(PasswordResetData{Username: "u", Link: "https://accounts.example.com@evil.example/?token=SECRET", ExpiresAt: expires})
			return err
		},
		"link with a space": func() error {
			_, _, _, err := PasswordReset(PasswordResetData{Username: "u", Link: "https://a.example/ x?token=SECRET", ExpiresAt: expires})
			return err
		},
		"no link": func() error {
			_, _, _, err := EmailChange(EmailChangeData{Username: "u", NewEmail: "n@x", ExpiresAt: expires})
			return err
		},
		"no expiry": func() error {
			_, _, _, err := Invitation(InvitationData{AccountName: "A", Username: "u", Link: link})
			return err
		},
		"no username in an invitation": func() error {
			_, _, _, err := Invitation(InvitationData{AccountName: "A", Link: link, ExpiresAt: expires})
			return err
		},
		"no username": func() error {
			_, _, _, err := PasswordReset(PasswordResetData{Username: " \n", Link: link, ExpiresAt: expires})
			return err
		},
		"no new address": func() error {
			_, _, _, err := EmailChange(EmailChangeData{Username: "u", Link: link, ExpiresAt: expires})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			err := f()
			if !errors.Is(err, ErrInvalidTemplateData) {
				t.Fatalf("err = %v, want ErrInvalidTemplateData", err)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Fatalf("the error quotes the link: %v", err)
			}
		})
	}
}

func TestInvitationWithoutAccountNameOrInviter(t *testing.T) {
	// The dispatcher may not know the account's name yet (its read model lags): the invitation
	// still goes out.
	_, text, html, err := Invitation(InvitationData{Username: "alice", Link: link, ExpiresAt: expires})
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{text, html} {
		if !strings.Contains(body, "You have been invited to an account on CamCloud.") {
			t.Errorf("no neutral invitation sentence:\n%s", body)
		}
	}
}

func TestTemplatesPlatformName(t *testing.T) {
	subject, text, html, err := Invitation(InvitationData{Platform: "Arecont Vision ConteraWS", AccountName: "A", Username: "u", Link: link, ExpiresAt: expires})
	if err != nil {
		t.Fatal(err)
	}
	if subject != "Arecont Vision ConteraWS account invitation" {
		t.Errorf("subject %q", subject)
	}
	if strings.Contains(text, DefaultPlatform) || strings.Contains(html, DefaultPlatform) {
		t.Error("the default platform name shows through")
	}
}

// An invitation rendered, sent through the outbox and opened as a mail client would.
func TestInvitationThroughTheOutbox(t *testing.T) {
	subject, text, html, err := Invitation(InvitationData{AccountName: "Acme Security", Username: "alice", Link: link, ExpiresAt: expires})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	o, err := NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := Message{To: "alice@example.com", Subject: subject, Text: text, HTML: html, MessageID: MessageIDFor("ev-1")}
	if err := o.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	names := emlFiles(t, dir)
	if len(names) != 1 {
		t.Fatalf("outbox holds %q", names)
	}
	raw, err := os.ReadFile(filepath.Join(dir, names[0]))
	if err != nil {
		t.Fatal(err)
	}
	p := parseMessage(t, raw)
	if p.subject != subject || p.text != text || p.html != html {
		t.Errorf("the message read back differs from what was sent:\nsubject %q\ntext %q\nhtml %q", p.subject, p.text, p.html)
	}
}

// TestNotices: the notices sent after a password or an address changed say what changed and
// when, and carry no link (a notice must not be a way into the account).
func TestNotices(t *testing.T) {
	changed := time.Date(2026, 3, 8, 9, 5, 0, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		name    string
		render  func() (string, string, string, error)
		subject string
		want    []string // in both parts
	}{
		{
			name: "password changed",
			render: func() (string, string, string, error) {
				return PasswordChanged(PasswordChangedData{Username: "alice", ChangedAt: changed})
			},
			subject: "Your CamCloud password was changed",
			want:    []string{"Hello alice,", "password of your CamCloud account was changed on Sunday, 8 March 2026, 08:05 UTC", "If you did not"},
		},
		{
			name: "e-mail changed",
			render: func() (string, string, string, error) {
				return EmailChanged(EmailChangedData{Platform: "Acme Video", Username: "alice", NewEmail: "alice@new.example", ChangedAt: changed})
			},
			subject: "Your Acme Video e-mail address was changed",
			want:    []string{"Hello alice,", "alice@new.example", "Sunday, 8 March 2026, 08:05 UTC", "If you did not"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			subject, text, html, err := tt.render()
			if err != nil {
				t.Fatal(err)
			}
			if subject != tt.subject {
				t.Errorf("subject %q, want %q", subject, tt.subject)
			}
			for part, body := range map[string]string{"text": text, "HTML": html} {
				for _, s := range tt.want {
					if !strings.Contains(body, s) {
						t.Errorf("%s part lacks %q:\n%s", part, s, body)
					}
				}
				for _, s := range []string{"http://", "https://", "href", "token", "link expires", "{{", "<no value>"} {
					if strings.Contains(body, s) {
						t.Errorf("%s part of a notice contains %q:\n%s", part, s, body)
					}
				}
			}
		})
	}
}

func TestNoticesRefuseBadDataAndEscape(t *testing.T) {
	_, _, html, err := EmailChanged(EmailChangedData{Username: "a", NewEmail: "<script>@x", ChangedAt: expires})
	if err != nil || strings.Contains(html, "<script>") {
		t.Errorf("e-mail changed: %v, HTML with a script tag:\n%s", err, html)
	}
	for name, f := range map[string]func() error{
		"password changed, no username": func() error {
			_, _, _, err := PasswordChanged(PasswordChangedData{Username: " ", ChangedAt: expires})
			return err
		},
		"password changed, no time": func() error {
			_, _, _, err := PasswordChanged(PasswordChangedData{Username: "u"})
			return err
		},
		"e-mail changed, no new address": func() error {
			_, _, _, err := EmailChanged(EmailChangedData{Username: "u", ChangedAt: expires})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			if err := f(); !errors.Is(err, ErrInvalidTemplateData) {
				t.Fatalf("err = %v, want ErrInvalidTemplateData", err)
			}
		})
	}
}
