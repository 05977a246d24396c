// Package email sends the account service's e-mails: the Mailer port, its two adapters (SMTP,
// and a file outbox that is the embedded default) and the templates of the messages (invitation,
// password reset, e-mail change confirmation), each in plain text and HTML.
//
// A message's Message-ID is stable per event (MessageIDFor), so a message sent again after a
// crash is recognisable: the outbox overwrites it, and receiving systems can de-duplicate it.
package email

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	netmail "net/mail"
	"regexp"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one e-mail to one recipient.
type Message struct {
	To      string // one address, e.g. "alice@example.com" or "Alice Smith <alice@example.com>"
	Subject string
	Text    string // the plain-text body; required
	HTML    string // the HTML body; optional. With both, the message is multipart/alternative
	// MessageID is the Message-ID header, e.g. "<3f0c...@camcloud.accounts>" (MessageIDFor).
	// Stable per event, so that a resend after a crash is recognisable. Empty: a random one.
	MessageID string
}

// Mailer sends messages. Send returns once the message is handed over (to the SMTP server, or
// to the outbox folder); an error means it may not have been, and the caller may retry with the
// same Message (same MessageID).
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

var (
	// ErrInvalidMessage is returned for a message that cannot be sent as it is (no or malformed
	// recipient, no subject or text, a malformed Message-ID). Retrying will not help.
	ErrInvalidMessage = errors.New("email: invalid message")
	// ErrRejected is returned when the SMTP server refuses the recipient or the message for good
	// (a 5xx answer to RCPT or DATA). Retrying will not help.
	ErrRejected = errors.New("email: rejected by the server")
)

// messageIDDomain is the right-hand side of the Message-IDs this service makes.
const messageIDDomain = "camcloud.accounts"

// MessageIDFor returns the Message-ID of the e-mail sent because of the event with the given ID,
// e.g. "<0b1e...@camcloud.accounts>". The same event always gives the same Message-ID.
func MessageIDFor(eventID string) string {
	return "<" + eventID + "@" + messageIDDomain + ">"
}

// msgIDPattern is RFC 5322's msg-id with dot-atom-text on both sides (no obsolete forms).
var msgIDPattern = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+)*@[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+)*$`)

// messageID returns m's Message-ID without angle brackets, or a random one when it has none.
func (m Message) messageID() (string, error) {
	if m.MessageID == "" {
		var b [16]byte
		_, _ = rand.Read(b[:])
		return hex.EncodeToString(b[:]) + "@" + messageIDDomain, nil
	}
	id := strings.TrimSuffix(strings.TrimPrefix(m.MessageID, "<"), ">")
	if len(id) > 250 || !msgIDPattern.MatchString(id) {
		return "", fmt.Errorf("%w: malformed Message-ID", ErrInvalidMessage)
	}
	return id, nil
}

// build makes the go-mail message of m, from the given sender, dated now. It returns the
// message and its Message-ID (without angle brackets).
func (m Message) build(from string, now time.Time) (*gomail.Msg, string, error) {
	if strings.ContainsAny(m.To, "\r\n") {
		return nil, "", fmt.Errorf("%w: malformed recipient", ErrInvalidMessage)
	}
	to, err := netmail.ParseAddress(m.To)
	if err != nil {
		return nil, "", fmt.Errorf("%w: malformed recipient: %w", ErrInvalidMessage, err)
	}
	if strings.TrimSpace(m.Subject) == "" || strings.ContainsAny(m.Subject, "\r\n") {
		return nil, "", fmt.Errorf("%w: a subject of one line is required", ErrInvalidMessage)
	}
	if strings.TrimSpace(m.Text) == "" {
		return nil, "", fmt.Errorf("%w: a text body is required", ErrInvalidMessage)
	}
	id, err := m.messageID()
	if err != nil {
		return nil, "", err
	}

	msg := gomail.NewMsg()
	if err := msg.From(from); err != nil {
		return nil, "", fmt.Errorf("email: sender: %w", err)
	}
	msg.ToMailAddress(to)
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(id)
	msg.SetDateWithValue(now)
	msg.SetUserAgent("camcloud-accounts")
	// RFC 3834: an automatic message; auto-responders should not answer it.
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, id, nil
}
