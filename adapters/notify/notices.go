package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/camcloud/accounts/adapters/email"
)

// composeNotice renders a notice queued as q: when the change happened and, for an address
// change, the new address are read from its row.
func composeNotice(ctx context.Context, tx interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, q queued) (subject, text, html string, err error) {
	var (
		newEmail  string
		changedAt time.Time
	)
	if err := tx.QueryRow(ctx, `SELECT new_email, created_at FROM mail_outbox WHERE event_id = $1`, q.eventID).Scan(&newEmail, &changedAt); err != nil {
		return "", "", "", fmt.Errorf("read %s notice: %w", q.kind, err)
	}
	switch q.kind {
	case kindPasswordChanged:
		return email.PasswordChanged(email.PasswordChangedData{Username: q.username, ChangedAt: changedAt})
	case kindEmailChanged:
		return email.EmailChanged(email.EmailChangedData{Username: q.username, NewEmail: newEmail, ChangedAt: changedAt})
	}
	return "", "", "", fmt.Errorf("%q is not a notice", q.kind)
}
