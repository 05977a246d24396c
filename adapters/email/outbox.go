package email

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultFrom is the sender of the messages the outbox writes.
const DefaultFrom = "CamCloud <no-reply@camcloud.accounts>"

// Outbox is the Mailer of the embedded default: it writes each message as an RFC 5322 .eml file
// into a folder, where a developer opens it in a mail client or reads it (ls -t lists them by
// time). Files may hold single-use links, so the folder is private to the user (0700, files
// 0600). Safe for concurrent use, also by several processes on one folder.
//
// A message's file is named after its Message-ID alone, so "was it written already?" is one
// stat, however many messages the folder holds: never a listing of the folder.
type Outbox struct {
	dir   string
	files fileOps
}

var _ Mailer = (*Outbox)(nil)

// fileOps are the file system calls the outbox makes; a test counts them. There is no way to
// list the folder among them, on purpose.
type fileOps interface {
	Stat(name string) (os.FileInfo, error)
	CreateTemp(dir, pattern string) (*os.File, error)
	Rename(from, to string) error
	SyncDir(dir string) error
}

type osFiles struct{}

func (osFiles) Stat(name string) (os.FileInfo, error)            { return os.Stat(name) }
func (osFiles) CreateTemp(dir, pattern string) (*os.File, error) { return os.CreateTemp(dir, pattern) }
func (osFiles) Rename(from, to string) error                     { return os.Rename(from, to) }

// SyncDir makes a rename into dir durable; best effort (not every file system can).
func (osFiles) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// NewOutbox returns an outbox writing into dir, which it creates if needed.
func NewOutbox(dir string) (*Outbox, error) {
	if dir == "" {
		return nil, fmt.Errorf("email: outbox folder is required")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("email: outbox: %w", err)
	}
	return &Outbox{dir: dir, files: osFiles{}}, nil
}

// Send writes m to <dir>/<message id>.eml, atomically (a temporary file renamed into place). A
// message whose Message-ID is in the outbox already was handed over before (a resend after a
// crash between sending and recording it): it is not written again, so the outbox holds each
// message once, as the first send wrote it.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("email: outbox: %w", err)
	}
	msg, id, err := m.build(DefaultFrom, time.Now().UTC())
	if err != nil {
		return err
	}
	path := filepath.Join(o.dir, fileBase(id)+".eml")
	switch _, err := o.files.Stat(path); {
	case err == nil:
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("email: outbox: %w", err)
	}

	tmp, err := o.files.CreateTemp(o.dir, ".tmp-*.eml")
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
		// Two senders of one message at once both get here; the later rename replaces the
		// earlier file with the same message, so the outbox still holds it once.
		err = o.files.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("email: outbox: write <%s>: %w", id, err)
	}
	_ = o.files.SyncDir(o.dir)
	return nil
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
