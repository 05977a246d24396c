package email

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
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
	if _, err := time.Parse(outboxTimeLayout, name[:len(outboxTimeLayout)]); err != nil {
		t.Errorf("file name %q does not start with a time: %v", name, err)
	}
	if want := "-0b1e4c6e-3f7a-4d1e-9c1a-5b7f2f0e8d11@camcloud.accounts.eml"; !strings.HasSuffix(name, want) {
		t.Errorf("file name %q, want it to end in %q", name, want)
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
	if p := parseMessage(t, raw); p.subject != "resent after a crash" {
		t.Errorf("subject %q: the file was not replaced", p.subject)
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
