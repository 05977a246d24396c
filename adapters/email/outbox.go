package email

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// DefaultFrom is the sender of the messages the outbox writes.
const DefaultFrom = "CamCloud <no-reply@camcloud.accounts>"

// outboxTimeLayout starts each file name: fixed width, so names sort by the time of the first
// write and the rest of the name can be found after it.
const outboxTimeLayout = "20060102T150405.000000000Z"

// Outbox is the Mailer of the embedded default: it writes each message as an RFC 5322 .eml file
// into a folder, where a developer opens it in a mail client or reads it. Files may hold
// single-use links, so the folder is private to the user (0700, files 0600). Safe for concurrent
// use by one process.
type Outbox struct {
	dir string
	mu  sync.Mutex
}

var _ Mailer = (*Outbox)(nil)

// NewOutbox returns an outbox writing into dir, which it creates if needed.
func NewOutbox(dir string) (*Outbox, error) {
	if dir == "" {
		return nil, fmt.Errorf("email: outbox folder is required")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("email: outbox: %w", err)
	}
	return &Outbox{dir: dir}, nil
}

// Send writes m to <dir>/<time>-<message id>.eml, atomically (a temporary file renamed into
// place). A message with a Message-ID already in the outbox replaces that file, so a resend
// after a crash leaves one file.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("email: outbox: %w", err)
	}
	now := time.Now().UTC()
	msg, id, err := m.build(DefaultFrom, now)
	if err != nil {
		return err
	}
	base := fileBase(id)

	o.mu.Lock()
	defer o.mu.Unlock()
	name, err := o.existing(base)
	if err != nil {
		return err
	}
	if name == "" {
		name = now.Format(outboxTimeLayout) + "-" + base + ".eml"
	}

	tmp, err := os.CreateTemp(o.dir, ".tmp-*.eml")
	if err != nil {
		return fmt.Errorf("email: outbox: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // a no-op once renamed
	w := bufio.NewWriter(tmp)
	_, err = msg.WriteTo(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(o.dir, name))
	}
	if err != nil {
		return fmt.Errorf("email: outbox: write <%s>: %w", id, err)
	}
	if d, err := os.Open(o.dir); err == nil { // make the rename durable; best effort
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// existing returns the name of the file already holding the message whose file name base is
// base, or "" when there is none.
func (o *Outbox) existing(base string) (string, error) {
	entries, err := os.ReadDir(o.dir)
	if err != nil {
		return "", fmt.Errorf("email: outbox: %w", err)
	}
	suffix := base + ".eml"
	for _, e := range entries {
		name := e.Name()
		if len(name) == len(outboxTimeLayout)+1+len(suffix) && strings.HasSuffix(name, suffix) &&
			name[len(outboxTimeLayout)] == '-' && e.Type().IsRegular() {
			return name, nil
		}
	}
	return "", nil
}

// fileBase turns a Message-ID (without angle brackets) into a file name part: letters, digits and
// . _ @ - are kept, anything else becomes _, and then a short hash of the whole ID is added so
// that two IDs differing only there do not share a file.
func fileBase(id string) string {
	var b strings.Builder
	changed := false
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '@', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
			changed = true
		}
	}
	s := b.String()
	if len(s) > 150 {
		s, changed = s[:150], true
	}
	if changed {
		sum := sha256.Sum256([]byte(id))
		s += "-" + hex.EncodeToString(sum[:4])
	}
	return s
}
