package email

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"
	"unicode/utf8"
)

// DefaultPlatform is the product name the templates use when the data names none.
const DefaultPlatform = "CamCloud"

// InvitationData fills the invitation e-mail, sent to a new user (the first user of a new
// account, or one an administrator adds).
type InvitationData struct {
	Platform    string // the product's name; "" means DefaultPlatform
	AccountName string // the account the user joins; "" reads "an account"
	Username    string
	Link        string // the accept-invitation link: absolute http(s) URL holding the token
	ExpiresAt   time.Time
	InvitedBy   string // who invites, e.g. "Alice Smith"; "" when the platform does
}

// PasswordResetData fills the password-reset e-mail.
type PasswordResetData struct {
	Platform  string
	Username  string
	Link      string
	ExpiresAt time.Time
}

// EmailChangeData fills the confirmation e-mail sent to the NEW address of a user who asked to
// change theirs.
type EmailChangeData struct {
	Platform  string
	Username  string
	NewEmail  string
	Link      string
	ExpiresAt time.Time
}

// PasswordChangedData fills the notice that a user's password was changed (by the user, or
// through a reset link). It carries no link: a notice must not be a way into the account.
type PasswordChangedData struct {
	Platform  string
	Username  string
	ChangedAt time.Time
}

// EmailChangedData fills the notice sent to the OLD address of a user whose address change was
// confirmed, so that the owner of that mailbox learns of a change they may not have made.
type EmailChangedData struct {
	Platform  string
	Username  string
	NewEmail  string
	ChangedAt time.Time
}

// ErrInvalidTemplateData is returned when the data cannot fill a template: a required field is
// missing or the link is not an absolute http(s) URL. The error never quotes the link (it holds
// a secret token).
var ErrInvalidTemplateData = errors.New("email: invalid template data")

// Invitation renders the invitation e-mail ("<Platform> account invitation", with an Accept
// Invitation button in HTML and the link in text).
func Invitation(d InvitationData) (subject, text, html string, err error) {
	v, err := newView(d.Platform, d.Link, d.ExpiresAt)
	if err != nil {
		return "", "", "", fmt.Errorf("invitation: %w", err)
	}
	v.AccountName, v.Username, v.InvitedBy = line(d.AccountName), line(d.Username), line(d.InvitedBy)
	if v.Username == "" {
		return "", "", "", fmt.Errorf("invitation: %w: username is required", ErrInvalidTemplateData)
	}
	v.Subject = v.Platform + " account invitation"
	v.Action = "Accept Invitation"
	return render("invitation", v)
}

// PasswordReset renders the password-reset e-mail ("Reset your <Platform> password").
func PasswordReset(d PasswordResetData) (subject, text, html string, err error) {
	v, err := newView(d.Platform, d.Link, d.ExpiresAt)
	if err != nil {
		return "", "", "", fmt.Errorf("password reset: %w", err)
	}
	v.Username = line(d.Username)
	if v.Username == "" {
		return "", "", "", fmt.Errorf("password reset: %w: username is required", ErrInvalidTemplateData)
	}
	v.Subject = "Reset your " + v.Platform + " password"
	v.Action = "Reset Password"
	return render("password_reset", v)
}

// EmailChange renders the e-mail that asks the new address to confirm an address change
// ("Confirm your new e-mail address for <Platform>").
func EmailChange(d EmailChangeData) (subject, text, html string, err error) {
	v, err := newView(d.Platform, d.Link, d.ExpiresAt)
	if err != nil {
		return "", "", "", fmt.Errorf("e-mail change: %w", err)
	}
	v.Username, v.NewEmail = line(d.Username), line(d.NewEmail)
	if v.Username == "" || v.NewEmail == "" {
		return "", "", "", fmt.Errorf("e-mail change: %w: username and new e-mail address are required", ErrInvalidTemplateData)
	}
	v.Subject = "Confirm your new e-mail address for " + v.Platform
	v.Action = "Confirm E-mail Address"
	return render("email_change", v)
}

// PasswordChanged renders the notice "Your <Platform> password was changed".
func PasswordChanged(d PasswordChangedData) (subject, text, html string, err error) {
	v, err := newNoticeView(d.Platform, d.Username, d.ChangedAt)
	if err != nil {
		return "", "", "", fmt.Errorf("password changed: %w", err)
	}
	v.Subject = "Your " + v.Platform + " password was changed"
	return render("password_changed", v)
}

// EmailChanged renders the notice "Your <Platform> e-mail address was changed", for the old
// address.
func EmailChanged(d EmailChangedData) (subject, text, html string, err error) {
	v, err := newNoticeView(d.Platform, d.Username, d.ChangedAt)
	if err != nil {
		return "", "", "", fmt.Errorf("e-mail changed: %w", err)
	}
	if v.NewEmail = line(d.NewEmail); v.NewEmail == "" {
		return "", "", "", fmt.Errorf("e-mail changed: %w: new e-mail address is required", ErrInvalidTemplateData)
	}
	v.Subject = "Your " + v.Platform + " e-mail address was changed"
	return render("email_changed", v)
}

// view is what every template sees. Its strings are single lines of plain text; html/template
// escapes them for HTML.
type view struct {
	Platform, Subject, Action, Link, Expires   string
	AccountName, Username, InvitedBy, NewEmail string
	When                                       string // when the change a notice reports happened
}

// newNoticeView is the view of a notice: no link, no action, a time it reports.
func newNoticeView(platform, username string, when time.Time) (view, error) {
	if when.IsZero() {
		return view{}, fmt.Errorf("%w: the time of the change is required", ErrInvalidTemplateData)
	}
	v := view{Platform: line(platform), Username: line(username), When: formatTime(when)}
	if v.Platform == "" {
		v.Platform = DefaultPlatform
	}
	if v.Username == "" {
		return view{}, fmt.Errorf("%w: username is required", ErrInvalidTemplateData)
	}
	return v, nil
}

// formatTime is how every message shows a time: in words, in UTC.
func formatTime(t time.Time) string { return t.UTC().Format("Monday, 2 January 2006, 15:04 UTC") }

func newView(platform, link string, expiresAt time.Time) (view, error) {
	if err := checkLink(link); err != nil {
		return view{}, err
	}
	if expiresAt.IsZero() {
		return view{}, fmt.Errorf("%w: expiry time is required", ErrInvalidTemplateData)
	}
	platform = line(platform)
	if platform == "" {
		platform = DefaultPlatform
	}
	return view{
		Platform: platform,
		Link:     link,
		Expires:  formatTime(expiresAt),
	}, nil
}

// checkLink accepts an absolute http or https URL without spaces or control characters.
func checkLink(link string) error {
	if link == "" {
		return fmt.Errorf("%w: link is required", ErrInvalidTemplateData)
	}
	if len(link) > 2048 || strings.IndexFunc(link, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return fmt.Errorf("%w: malformed link", ErrInvalidTemplateData)
	}
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return fmt.Errorf("%w: the link must be an absolute http(s) URL", ErrInvalidTemplateData)
	}
	return nil
}

// line makes s one line of at most 200 characters: control characters and runs of white space
// become one space. A name cannot add lines to a message, or look like a paragraph of its own.
func line(s string) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError
	}), " ")
	if utf8.RuneCountInString(s) > 200 {
		s = string([]rune(s)[:199]) + "…"
	}
	return s
}

//go:embed templates/*.tmpl
var templateFiles embed.FS

// The parsed templates: one text and one HTML template per kind of message. They are parsed
// once and only read afterwards.
var (
	textTemplates = texttemplate.Must(texttemplate.New("").Option("missingkey=error").ParseFS(templateFiles, "templates/*.txt.tmpl"))
	htmlTemplates = map[string]*htmltemplate.Template{
		"invitation":     parseHTML("invitation"),
		"password_reset": parseHTML("password_reset"),
		"email_change":   parseHTML("email_change"),
		// Notices: no link.
		"password_changed": parseHTML("password_changed"),
		"email_changed":    parseHTML("email_changed"),
	}
)

func parseHTML(kind string) *htmltemplate.Template {
	return htmltemplate.Must(htmltemplate.New("").Option("missingkey=error").
		ParseFS(templateFiles, "templates/layout.html.tmpl", "templates/"+kind+".html.tmpl"))
}

func render(kind string, v view) (subject, text, html string, err error) {
	var t, h bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&t, kind+".txt.tmpl", v); err != nil {
		return "", "", "", fmt.Errorf("email: render %s text: %w", kind, err)
	}
	if err := htmlTemplates[kind].ExecuteTemplate(&h, "layout", v); err != nil {
		return "", "", "", fmt.Errorf("email: render %s HTML: %w", kind, err)
	}
	return v.Subject, t.String(), h.String(), nil
}
