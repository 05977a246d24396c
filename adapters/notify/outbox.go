// Package notify sends the e-mails that events ask for: invitations, password resets, e-mail
// address confirmations, and the notices that a password or an address changed. A projector
// enqueues one message per event in the same transaction as its checkpoint, so a replayed event
// never enqueues twice; a dispatcher sends what is queued.
package notify

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/camcloud/accounts/identity/user"
	"github.com/camcloud/accounts/projections"
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

func (Outbox) Handles() []string {
	return projections.TypesOf(user.Invited{}, user.InvitationResent{}, user.PasswordResetRequested{}, user.EmailChangeRequested{},
		user.PasswordChanged{}, user.PasswordReset{}, user.EmailChanged{})
}

// recipient is where a user's mail goes.
type recipient struct {
	UserID    string `json:"user_id"`
	AccountID string `json:"account_id"`
	Username  string `json:"username"`
	Email     string `json:"email"`
	changed   bool
}

// message is a row of the outbox as a batch writes it.
type message struct {
	EventID   string    `json:"event_id"`
	Kind      string    `json:"kind"`
	UserID    string    `json:"user_id"`
	AccountID string    `json:"account_id"`
	Recipient string    `json:"recipient"`
	Username  string    `json:"username"`
	Nonce     string    `json:"nonce"`
	ExpiresAt time.Time `json:"expires_at"`
	CreatedAt time.Time `json:"created_at"`
	NewEmail  string    `json:"new_email"`
}

// Apply folds the batch in memory, the recipients it needs read once, and writes it with two
// statements. The outbox is keyed by event ID and a recipient that exists is kept, so a replayed
// event (a rebuild replays them all into these tables) enqueues nothing twice.
func (o Outbox) Apply(ctx context.Context, tx pgx.Tx, events []projections.Envelope) error {
	recipients, err := loadRecipients(ctx, tx, events)
	if err != nil {
		return fmt.Errorf("mail outbox: %w", err)
	}
	var (
		changed  []*recipient
		messages []message
	)
	queue := func(e projections.Envelope, kind, userID, to, nonce string, expires time.Time, newEmail string) {
		r, ok := recipients[userID]
		if !ok {
			return // no address known: nothing to send to, as before
		}
		if to == "" {
			to = r.Email
		}
		messages = append(messages, message{EventID: e.ID.String(), Kind: kind, UserID: r.UserID, AccountID: r.AccountID, Recipient: to,
			Username: r.Username, Nonce: nonce, ExpiresAt: expires.Truncate(time.Microsecond), CreatedAt: e.RecordedAt.Truncate(time.Microsecond), NewEmail: newEmail})
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	notice := func(e projections.Envelope, kind, userID, to, newEmail string) {
		// A notice has no link: its nonce is empty and it expires noticeTTL after the change.
		if expires := e.RecordedAt.Add(noticeTTL); expires.After(now()) {
			queue(e, kind, userID, to, "", expires, newEmail)
		}
	}
	for _, e := range events {
		switch ev := e.Event.(type) {
		case user.Invited:
			if _, ok := recipients[ev.UserID]; !ok {
				r := &recipient{UserID: ev.UserID, AccountID: ev.AccountID, Username: ev.Username, Email: ev.Email, changed: true}
				recipients[ev.UserID] = r
				changed = append(changed, r)
			}
			queue(e, kindInvitation, ev.UserID, "", ev.Nonce, ev.ExpiresAt, "")
		case user.InvitationResent:
			queue(e, kindInvitation, ev.UserID, "", ev.Nonce, ev.ExpiresAt, "")
		case user.PasswordResetRequested:
			queue(e, kindPasswordReset, ev.UserID, "", ev.Nonce, ev.ExpiresAt, "")
		case user.EmailChangeRequested:
			queue(e, kindEmailChange, ev.UserID, ev.NewEmail, ev.Nonce, ev.ExpiresAt, "")
		case user.PasswordChanged:
			notice(e, kindPasswordChanged, ev.UserID, "", "")
		case user.PasswordReset:
			notice(e, kindPasswordChanged, ev.UserID, "", "")
		case user.EmailChanged:
			// The notice goes to the previous address before the recipient moves: its owner is
			// the one to warn if the change was not theirs.
			notice(e, kindEmailChanged, ev.UserID, ev.Previous, ev.Email)
			if r, ok := recipients[ev.UserID]; ok {
				r.Email = ev.Email
				if !r.changed {
					r.changed = true
					changed = append(changed, r)
				}
			}
		}
	}
	if err := writeOutbox(ctx, tx, changed, messages); err != nil {
		return fmt.Errorf("mail outbox: %w", err)
	}
	return nil
}

// loadRecipients reads the recipients of the users the batch's events are about.
func loadRecipients(ctx context.Context, tx pgx.Tx, events []projections.Envelope) (map[string]*recipient, error) {
	var ids []string
	for _, e := range events {
		switch ev := e.Event.(type) {
		case user.Invited:
			ids = append(ids, ev.UserID)
		case user.InvitationResent:
			ids = append(ids, ev.UserID)
		case user.PasswordResetRequested:
			ids = append(ids, ev.UserID)
		case user.EmailChangeRequested:
			ids = append(ids, ev.UserID)
		case user.PasswordChanged:
			ids = append(ids, ev.UserID)
		case user.PasswordReset:
			ids = append(ids, ev.UserID)
		case user.EmailChanged:
			ids = append(ids, ev.UserID)
		}
	}
	out := map[string]*recipient{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := tx.Query(ctx, `SELECT user_id::text, account_id::text, username, email FROM mail_recipients WHERE user_id = ANY($1::uuid[])`, ids)
	if err != nil {
		return nil, fmt.Errorf("load recipients: %w", err)
	}
	var r recipient
	_, err = pgx.ForEachRow(rows, []any{&r.UserID, &r.AccountID, &r.Username, &r.Email}, func() error {
		loaded := r
		out[r.UserID] = &loaded
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load recipients: %w", err)
	}
	return out, nil
}

func writeOutbox(ctx context.Context, tx pgx.Tx, changed []*recipient, messages []message) error {
	if len(changed) > 0 {
		rows, err := json.Marshal(changed)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO mail_recipients (user_id, account_id, username, email)
			SELECT user_id, account_id, username, email FROM jsonb_to_recordset($1::jsonb) AS r(user_id uuid, account_id uuid, username text, email text)
			ON CONFLICT (user_id) DO UPDATE SET email = excluded.email`, rows)
		if err != nil {
			return fmt.Errorf("write recipients: %w", err)
		}
	}
	if len(messages) > 0 {
		rows, err := json.Marshal(messages)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO mail_outbox (event_id, kind, user_id, account_id, recipient, username, nonce, expires_at, created_at, new_email)
			SELECT event_id, kind, user_id, account_id, recipient, username, nonce, expires_at, created_at, new_email
			FROM jsonb_to_recordset($1::jsonb) AS r(event_id uuid, kind text, user_id uuid, account_id uuid, recipient text, username text,
				nonce text, expires_at timestamptz, created_at timestamptz, new_email text)
			ON CONFLICT (event_id) DO NOTHING`, rows)
		if err != nil {
			return fmt.Errorf("enqueue %d messages: %w", len(messages), err)
		}
	}
	return nil
}
