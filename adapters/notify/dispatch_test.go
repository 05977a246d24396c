package notify_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/accounts/accountcmd"
	"github.com/camcloud/accounts/adapters/email"
	"github.com/camcloud/accounts/adapters/notify"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/jobs"
)

// mailerFunc is a Mailer made of a function.
type mailerFunc func(ctx context.Context, m email.Message) error

func (f mailerFunc) Send(ctx context.Context, m email.Message) error { return f(ctx, m) }

// queueInvitations creates n accounts with a first user each and projects them, so that n
// invitations wait in the outbox table.
func (f *fixture) queueInvitations(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		_, err := f.accounts.Create(f.ctx, command.Service("test"), accountcmd.CreateAccount{
			ParentID: account.PlatformRootID, Kind: account.KindCustomer, Name: fmt.Sprintf("Customer %d", i),
			Address:   account.Address{Line1: "1 Way", City: "Town", Country: "US"},
			FirstUser: &accountcmd.FirstUser{Email: fmt.Sprintf("first-%d@example.test", i)},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := f.pipeline.CatchUp(f.ctx); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) dispatcherWith(t *testing.T, m email.Mailer) *notify.Dispatcher {
	t.Helper()
	d, err := notify.NewDispatcher(f.pool, m, f.links, "https://portal.example/app", slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestNoTransactionIsOpenWhileMailIsSent: while the mailer talks to its server (or writes its
// file), no session of the dispatcher holds a transaction, so a slow mail server holds no row
// lock and no connection in a transaction.
func TestNoTransactionIsOpenWhileMailIsSent(t *testing.T) {
	f := newFixture(t)
	f.queueInvitations(t, 3)
	var open []int
	d := f.dispatcherWith(t, mailerFunc(func(ctx context.Context, m email.Message) error {
		var n int
		err := f.pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`).Scan(&n)
		if err != nil {
			return err
		}
		open = append(open, n)
		return f.mailer.Send(ctx, m)
	}))
	sent, err := d.SendPending(f.ctx)
	if err != nil || sent != 3 {
		t.Fatalf("sent %d (%v), want 3", sent, err)
	}
	for i, n := range open {
		if n != 0 {
			t.Errorf("mail %d was sent while %d other sessions had a transaction open", i, n)
		}
	}
}

// TestCrashBetweenSendAndRecordSendsOnceMoreAfterTheLease: the dispatcher dies after the mail
// went out and before it was recorded. Nobody sends it while its lease runs; then it goes out
// once more with the same Message-ID, which the file outbox recognises: one file.
func TestCrashBetweenSendAndRecordSendsOnceMoreAfterTheLease(t *testing.T) {
	f := newFixture(t)
	f.queueInvitations(t, 1)
	ctx, crash := context.WithCancel(f.ctx)
	var ids []string
	d := f.dispatcherWith(t, mailerFunc(func(_ context.Context, m email.Message) error {
		ids = append(ids, m.MessageID)
		err := f.mailer.Send(f.ctx, m)
		crash() // the process dies before it records the mail as sent
		return err
	}))
	if _, err := d.SendPending(ctx); err == nil {
		t.Fatal("recording the mail worked on a cancelled context")
	}
	var pending bool
	if err := f.pool.QueryRow(f.ctx, `SELECT sent_at IS NULL AND next_try > now() + interval '1 minute' FROM mail_outbox`).Scan(&pending); err != nil || !pending {
		t.Fatalf("after the crash the mail is not pending under a lease (%v)", err)
	}

	// Another dispatcher does not take it while the lease runs...
	if sent, err := f.dispatcher.SendPending(f.ctx); err != nil || sent != 0 {
		t.Fatalf("sent %d (%v) during the lease, want 0", sent, err)
	}
	// ...and sends it again when the lease is over.
	if _, err := f.pool.Exec(f.ctx, `UPDATE mail_outbox SET next_try = now()`); err != nil {
		t.Fatal(err)
	}
	again := f.dispatcherWith(t, mailerFunc(func(ctx context.Context, m email.Message) error {
		ids = append(ids, m.MessageID)
		return f.mailer.Send(ctx, m)
	}))
	if sent, err := again.SendPending(f.ctx); err != nil || sent != 1 {
		t.Fatalf("sent %d (%v) after the lease, want 1", sent, err)
	}
	if len(ids) != 2 || ids[0] != ids[1] {
		t.Fatalf("Message-IDs sent: %q, want the same one twice", ids)
	}
	if n := len(f.mails(t)); n != 1 {
		t.Fatalf("%d files in the outbox, want 1", n)
	}
	var attempts int
	var sentAt *time.Time
	if err := f.pool.QueryRow(f.ctx, `SELECT attempts, sent_at FROM mail_outbox`).Scan(&attempts, &sentAt); err != nil || attempts != 2 || sentAt == nil {
		t.Fatalf("attempts %d, sent at %v (%v); want 2 and a time", attempts, sentAt, err)
	}
}

// TestDispatchersShareTheQueue: dispatchers running at once (instances of the service) each take
// other messages; every message goes out once.
func TestDispatchersShareTheQueue(t *testing.T) {
	f := newFixture(t)
	const n = 40
	f.queueInvitations(t, n)
	var (
		mu    sync.Mutex
		times = map[string]int{}
	)
	counting := mailerFunc(func(ctx context.Context, m email.Message) error {
		mu.Lock()
		times[m.MessageID]++
		mu.Unlock()
		time.Sleep(time.Millisecond) // long enough for the others to claim meanwhile
		return f.mailer.Send(ctx, m)
	})
	var wg sync.WaitGroup
	total := make(chan int, 3)
	for range 3 {
		d := f.dispatcherWith(t, counting)
		wg.Go(func() {
			sent, err := d.SendPending(f.ctx)
			if err != nil {
				t.Error(err)
			}
			total <- sent
		})
	}
	wg.Wait()
	close(total)
	sum := 0
	for s := range total {
		sum += s
	}
	if sum != n || len(times) != n {
		t.Fatalf("sent %d messages, %d distinct; want %d", sum, len(times), n)
	}
	for id, k := range times {
		if k != 1 {
			t.Errorf("%s sent %d times", id, k)
		}
	}
}

// TestMailOutcomesAreCounted: the "mail" job counts what became of each message: sent, failed
// for a later try, dropped with a dead link.
func TestMailOutcomesAreCounted(t *testing.T) {
	f := newFixture(t)
	f.queueInvitations(t, 2)
	if _, err := f.pool.Exec(f.ctx, `UPDATE mail_outbox SET expires_at = now() - interval '1 minute'
		WHERE event_id = (SELECT event_id FROM mail_outbox ORDER BY created_at LIMIT 1)`); err != nil {
		t.Fatal(err)
	}
	counts := &jobs.Counts{}
	d, err := notify.NewDispatcher(f.pool, f.mailer, f.links, "https://portal.example/app", slog.New(slog.DiscardHandler), counts)
	if err != nil {
		t.Fatal(err)
	}
	f.mailer.mu.Lock()
	f.mailer.down = true
	f.mailer.mu.Unlock()
	if sent, err := d.SendPending(f.ctx); err != nil || sent != 0 {
		t.Fatalf("sent %d (%v) while the mail server was down", sent, err)
	}
	f.mailer.mu.Lock()
	f.mailer.down = false
	f.mailer.mu.Unlock()
	if _, err := f.pool.Exec(f.ctx, `UPDATE mail_outbox SET next_try = now()`); err != nil {
		t.Fatal(err)
	}
	if sent, err := d.SendPending(f.ctx); err != nil || sent != 1 {
		t.Fatalf("sent %d (%v) once the server was back, want 1", sent, err)
	}
	if got := counts.String(); got != "mail done=1 skipped=1 retry=1" {
		t.Fatalf("counts %q, want one sent, one dropped and one failure", got)
	}
}
