package identitycmd

import (
	"time"

	"github.com/camcloud/accounts/attempts"
)

// The budgets, and why these numbers.
var (
	// Sign-in and current-password checks: a few typing errors, then one guess a minute; an
	// address (an office behind one NAT) gets more.
	signInPerUsername = attempts.Limit{Burst: 5, Every: time.Minute}
	signInPerAddress  = attempts.Limit{Burst: 20, Every: time.Minute}
	confirmPerUser    = attempts.Limit{Burst: 5, Every: time.Minute}
	// Mails nobody signed in asked for: 3 per target address and 10 per client address an hour
	// are plenty for someone who lost a mail, and too few to flood a mailbox.
	resetPerTarget  = attempts.Limit{Burst: 3, Every: 20 * time.Minute}
	resetPerAddress = attempts.Limit{Burst: 10, Every: 6 * time.Minute}
	// Invitation resends: an administrator resending more than 3 an hour to one user only floods them.
	resendPerUser = attempts.Limit{Burst: 3, Every: 20 * time.Minute}
)

// signInAttempts are the budgets a sign-in is charged to.
func signInAttempts(username, clientAddress string) []attempts.Attempt {
	return attempts.Sorted(
		attempts.Attempt{Key: "sign-in:user:" + username, Limit: signInPerUsername},
		attempts.Attempt{Key: "sign-in:addr:" + clientAddress, Limit: signInPerAddress},
	)
}
