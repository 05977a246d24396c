package email

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func emlFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".eml") || strings.HasPrefix(e.Name(), ".") {
			t.Errorf("unexpected file %q in the outbox", e.Name())
			continue
		}
		names = append(names, e.Name())
	}
	return names
}

func TestOutboxWritesAParseableMessage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox") // created by NewOutbox
	o, err := NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Send(context.Background(), testMessage()); err != nil {
		t.Fatal(err)
	}
	names := emlFiles(t, dir)
	if len(names) != 1 {
		t.Fatalf("outbox holds %q, want one .eml file", names)
	}
	name := names[0]
	if want := "0b1e4c6e-3f7a-4d1e-9c1a-5b7f2f0e8d11@camcloud.accounts.eml"; name != want {
		t.Errorf("file name %q, want %q (the Message-ID alone)", name, want)
	}
	info, err := os.Stat(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("file mode %v: readable by others, and it holds single-use links", perm)
	}
	raw, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	p := checkTestMessage(t, raw)
	if from, err := p.header.AddressList("From"); err != nil || from[0].Address != "no-reply@camcloud.accounts" {
		t.Errorf("From %v (%v)", from, err)
	}
}

func TestOutboxSameMessageIDTwiceKeepsOneFile(t *testing.T) {
	dir := t.TempDir()
	o, err := NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	first := testMessage()
	if err := o.Send(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	before := emlFiles(t, dir)

	// A resend after a crash between sending and recording it finds the message handed over
	// already, and leaves it as it was.
	again := first
	again.Subject = "resent after a crash"
	if err := o.Send(context.Background(), again); err != nil {
		t.Fatal(err)
	}
	after := emlFiles(t, dir)
	if len(after) != 1 || after[0] != before[0] {
		t.Fatalf("outbox holds %q after a resend, want only %q", after, before)
	}
	raw, err := os.ReadFile(filepath.Join(dir, after[0]))
	if err != nil {
		t.Fatal(err)
	}
	if p := parseMessage(t, raw); p.subject != first.Subject {
		t.Errorf("subject %q: a resend rewrote the message", p.subject)
	}

	// A restarted process (a new Outbox on the same folder) finds it too.
	o2, err := NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := o2.Send(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	if got := emlFiles(t, dir); len(got) != 1 {
		t.Fatalf("outbox holds %q after a resend by a new Outbox", got)
	}

	// Another message is another file.
	other := first
	other.MessageID = MessageIDFor("another-event")
	if err := o.Send(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	if got := emlFiles(t, dir); len(got) != 2 {
		t.Fatalf("outbox holds %q, want two files", got)
	}
}

func TestOutboxConcurrentResends(t *testing.T) {
	dir := t.TempDir()
	o, err := NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := o.Send(context.Background(), testMessage()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := emlFiles(t, dir); len(got) != 1 {
		t.Fatalf("outbox holds %q, want one file", got)
	}
}

func TestOutboxRefusesInvalidMessagesAndDoneContexts(t *testing.T) {
	dir := t.TempDir()
	o, err := NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := testMessage()
	m.To = "not an address"
	if err := o.Send(context.Background(), m); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("invalid message: %v, want ErrInvalidMessage", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := o.Send(ctx, testMessage()); !errors.Is(err, context.Canceled) {
		t.Errorf("done context: %v, want context.Canceled", err)
	}
	if got := emlFiles(t, dir); len(got) != 0 {
		t.Fatalf("outbox holds %q, want nothing", got)
	}
}

func TestFileBase(t *testing.T) {
	if got := fileBase("abc-1@camcloud.accounts"); got != "abc-1@camcloud.accounts" {
		t.Errorf("fileBase kept %q", got)
	}
	a, b := fileBase("a/b@x"), fileBase("a+b@x")
	if a == b {
		t.Errorf("two IDs share the file name %q", a)
	}
	for _, s := range []string{a, b, fileBase("../../etc/passwd@x"), fileBase(strings.Repeat("x", 300) + "@y")} {
		if strings.ContainsAny(s, "/\\") || len(s) > 170 {
			t.Errorf("unsafe file name part %q", s)
		}
	}
}

// countingFiles counts the outbox's file system calls.
type countingFiles struct {
	fileOps
	mu    sync.Mutex
	calls map[string]int
}

func (c *countingFiles) count(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[op]++
}

func (c *countingFiles) Stat(name string) (os.FileInfo, error) {
	c.count("stat")
	return c.fileOps.Stat(name)
}

func (c *countingFiles) CreateTemp(dir, pattern string) (*os.File, error) {
	c.count("create")
	return c.fileOps.CreateTemp(dir, pattern)
}

func (c *countingFiles) Rename(from, to string) error {
	c.count("rename")
	return c.fileOps.Rename(from, to)
}

func (c *countingFiles) SyncDir(dir string) error {
	c.count("syncdir")
	return c.fileOps.SyncDir(dir)
}

// TestOutboxCostDoesNotGrowWithTheFolder: a mail costs the same file system calls (one stat to
// tell whether it was written, then a write) in an outbox of 100 messages as in one of 5,000,
// and the outbox has no way to list the folder. A resend is the stat alone.
func TestOutboxCostDoesNotGrowWithTheFolder(t *testing.T) {
	perMail := map[int]map[string]int{}
	for _, held := range []int{100, 5000} {
		dir := t.TempDir()
		o, err := NewOutbox(dir)
		if err != nil {
			t.Fatal(err)
		}
		for i := range held {
			// Files as the outbox names them, cheaper to make than real messages.
			name := fileBase(strings.Trim(MessageIDFor(fmt.Sprintf("held-%d", i)), "<>")) + ".eml"
			if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		counter := &countingFiles{fileOps: o.files, calls: map[string]int{}}
		o.files = counter
		const mails = 20
		for i := range mails {
			m := testMessage()
			m.MessageID = MessageIDFor(fmt.Sprintf("new-%d", i))
			if err := o.Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
		}
		perMail[held] = map[string]int{}
		for op, n := range counter.calls {
			perMail[held][op] = n / mails
		}
		if got := len(emlFiles(t, dir)); got != held+mails {
			t.Fatalf("outbox of %d holds %d files after %d mails", held, got, mails)
		}

		clear(counter.calls)
		m := testMessage()
		m.MessageID = MessageIDFor("new-0")
		if err := o.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		if want := map[string]int{"stat": 1}; !maps.Equal(counter.calls, want) {
			t.Errorf("a resend into an outbox of %d made %v, want %v", held, counter.calls, want)
		}
	}
	want := map[string]int{"stat": 1, "create": 1, "rename": 1, "syncdir": 1}
	for held, got := range perMail {
		if !maps.Equal(got, want) {
			t.Errorf("a mail into an outbox of %d made %v, want %v", held, got, want)
		}
	}
}
