// Package notify sends the e-mails that events ask for: invitations, password resets, e-mail
// address confirmations, and the notices that a password or an address changed. A projector
// enqueues one message per event in the same transaction as its checkpoint, so a replayed event
// never enqueues twice; a dispatcher sends what is queued.
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
	// Notices: no link, sent to the address the user had when the change happened.
	kindPasswordChanged = "password-changed"
	kindEmailChanged    = "email-changed"
)

// noticeTTL is how long after a change its notice is still worth sending. A notice is never
// enqueued for an older event, so rebuilding the outbox from the first event does not mail
// notices for changes made before notices existed; and one the mailer could not send within
// this time is dropped as a dead link is.
const noticeTTL = 24 * time.Hour

// Outbox is the projector that enqueues messages.
type Outbox struct {
	Now func() time.Time // nil: time.Now
}

var _ projections.Projector = Outbox{}

func (Outbox) Name() string { return "mail-outbox" }

// Version 2 added notices and the new_email column.
func (Outbox) Version() int { return 2 }

func (Outbox) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, schema)
	return err
}

// Drop keeps the outbox: it records what was sent, and a rebuild must not send it again.
func (Outbox) Drop(context.Context, pgx.Tx) error { return nil }

// KeptOnRebuild makes a rebuild replay the events into the outbox itself rather than into new
// tables, which would not know what was sent (projections.Kept).
func (Outbox) KeptOnRebuild() {}

func (o Outbox) Apply(ctx context.Context, tx pgx.Tx, e projections.Envelope) error {
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
	case user.PasswordChanged:
		err = o.enqueueNotice(ctx, tx, e, kindPasswordChanged, ev.UserID, "", "")
	case user.PasswordReset:
		err = o.enqueueNotice(ctx, tx, e, kindPasswordChanged, ev.UserID, "", "")
	case user.EmailChanged:
		// The notice goes to the previous address before the recipient moves: its owner is the
		// one to warn if the change was not theirs.
		err = o.enqueueNotice(ctx, tx, e, kindEmailChanged, ev.UserID, ev.Previous, ev.Email)
		if err == nil {
			_, err = tx.Exec(ctx, `UPDATE mail_recipients SET email = $2 WHERE user_id = $1`, ev.UserID, ev.Email)
		}
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

// enqueueNotice queues a notice of a change to the user's address (or to to, when given);
// newEmail is the address an e-mail change moved to. A notice has no link: its nonce is empty
// and it expires noticeTTL after the change.
func (o Outbox) enqueueNotice(ctx context.Context, tx pgx.Tx, e projections.Envelope, kind, userID, to, newEmail string) error {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	expires := e.RecordedAt.Add(noticeTTL)
	if !expires.After(now()) {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO mail_outbox (event_id, kind, user_id, account_id, recipient, username, nonce, expires_at, created_at, new_email)
		SELECT $1, $2, r.user_id, r.account_id, coalesce(nullif($4, ''), r.email), r.username, '', $5, $6, $7
		FROM mail_recipients r WHERE r.user_id = $3
		ON CONFLICT (event_id) DO NOTHING`,
		e.ID, kind, userID, to, expires, e.RecordedAt, newEmail)
	return err
}
