package notify_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/adapters/email"
	"github.com/camcloud/accounts/adapters/notify"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
	"github.com/camcloud/accounts/identity/identitycmd"
	"github.com/camcloud/accounts/identity/user"
	"github.com/camcloud/accounts/internal/pgtest"
	"github.com/camcloud/accounts/projections"
)

// noticeFixture is the outbox projector and the dispatcher on a store the test writes user
// events to directly: the notices depend on what the events carry, not on how commands make them.
type noticeFixture struct {
	ctx        context.Context
	store      *memory.Store
	codec      *eventstore.Codec
	pool       *pgxpool.Pool
	pipeline   *projections.Pipeline
	dispatcher *notify.Dispatcher
	dir        string
}

func newNoticeFixture(t *testing.T, outbox notify.Outbox) *noticeFixture {
	t.Helper()
	f := &noticeFixture{ctx: context.Background(), store: memory.New(), codec: eventstore.NewCodec(domain.Events()...), pool: pgtest.NewPool(t), dir: t.TempDir()}
	// The accounts read model too: the dispatcher reads account names from it.
	f.pipeline = projections.NewPipeline(f.store, f.pool, f.codec, watermill.NopLogger{}, accountview.Projector{}, outbox)
	if err := f.pipeline.Migrate(f.ctx); err != nil {
		t.Fatal(err)
	}
	links, err := identitycmd.NewLinks(bytes.Repeat([]byte("x"), 32))
	if err != nil {
		t.Fatal(err)
	}
	mailer, err := email.NewOutbox(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	if f.dispatcher, err = notify.NewDispatcher(f.pool, mailer, links, "https://portal.example/app", slog.New(slog.DiscardHandler), nil); err != nil {
		t.Fatal(err)
	}
	return f
}

// append records events on the user's stream.
func (f *noticeFixture) append(t *testing.T, userID string, events ...user.Event) {
	t.Helper()
	for _, e := range events {
		typ, data, err := f.codec.Encode(e)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.store.Append(f.ctx, "user-"+userID, eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: typ, Data: data}); err != nil {
			t.Fatal(err)
		}
	}
}

type queuedMail struct{ kind, recipient, newEmail, nonce string }

// queued lists the outbox in the order the events came.
func (f *noticeFixture) queued(t *testing.T) []queuedMail {
	t.Helper()
	if err := f.pipeline.CatchUp(f.ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := f.pool.Query(f.ctx, `SELECT kind, recipient, new_email, nonce FROM mail_outbox ORDER BY created_at, kind`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []queuedMail
	for rows.Next() {
		var q queuedMail
		if err := rows.Scan(&q.kind, &q.recipient, &q.newEmail, &q.nonce); err != nil {
			t.Fatal(err)
		}
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestNoticesGoToTheOldAddress: a changed password (by the user or through a reset link) and a
// confirmed new e-mail address each queue one notice, without a link, to the address the user
// had; a replay of every event queues none again.
func TestNoticesGoToTheOldAddress(t *testing.T) {
	f := newNoticeFixture(t, notify.Outbox{})
	userID := uuid.NewString()
	const hash = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"
	f.append(t, userID,
		user.Invited{UserID: userID, AccountID: account.PlatformRootID, Username: "jane", Email: "jane@old.example",
			Nonce: "bm9uY2U", ExpiresAt: time.Now().Add(time.Hour)},
		user.InvitationAccepted{UserID: userID, PasswordHash: hash, TermsVersion: "1", AgeConfirmed: true},
		user.PasswordChanged{UserID: userID, PasswordHash: hash},
		user.PasswordReset{UserID: userID, PasswordHash: hash},
		user.EmailChanged{UserID: userID, Previous: "jane@old.example", Email: "jane@new.example"},
		user.PasswordChanged{UserID: userID, PasswordHash: hash},
	)
	want := []queuedMail{
		{kind: "invitation", recipient: "jane@old.example", nonce: "bm9uY2U"},
		{kind: "password-changed", recipient: "jane@old.example"},
		{kind: "password-changed", recipient: "jane@old.example"},
		{kind: "email-changed", recipient: "jane@old.example", newEmail: "jane@new.example"},
		{kind: "password-changed", recipient: "jane@new.example"}, // after the move, to the new address
	}
	if got := f.queued(t); !slices.Equal(got, want) {
		t.Fatalf("queued\n%+v\nwant\n%+v", got, want)
	}

	// A replay, as a rebuild does, queues nothing twice.
	if err := f.pipeline.Rebuild(f.ctx, notify.Outbox{}.Name()); err != nil {
		t.Fatal(err)
	}
	if got := f.queued(t); !slices.Equal(got, want) {
		t.Fatalf("after a replay, queued\n%+v\nwant\n%+v", got, want)
	}

	sent, err := f.dispatcher.SendPending(f.ctx)
	if err != nil || sent != len(want) {
		t.Fatalf("sent %d (%v), want %d", sent, err, len(want))
	}
	var notices []*mail.Message
	for _, m := range mailsIn(t, f.dir) {
		if !strings.Contains(m.Header.Get("Subject"), "invitation") {
			notices = append(notices, m)
		}
	}
	if len(notices) != 4 {
		t.Fatalf("%d notices mailed, want 4", len(notices))
	}
	var emailChanged int
	for _, m := range notices {
		body := plainText(t, m)
		if strings.Contains(body, "https://") || strings.Contains(body, "token") {
			t.Errorf("a notice carries a link:\n%s", body)
		}
		if m.Header.Get("Subject") == "Your CamCloud e-mail address was changed" {
			emailChanged++
			if to := m.Header.Get("To"); !strings.Contains(to, "jane@old.example") {
				t.Errorf("e-mail change notice to %q, want the old address", to)
			}
			if !strings.Contains(body, "changed to jane@new.example") {
				t.Errorf("the notice does not name the new address:\n%s", body)
			}
		}
	}
	if emailChanged != 1 {
		t.Fatalf("%d e-mail change notices, want 1", emailChanged)
	}
}

// TestNoNoticeForAnOldChange: rebuilding the outbox long after a change (or adding notices to
// an outbox built before they existed) mails nothing about it.
func TestNoNoticeForAnOldChange(t *testing.T) {
	later := func() time.Time { return time.Now().Add(25 * time.Hour) }
	f := newNoticeFixture(t, notify.Outbox{Now: later})
	userID := uuid.NewString()
	f.append(t, userID,
		user.Invited{UserID: userID, AccountID: account.PlatformRootID, Username: "jane", Email: "jane@old.example",
			Nonce: "bm9uY2U", ExpiresAt: time.Now().Add(time.Hour)},
		user.PasswordChanged{UserID: userID, PasswordHash: "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"},
		user.EmailChanged{UserID: userID, Previous: "jane@old.example", Email: "jane@new.example"},
	)
	if got := f.queued(t); len(got) != 1 || got[0].kind != "invitation" {
		t.Fatalf("queued %+v, want only the invitation", got)
	}
}

func mailsIn(t *testing.T, dir string) []*mail.Message {
	t.Helper()
	return (&fixture{dir: dir}).mails(t)
}
