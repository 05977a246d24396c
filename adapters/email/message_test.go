package email

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
)

// parsed is a received message, taken apart as a mail client would.
type parsed struct {
	header    mail.Header
	subject   string
	text      string
	html      string
	mediaType string
}

// parseMessage parses an RFC 5322 message with a text and an optional HTML part.
func parseMessage(t *testing.T, raw []byte) parsed {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the message does not parse: %v\n%s", err, raw)
	}
	p := parsed{header: msg.Header}
	if p.subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("subject: %v", err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("content type: %v", err)
	}
	p.mediaType = mediaType
	if !strings.HasPrefix(mediaType, "multipart/") {
		p.text = decodePart(t, msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
		return p
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("part: %v", err)
		}
		// multipart.Part decodes quoted-printable itself and drops the header.
		body := decodePart(t, part.Header.Get("Content-Transfer-Encoding"), part)
		partType, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		switch partType {
		case "text/plain":
			p.text = body
		case "text/html":
			p.html = body
		default:
			t.Fatalf("unexpected part %q", partType)
		}
	}
	return p
}

func decodePart(t *testing.T, encoding string, r io.Reader) string {
	t.Helper()
	if strings.EqualFold(encoding, "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read part: %v", err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

func testMessage() Message {
	return Message{
		To:        "Alice Smith <alice@example.com>",
		Subject:   "Einladung für Acme — account invitation",
		Text:      "Hello Alice,\n\nAccept Invitation:\nhttps://accounts.example.com/invitations/accept?token=abc&x=1\n",
		HTML:      `<p>Hello Alice,</p><p><a href="https://accounts.example.com/invitations/accept?token=abc&amp;x=1">Accept Invitation</a></p>`,
		MessageID: MessageIDFor("0b1e4c6e-3f7a-4d1e-9c1a-5b7f2f0e8d11"),
	}
}

// checkTestMessage checks that raw is testMessage() as a mail client sees it.
func checkTestMessage(t *testing.T, raw []byte) parsed {
	t.Helper()
	want := testMessage()
	p := parseMessage(t, raw)
	if p.mediaType != "multipart/alternative" {
		t.Errorf("Content-Type %q, want multipart/alternative", p.mediaType)
	}
	if p.subject != want.Subject {
		t.Errorf("Subject %q, want %q", p.subject, want.Subject)
	}
	to, err := p.header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "alice@example.com" || to[0].Name != "Alice Smith" {
		t.Errorf("To %v (%v), want Alice Smith <alice@example.com>", to, err)
	}
	if got := p.header.Get("Message-Id"); got != want.MessageID {
		t.Errorf("Message-ID %q, want %q", got, want.MessageID)
	}
	if _, err := p.header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if _, err := p.header.AddressList("From"); err != nil {
		t.Errorf("From: %v", err)
	}
	if p.header.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("Auto-Submitted %q", p.header.Get("Auto-Submitted"))
	}
	if strings.TrimSpace(p.text) != strings.TrimSpace(want.Text) {
		t.Errorf("text part %q, want %q", p.text, want.Text)
	}
	if strings.TrimSpace(p.html) != strings.TrimSpace(want.HTML) {
		t.Errorf("HTML part %q, want %q", p.html, want.HTML)
	}
	return p
}

func TestMessageIDFor(t *testing.T) {
	a, b := MessageIDFor("e1"), MessageIDFor("e1")
	if a != b || a != "<e1@camcloud.accounts>" {
		t.Fatalf("MessageIDFor = %q, %q", a, b)
	}
}

func TestInvalidMessages(t *testing.T) {
	ok := testMessage()
	for name, change := range map[string]func(*Message){
		"no recipient":            func(m *Message) { m.To = "" },
		"two recipients":          func(m *Message) { m.To = "a@example.com, b@example.com" },
		"malformed recipient":     func(m *Message) { m.To = "not an address" },
		"header injection in To":  func(m *Message) { m.To = "a@example.com\r\nBcc: b@example.com" },
		"no subject":              func(m *Message) { m.Subject = " " },
		"header injection":        func(m *Message) { m.Subject = "hi\r\nBcc: b@example.com" },
		"no text":                 func(m *Message) { m.Text = "" },
		"malformed Message-ID":    func(m *Message) { m.MessageID = "<two words@x>" },
		"Message-ID without host": func(m *Message) { m.MessageID = "<abc>" },
		"Message-ID with CRLF":    func(m *Message) { m.MessageID = "<a@b>\r\nBcc: c@d" },
	} {
		t.Run(name, func(t *testing.T) {
			m := ok
			change(&m)
			if _, _, err := m.build(DefaultFrom, fixedNow); !errors.Is(err, ErrInvalidMessage) {
				t.Fatalf("build: %v, want ErrInvalidMessage", err)
			}
		})
	}
	t.Run("a text-only message is fine", func(t *testing.T) {
		m := ok
		m.HTML = ""
		if _, _, err := m.build(DefaultFrom, fixedNow); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("no Message-ID gets a random one", func(t *testing.T) {
		m := ok
		m.MessageID = ""
		_, a, err := m.build(DefaultFrom, fixedNow)
		if err != nil {
			t.Fatal(err)
		}
		_, b, _ := m.build(DefaultFrom, fixedNow)
		if a == b || !strings.HasSuffix(a, "@camcloud.accounts") {
			t.Fatalf("generated ids %q, %q", a, b)
		}
	})
}
