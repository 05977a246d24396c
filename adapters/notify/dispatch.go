package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"time"

	"github.com/camcloud/accounts/adapters/email"
	"github.com/camcloud/accounts/commands"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Dispatcher sends queued messages, and never holds a transaction open while it talks to a mail
// server or writes a file:
//
//  1. claim: one statement takes up to claimBatch due rows (SKIP LOCKED lets other instances take
//     others), counts the attempt and leases them by moving their next_try past the lease;
//  2. send each one, outside any transaction;
//  3. record: one statement marks it sent, or schedules the next try after a backoff.
//
// A crash (or a lost database) between sending and recording leaves the row unsent; when the
// lease runs out it is sent again, with the same Message-ID: delivery is at least once. The file
// outbox then finds the message written already (one stat) and leaves it; an SMTP receiver can
// drop the duplicate by its Message-ID.
type Dispatcher struct {
	pool      *pgxpool.Pool
	mailer    email.Mailer
	links     *commands.Links
	publicURL *url.URL
	logger    *slog.Logger
	now       func() time.Time
}

// NewDispatcher returns a dispatcher that links to pages under publicURL.
func NewDispatcher(pool *pgxpool.Pool, mailer email.Mailer, links *commands.Links, publicURL string, logger *slog.Logger) (*Dispatcher, error) {
	u, err := url.Parse(publicURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("public URL %q: want an absolute http(s) URL", publicURL)
	}
	return &Dispatcher{pool: pool, mailer: mailer, links: links, publicURL: u, logger: logger, now: time.Now}, nil
}

// Run sends queued messages until ctx ends, looking for new ones every interval.
func (d *Dispatcher) Run(ctx context.Context, interval time.Duration) error {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if _, err := d.SendPending(ctx); err != nil && ctx.Err() == nil {
			d.logger.Warn("sending queued mail", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// SendPending sends every message that is due and returns how many went out.
func (d *Dispatcher) SendPending(ctx context.Context) (int, error) {
	sent := 0
	for {
		claimed, err := d.claim(ctx)
		if err != nil || len(claimed) == 0 {
			return sent, err
		}
		for _, q := range claimed {
			ok, err := d.deliver(ctx, q)
			if err != nil {
				return sent, err
			}
			if ok {
				sent++
			}
		}
	}
}

type queued struct {
	eventID                                  uuid.UUID
	kind, userID, recipient, username, nonce string
	accountID                                string
	expiresAt, createdAt                     time.Time
	attempts                                 int // this one included
}

const (
	// claimBatch is how many messages one claim takes.
	claimBatch = 16
	// lease is how long a claimed message is left to its dispatcher before another may take it:
	// well beyond the time a batch takes to send (an SMTP step times out after 30 s).
	lease = 5 * time.Minute
)

// claim leases the oldest due messages to this dispatcher, in one short statement.
func (d *Dispatcher) claim(ctx context.Context) ([]queued, error) {
	rows, err := d.pool.Query(ctx, `UPDATE mail_outbox o SET attempts = o.attempts + 1, next_try = now() + $2 * interval '1 second'
		FROM (SELECT event_id FROM mail_outbox WHERE sent_at IS NULL AND next_try <= now() AND attempts < $1
			ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
		WHERE o.event_id = due.event_id
		RETURNING o.event_id, o.kind, o.user_id::text, o.account_id::text, o.recipient, o.username, o.nonce, o.expires_at, o.attempts, o.created_at`,
		maxAttempts, lease.Seconds(), claimBatch)
	if err != nil {
		return nil, fmt.Errorf("claim queued mail: %w", err)
	}
	var (
		out []queued
		q   queued
	)
	_, err = pgx.ForEachRow(rows, []any{&q.eventID, &q.kind, &q.userID, &q.accountID, &q.recipient, &q.username, &q.nonce, &q.expiresAt, &q.attempts, &q.createdAt}, func() error {
		out = append(out, q)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim queued mail: %w", err)
	}
	// Oldest first, as they were queued (RETURNING keeps no order).
	slices.SortFunc(out, func(a, b queued) int { return a.createdAt.Compare(b.createdAt) })
	return out, nil
}

// deliver sends one claimed message and records the outcome; sent tells whether it went out. A
// failure to send is recorded for a later try, not returned; a failure to record is returned
// (the lease then brings the message back).
func (d *Dispatcher) deliver(ctx context.Context, q queued) (sent bool, err error) {
	if !q.expiresAt.After(d.now()) {
		// The link is dead already: sending it would only confuse.
		_, err := d.pool.Exec(ctx, `UPDATE mail_outbox SET sent_at = now(), last_error = 'link expired before it was sent' WHERE event_id = $1 AND sent_at IS NULL`, q.eventID)
		if err != nil {
			return false, fmt.Errorf("drop expired mail %s: %w", q.eventID, err)
		}
		return false, nil
	}
	if sendErr := d.send(ctx, q); sendErr != nil {
		backoff := time.Duration(1<<min(q.attempts-1, 10)) * time.Second
		d.logger.Warn("mail not sent", "event_id", q.eventID, "kind", q.kind, "attempt", q.attempts, "error", sendErr)
		_, err := d.pool.Exec(ctx, `UPDATE mail_outbox SET next_try = now() + $2 * interval '1 second', last_error = $3 WHERE event_id = $1 AND sent_at IS NULL`,
			q.eventID, backoff.Seconds(), sendErr.Error())
		if err != nil {
			return false, fmt.Errorf("reschedule mail %s: %w", q.eventID, err)
		}
		return false, nil
	}
	if _, err := d.pool.Exec(ctx, `UPDATE mail_outbox SET sent_at = now(), last_error = NULL WHERE event_id = $1 AND sent_at IS NULL`, q.eventID); err != nil {
		return false, fmt.Errorf("record mail %s as sent: %w", q.eventID, err)
	}
	return true, nil
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
		link, lerr := d.link("/accept-invitation", commands.PurposeInvitation, q)
		if lerr != nil {
			return lerr
		}
		subject, text, html, err = email.Invitation(email.InvitationData{AccountName: accountName, Username: q.username, Link: link, ExpiresAt: q.expiresAt})
	case kindPasswordReset:
		link, lerr := d.link("/reset-password", commands.PurposePasswordReset, q)
		if lerr != nil {
			return lerr
		}
		subject, text, html, err = email.PasswordReset(email.PasswordResetData{Username: q.username, Link: link, ExpiresAt: q.expiresAt})
	case kindEmailChange:
		link, lerr := d.link("/confirm-email", commands.PurposeEmailChange, q)
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
