package notify_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/camcloud/accounts/identity/identitycmd"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/accounts/accountcmd"
	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/adapters/email"
	"github.com/camcloud/accounts/adapters/notify"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
	"github.com/camcloud/accounts/internal/pgtest"
	"github.com/camcloud/accounts/projections"
)

// flaky is a mailer that fails while down is set and otherwise hands messages to the real file
// outbox.
type flaky struct {
	mu     sync.Mutex
	down   bool
	outbox *email.Outbox
}

func (f *flaky) Send(ctx context.Context, m email.Message) error {
	f.mu.Lock()
	down := f.down
	f.mu.Unlock()
	if down {
		return errors.New("connection refused")
	}
	return f.outbox.Send(ctx, m)
}

type fixture struct {
	ctx        context.Context
	pool       *pgxpool.Pool
	pipeline   *projections.Pipeline
	accounts   *accountcmd.Commands
	identity   *identitycmd.Commands
	links      *identitycmd.Links
	dispatcher *notify.Dispatcher
	mailer     *flaky
	dir        string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	store := memory.New()
	codec := eventstore.NewCodec(domain.Events()...)
	pool := pgtest.NewPool(t)
	links, err := identitycmd.NewLinks(bytes.Repeat([]byte("x"), 32))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	outbox, err := email.NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{ctx: ctx, pool: pool, links: links, dir: dir, mailer: &flaky{outbox: outbox}}
	f.pipeline = projections.NewPipeline(store, pool, codec, watermill.NopLogger{}, accountview.Projector{}, notify.Outbox{})
	if err := f.pipeline.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	handler := command.NewHandler(store, codec)
	// Inviting needs no authorization check, password or session: the dependencies stay empty.
	f.identity = identitycmd.New(handler, identitycmd.Config{}, identitycmd.Deps{Links: links})
	f.accounts = accountcmd.New(handler, nil, f.identity)
	if _, err := f.accounts.EnsurePlatformRoot(ctx, command.Service("test"), "Acme Cloud", account.Address{Line1: "1 Way", City: "Town", Country: "US"}); err != nil {
		t.Fatal(err)
	}
	if f.dispatcher, err = notify.NewDispatcher(pool, f.mailer, links, "https://portal.example/app", slog.New(slog.DiscardHandler), nil); err != nil {
		t.Fatal(err)
	}
	return f
}

// project brings the read models and the outbox up to date, and sends what is due.
func (f *fixture) project(t *testing.T) int {
	t.Helper()
	if err := f.pipeline.CatchUp(f.ctx); err != nil {
		t.Fatal(err)
	}
	sent, err := f.dispatcher.SendPending(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return sent
}

func (f *fixture) mails(t *testing.T) []*mail.Message {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(f.dir, "*.eml"))
	var out []*mail.Message
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s is not a mail message: %v", name, err)
		}
		out = append(out, m)
	}
	return out
}

func TestInvitationIsMailedOnceWithAWorkingLink(t *testing.T) {
	f := newFixture(t)
	invited, err := f.identity.InviteFirstAdministrator(f.ctx, command.Service("test"), account.PlatformRootID, "jane", "jane@example.test")
	if err != nil {
		t.Fatal(err)
	}
	if sent := f.project(t); sent != 1 {
		t.Fatalf("sent %d messages, want 1", sent)
	}
	mails := f.mails(t)
	if len(mails) != 1 {
		t.Fatalf("%d mails in the outbox, want 1", len(mails))
	}
	if to, err := mail.ParseAddress(mails[0].Header.Get("To")); err != nil || to.Address != "jane@example.test" {
		t.Fatalf("mail to %q (%v), want jane@example.test", mails[0].Header.Get("To"), err)
	}
	body := plainText(t, mails[0])
	link := findLink(body, "https://portal.example/app/accept-invitation?token=")
	if link == "" {
		t.Fatalf("no invitation link in:\n%s", body)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	userID, _, err := f.links.Open(identitycmd.PurposeInvitation, u.Query().Get("token"))
	if err != nil || userID != invited.UserID {
		t.Fatalf("the mailed token opens to %q, %v; want user %s", userID, err, invited.UserID)
	}

	// Replaying every event into the outbox, as a rebuild does, sends nothing again.
	if err := f.pipeline.Rebuild(f.ctx, notify.Outbox{}.Name()); err != nil {
		t.Fatal(err)
	}
	if sent := f.project(t); sent != 0 {
		t.Fatalf("a replay sent %d more messages", sent)
	}
	if n := len(f.mails(t)); n != 1 {
		t.Fatalf("%d mails after a replay, want 1", n)
	}
}

func TestResendMailsTheNewLink(t *testing.T) {
	f := newFixture(t)
	invited, err := f.identity.InviteFirstAdministrator(f.ctx, command.Service("test"), account.PlatformRootID, "jane", "jane@example.test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.identity.ResendInvitation(f.ctx, command.Service("test"), invited.UserID); err != nil {
		t.Fatal(err)
	}
	if sent := f.project(t); sent != 2 {
		t.Fatalf("sent %d messages, want the invitation and its resend", sent)
	}
}

func TestFailedSendIsRetried(t *testing.T) {
	f := newFixture(t)
	f.mailer.down = true
	if _, err := f.identity.InviteFirstAdministrator(f.ctx, command.Service("test"), account.PlatformRootID, "jane", "jane@example.test"); err != nil {
		t.Fatal(err)
	}
	if sent := f.project(t); sent != 0 {
		t.Fatalf("sent %d while the mail server was down", sent)
	}
	var attempts int
	var lastError string
	if err := f.pool.QueryRow(f.ctx, `SELECT attempts, last_error FROM mail_outbox`).Scan(&attempts, &lastError); err != nil {
		t.Fatal(err)
	}
	if attempts != 1 || !strings.Contains(lastError, "connection refused") {
		t.Fatalf("after a failure: attempts %d, last error %q", attempts, lastError)
	}
	f.mailer.mu.Lock()
	f.mailer.down = false
	f.mailer.mu.Unlock()
	if sent := f.project(t); sent != 0 {
		t.Fatalf("sent %d before the backoff passed", sent)
	}
	if _, err := f.pool.Exec(f.ctx, `UPDATE mail_outbox SET next_try = now()`); err != nil {
		t.Fatal(err)
	}
	if sent := f.project(t); sent != 1 {
		t.Fatalf("sent %d after the backoff, want 1", sent)
	}
}

// TestFailedLookupDoesNotSendTwice: a query that failed while a message was composed used to
// abort its transaction unnoticed, so the message went out, could not be marked sent, and went
// out again on every pass. Now the message waits, and goes out once the lookup works.
func TestFailedLookupDoesNotSendTwice(t *testing.T) {
	f := newFixture(t)
	if _, err := f.identity.InviteFirstAdministrator(f.ctx, command.Service("test"), account.PlatformRootID, "jane", "jane@example.test"); err != nil {
		t.Fatal(err)
	}
	if err := f.pipeline.CatchUp(f.ctx); err != nil {
		t.Fatal(err)
	}
	// The accounts read model cannot be read for a while.
	if _, err := f.pool.Exec(f.ctx, `ALTER TABLE accounts RENAME TO accounts_away`); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, _ = f.dispatcher.SendPending(f.ctx)
		_, _ = f.pool.Exec(f.ctx, `UPDATE mail_outbox SET next_try = now()`)
	}
	if n := len(f.mails(t)); n != 0 {
		t.Fatalf("%d mails sent while the account could not be read, want 0 (and later 1)", n)
	}
	var lastError string
	if err := f.pool.QueryRow(f.ctx, `SELECT coalesce(last_error, '') FROM mail_outbox`).Scan(&lastError); err != nil || !strings.Contains(lastError, "accounts") {
		t.Fatalf("last error %q (%v), want the failed lookup", lastError, err)
	}
	if _, err := f.pool.Exec(f.ctx, `ALTER TABLE accounts_away RENAME TO accounts`); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := f.dispatcher.SendPending(f.ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.mails(t)); n != 1 {
		t.Fatalf("%d mails sent, want 1", n)
	}
}

func TestExpiredLinkIsNotMailed(t *testing.T) {
	f := newFixture(t)
	if _, err := f.identity.InviteFirstAdministrator(f.ctx, command.Service("test"), account.PlatformRootID, "jane", "jane@example.test"); err != nil {
		t.Fatal(err)
	}
	if err := f.pipeline.CatchUp(f.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(f.ctx, `UPDATE mail_outbox SET expires_at = now() - interval '1 minute'`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.dispatcher.SendPending(f.ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(f.mails(t)); n != 0 {
		t.Fatalf("%d mails with a dead link were sent", n)
	}
}

// plainText returns the decoded text/plain part of a message.
func plainText(t *testing.T, m *mail.Message) string {
	t.Helper()
	media, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(media, "multipart/") {
		t.Fatalf("Content-Type %q: want multipart (text and HTML)", m.Header.Get("Content-Type"))
	}
	parts := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := parts.NextPart() // decodes quoted-printable itself
		if err != nil {
			t.Fatalf("no text/plain part: %v", err)
		}
		if strings.HasPrefix(part.Header.Get("Content-Type"), "text/plain") {
			raw, err := io.ReadAll(part)
			if err != nil {
				t.Fatal(err)
			}
			return string(raw)
		}
	}
}

// findLink returns the first URL in text that starts with prefix.
func findLink(text, prefix string) string {
	i := strings.Index(text, prefix)
	if i < 0 {
		return ""
	}
	end := strings.IndexFunc(text[i:], func(r rune) bool { return r == ' ' || r == '\n' || r == '\r' || r == '"' || r == '<' })
	if end < 0 {
		return text[i:]
	}
	return text[i : i+end]
}
