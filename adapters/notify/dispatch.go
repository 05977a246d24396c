package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/adapters/email"
	"github.com/camcloud/accounts/identity/identitycmd"
	"github.com/camcloud/accounts/jobs"
)

// Dispatcher sends queued messages as the "mail" job (package jobs) over the mail_outbox table,
// and never holds a transaction open while it talks to a mail server or writes a file: a claim
// leases up to 16 due rows in one statement, each is sent outside any transaction, and one more
// statement records it sent, or schedules the next try after a backoff.
//
// A crash (or a lost database) between sending and recording leaves the row unsent; when the
// lease runs out it is sent again, with the same Message-ID: delivery is at least once. The file
// outbox then finds the message written already (one stat) and leaves it; an SMTP receiver can
// drop the duplicate by its Message-ID.
type Dispatcher struct {
	pool      *pgxpool.Pool
	mailer    email.Mailer
	links     *identitycmd.Links
	publicURL *url.URL
	now       func() time.Time
	job       *jobs.Queue[outboxRow]
}

// NewDispatcher returns a dispatcher that links to pages under publicURL. counter counts the
// outcomes of its sends (nil: none).
func NewDispatcher(pool *pgxpool.Pool, mailer email.Mailer, links *identitycmd.Links, publicURL string, logger *slog.Logger, counter jobs.Counter) (*Dispatcher, error) {
	u, err := url.Parse(publicURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("public URL %q: want an absolute http(s) URL", publicURL)
	}
	d := &Dispatcher{pool: pool, mailer: mailer, links: links, publicURL: u, now: time.Now}
	d.job = &jobs.Queue[outboxRow]{
		Name:  "mail",
		Pool:  pool,
		Table: jobs.Table{Name: "mail_outbox", Key: "event_id", Order: "created_at", Done: "sent_at"},
		Handle: func(ctx context.Context, j jobs.Job[outboxRow]) error {
			return d.deliver(ctx, j.Data.queued())
		},
		Batch: claimBatch,
		// Well beyond the time a batch takes to send (an SMTP step times out after 30 s).
		Lease:       5 * time.Minute,
		Backoff:     jobs.Backoff{Base: time.Second, Max: 1024 * time.Second},
		MaxAttempts: maxAttempts,
		Counter:     counter,
		Logger:      logger,
	}
	return d, nil
}

// Run sends queued messages until ctx ends, looking for new ones every interval: jobs.Run with
// this one job (the service runs it beside its other jobs).
func (d *Dispatcher) Run(ctx context.Context, interval time.Duration) error {
	return jobs.Run(ctx, interval, d.job.Logger, d.job)
}

// Job is the dispatcher as a job, for jobs.Run.
func (d *Dispatcher) Job() jobs.Runner { return d.job }

// SendPending sends every message that is due and returns how many went out.
func (d *Dispatcher) SendPending(ctx context.Context) (int, error) {
	return d.job.RunDue(ctx)
}

// outboxRow is a mail_outbox row as a claim returns it.
type outboxRow struct {
	EventID   uuid.UUID `json:"event_id"`
	Kind      string    `json:"kind"`
	UserID    string    `json:"user_id"`
	AccountID string    `json:"account_id"`
	Recipient string    `json:"recipient"`
	Username  string    `json:"username"`
	Nonce     string    `json:"nonce"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (r outboxRow) queued() queued {
	return queued{eventID: r.EventID, kind: r.Kind, userID: r.UserID, accountID: r.AccountID,
		recipient: r.Recipient, username: r.Username, nonce: r.Nonce, expiresAt: r.ExpiresAt}
}

type queued struct {
	eventID                                  uuid.UUID
	kind, userID, recipient, username, nonce string
	accountID                                string
	expiresAt                                time.Time
}

// claimBatch is how many messages one claim takes.
const claimBatch = 16

// errLinkExpired finishes a message whose link is dead already: sending it would only confuse.
var errLinkExpired = errors.New("link expired before it was sent")

// deliver sends one claimed message. A failure is returned for the job to try again later.
func (d *Dispatcher) deliver(ctx context.Context, q queued) error {
	if !q.expiresAt.After(d.now()) {
		return jobs.Skip(errLinkExpired)
	}
	return d.send(ctx, q)
}

// maxAttempts bounds retries of a message that cannot be sent.
const maxAttempts = 12

func (d *Dispatcher) send(ctx context.Context, q queued) error {
	accountName, err := d.accountName(ctx, q.accountID)
	if err != nil {
		return err
	}

	var subject, text, html string
	switch q.kind {
	case kindInvitation:
		link, lerr := d.link("/accept-invitation", identitycmd.PurposeInvitation, q)
		if lerr != nil {
			return lerr
		}
		subject, text, html, err = email.Invitation(email.InvitationData{AccountName: accountName, Username: q.username, Link: link, ExpiresAt: q.expiresAt})
	case kindPasswordReset:
		link, lerr := d.link("/reset-password", identitycmd.PurposePasswordReset, q)
		if lerr != nil {
			return lerr
		}
		subject, text, html, err = email.PasswordReset(email.PasswordResetData{Username: q.username, Link: link, ExpiresAt: q.expiresAt})
	case kindEmailChange:
		link, lerr := d.link("/confirm-email", identitycmd.PurposeEmailChange, q)
		if lerr != nil {
			return lerr
		}
		subject, text, html, err = email.EmailChange(email.EmailChangeData{Username: q.username, NewEmail: q.recipient, Link: link, ExpiresAt: q.expiresAt})
	case kindPasswordChanged, kindEmailChanged:
		subject, text, html, err = composeNotice(ctx, d.pool, q)
	default:
		return fmt.Errorf("unknown kind of mail %q", q.kind)
	}
	if err != nil {
		return fmt.Errorf("compose %s mail: %w", q.kind, err)
	}
	return d.mailer.Send(ctx, email.Message{
		To: q.recipient, Subject: subject, Text: text, HTML: html,
		MessageID: email.MessageIDFor(q.eventID.String()),
	})
}

// accountName returns the name of the account a message is about, "" when the accounts read
// model does not have it yet (the message then goes without it). No transaction or lock is held
// while the mail server is talked to (a rebuild's swap would wait for such a lock).
func (d *Dispatcher) accountName(ctx context.Context, accountID string) (string, error) {
	var name string
	err := d.pool.QueryRow(ctx, `SELECT name FROM accounts WHERE id = $1`, accountID).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("name of account %s: %w", accountID, err)
	}
	return name, nil
}

// link returns the page URL carrying a freshly signed token for the queued link.
func (d *Dispatcher) link(path, purpose string, q queued) (string, error) {
	token, err := d.links.Token(purpose, q.userID, q.nonce)
	if err != nil {
		return "", err
	}
	u := d.publicURL.JoinPath(path)
	u.RawQuery = url.Values{"token": {token}}.Encode()
	return u.String(), nil
}
