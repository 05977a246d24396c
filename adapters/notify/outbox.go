// Package notify sends the e-mails that events ask for: invitations, password resets and e-mail
// address confirmations. A projector enqueues one message per event in the same transaction as
// its checkpoint, so a replayed event never enqueues twice; a dispatcher sends what is queued.
package notify

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/camcloud/accounts/domain/user"
	"github.com/camcloud/accounts/projections"
	"github.com/jackc/pgx/v5"
)

//go:embed schema.sql
var schema string

// Kinds of message.
const (
	kindInvitation    = "invitation"
	kindPasswordReset = "password-reset"
	kindEmailChange   = "email-change"
)

// Outbox is the projector that enqueues messages.
type Outbox struct{}

var _ projections.Projector = Outbox{}

func (Outbox) Name() string { return "mail-outbox" }
func (Outbox) Version() int { return 1 }

func (Outbox) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, schema)
	return err
}

// Drop keeps the outbox: it records what was sent, and a rebuild must not send it again.
func (Outbox) Drop(context.Context, pgx.Tx) error { return nil }

// KeptOnRebuild makes a rebuild replay the events into the outbox itself rather than into new
// tables, which would not know what was sent (projections.Kept).
func (Outbox) KeptOnRebuild() {}

func (Outbox) Apply(ctx context.Context, tx pgx.Tx, e projections.Envelope) error {
	var err error
	switch ev := e.Event.(type) {
	case user.Invited:
		_, err = tx.Exec(ctx, `INSERT INTO mail_recipients (user_id, account_id, username, email) VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id) DO NOTHING`, ev.UserID, ev.AccountID, ev.Username, ev.Email)
		if err == nil {
			err = enqueue(ctx, tx, e, kindInvitation, ev.UserID, "", ev.Nonce, ev.ExpiresAt)
		}
	case user.InvitationResent:
		err = enqueue(ctx, tx, e, kindInvitation, ev.UserID, "", ev.Nonce, ev.ExpiresAt)
	case user.PasswordResetRequested:
		err = enqueue(ctx, tx, e, kindPasswordReset, ev.UserID, "", ev.Nonce, ev.ExpiresAt)
	case user.EmailChangeRequested:
		err = enqueue(ctx, tx, e, kindEmailChange, ev.UserID, ev.NewEmail, ev.Nonce, ev.ExpiresAt)
	case user.EmailChanged:
		_, err = tx.Exec(ctx, `UPDATE mail_recipients SET email = $2 WHERE user_id = $1`, ev.UserID, ev.Email)
	}
	if err != nil {
		return fmt.Errorf("mail outbox: %s: %w", e.Type, err)
	}
	return nil
}

// enqueue queues a message to the user's address (or to to, when given).
func enqueue(ctx context.Context, tx pgx.Tx, e projections.Envelope, kind, userID, to, nonce string, expires time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO mail_outbox (event_id, kind, user_id, account_id, recipient, username, nonce, expires_at, created_at)
		SELECT $1, $2, r.user_id, r.account_id, coalesce(nullif($4, ''), r.email), r.username, $5, $6, $7
		FROM mail_recipients r WHERE r.user_id = $3
		ON CONFLICT (event_id) DO NOTHING`,
		e.ID, kind, userID, to, nonce, expires, e.RecordedAt)
	return err
}
