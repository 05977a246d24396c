package accountview

import (
	"context"
	"errors"

	"github.com/camcloud/accounts/accounts/account"
)

// AccountOfCode returns the account whose current registration code is code, and its effective
// status; found is false when no account has it (a code rotated away included).
func (q *Queries) AccountOfCode(ctx context.Context, code account.RegistrationCode) (accountID string, effective account.Status, found bool, err error) {
	a, err := q.ByRegistrationCode(ctx, code)
	if errors.Is(err, ErrNotFound) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, err
	}
	return a.ID, a.EffectiveStatus, true, nil
}
