package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/camcloud/accounts/adapters/email"
	"github.com/camcloud/accounts/commands"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Dispatcher sends queued messages. Each message is sent inside a transaction that holds its
// row locked (SKIP LOCKED lets other instances take other rows), and marked sent in the same
// transaction: a crash between sending and committing sends it once more, with the same
// Message-ID, which is as close to exactly once as SMTP allows.
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
		found, ok, err := d.sendOne(ctx)
		if err != nil || !found {
			return sent, err
		}
		if ok {
			sent++
		}
	}
}

type queued struct {
	eventID                                  uuid.UUID
	kind, userID, recipient, username, nonce string
	accountID                                string
	expiresAt                                time.Time
	attempts                                 int
}

// sendOne tries the oldest due message: found is false when none is due, sent tells whether it
// went out (a failure is scheduled for a later try).
func (d *Dispatcher) sendOne(ctx context.Context) (found, sent bool, err error) {
	err = pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		var q queued
		err := tx.QueryRow(ctx, `SELECT event_id, kind, user_id::text, account_id::text, recipient, username, nonce, expires_at, attempts
			FROM mail_outbox WHERE sent_at IS NULL AND next_try <= now() AND attempts < $1
			ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED`, maxAttempts).
			Scan(&q.eventID, &q.kind, &q.userID, &q.accountID, &q.recipient, &q.username, &q.nonce, &q.expiresAt, &q.attempts)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("next queued mail: %w", err)
		}
		found = true
		if !q.expiresAt.After(d.now()) {
			// The link is dead already: sending it would only confuse.
			_, err := tx.Exec(ctx, `UPDATE mail_outbox SET sent_at = now(), last_error = 'link expired before it was sent' WHERE event_id = $1`, q.eventID)
			return err
		}
		if sendErr := d.send(ctx, tx, q); sendErr != nil {
			backoff := time.Duration(1<<min(q.attempts, 10)) * time.Second
			d.logger.Warn("mail not sent", "event_id", q.eventID, "kind", q.kind, "attempt", q.attempts+1, "error", sendErr)
			_, err := tx.Exec(ctx, `UPDATE mail_outbox SET attempts = attempts + 1, next_try = now() + $2 * interval '1 second', last_error = $3 WHERE event_id = $1`,
				q.eventID, backoff.Seconds(), sendErr.Error())
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE mail_outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE event_id = $1`, q.eventID)
		sent = err == nil
		return err
	})
	return found, sent, err
}

// maxAttempts bounds retries of a message that cannot be sent.
const maxAttempts = 12

func (d *Dispatcher) send(ctx context.Context, tx pgx.Tx, q queued) error {
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
		subject, text, html, err = composeNotice(ctx, tx, q)
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
// model does not have it yet (the message then goes without it). It reads outside the message's
// transaction: an error there would abort the transaction, so that the message, once sent,
// could not be marked sent and would go out again; and no lock on the read model is held while
// the mail server is talked to (a rebuild's swap waits for such locks).
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
