package user

import "time"

// InviteCommand is the command to invite a user into an account. The command layer chooses UserID
// (a new UUID) and Nonce (random), reserves the username's and e-mail address's keys, checks that
// the groups belong to the account, and passes the current time as Now. (It is not named Invite,
// the decision's name.)
type InviteCommand struct {
	UserID    string
	AccountID string
	Username  string
	Email     string
	GroupIDs  []string // e.g. group.AdministratorID(AccountID) for an account's first user
	Nonce     string
	ExpiresAt time.Time
	Now       time.Time
}

// Invite decides the invitation of a new user. existing is the state of the new user's own
// stream, which must be empty. The username and e-mail address are validated by the rules of
// package reservation and stored trimmed, in the case typed; the group ids (at least one) are
// stored sorted without duplicates; the invitation must expire after Now.
func Invite(existing User, cmd InviteCommand) ([]Event, error) {
	if existing.Exists {
		return nil, ErrAlreadyExists
	}
	switch {
	case cmd.UserID == "":
		return nil, invalid("user_id", "must not be empty")
	case cmd.AccountID == "":
		return nil, invalid("account_id", "must not be empty")
	}
	username, err := normalizeUsername(cmd.Username)
	if err != nil {
		return nil, err
	}
	email, _, err := normalizeEmail(cmd.Email)
	if err != nil {
		return nil, err
	}
	groups, err := normalizeGroupIDs(cmd.GroupIDs)
	if err != nil {
		return nil, err
	}
	link, err := newLink(cmd.Nonce, cmd.ExpiresAt, cmd.Now)
	if err != nil {
		return nil, err
	}
	return []Event{Invited{
		UserID:    cmd.UserID,
		AccountID: cmd.AccountID,
		Username:  username,
		Email:     email,
		GroupIDs:  groups,
		Nonce:     link.Nonce,
		ExpiresAt: link.ExpiresAt,
	}}, nil
}

// ResendInvitation decides a new invitation link of nonce, expiring at expires; the earlier link
// stops working. It is how an expired invitation is renewed. The user must still be invited
// (ErrNotInvited otherwise), and nonce must differ from the current one, or the old link would
// live on.
func (u User) ResendInvitation(nonce string, expires, now time.Time) ([]Event, error) {
	if !u.Exists {
		return nil, ErrNotFound
	}
	if u.Status != StatusInvited {
		return nil, ErrNotInvited
	}
	link, err := newLink(nonce, expires, now)
	if err != nil {
		return nil, err
	}
	if link.Nonce == u.Invitation.Nonce {
		return nil, invalid("nonce", "must differ from the current invitation's")
	}
	return []Event{InvitationResent{UserID: u.ID, Nonce: link.Nonce, ExpiresAt: link.ExpiresAt}}, nil
}

// RevokeInvitation decides the withdrawal of an invitation not accepted yet: the link stops
// working and the user can never become active (the command layer may then release the username
// and e-mail address). Revoking a revoked invitation yields no events; a user who accepted is
// ErrNotInvited (disable them instead).
func (u User) RevokeInvitation() ([]Event, error) {
	switch {
	case !u.Exists:
		return nil, ErrNotFound
	case u.Status == StatusRevoked:
		return nil, nil
	case u.Status != StatusInvited:
		return nil, ErrNotInvited
	}
	return []Event{InvitationRevoked{UserID: u.ID}}, nil
}

// InvitationOpens returns ErrInvalidLink unless nonce opens the user's current, unexpired
// invitation. The command layer asks it before it spends a password hash on a dead link.
func (u User) InvitationOpens(nonce string, now time.Time) error {
	if !u.Exists || u.Status != StatusInvited || !u.Invitation.opens(nonce, now) {
		return ErrInvalidLink
	}
	return nil
}

// AcceptInvitation decides the user's acceptance of their invitation, which makes them active.
// nonce is the one the link's token carries; passwordHash is the hash of the password they chose;
// termsVersion is the version of the terms of use they accepted, which must be currentTerms (the
// version in force, from configuration); ageConfirmed must be true.
//
// Unless the user is invited and nonce opens their current, unexpired invitation, the answer is
// ErrInvalidLink whatever the cause (unknown user, older nonce, expired, already accepted,
// revoked), and it comes before any check of the content.
func (u User) AcceptInvitation(nonce, passwordHash, termsVersion, currentTerms string, ageConfirmed bool, now time.Time) ([]Event, error) {
	if err := u.InvitationOpens(nonce, now); err != nil {
		return nil, err
	}
	if err := validatePasswordHash(passwordHash); err != nil {
		return nil, err
	}
	if termsVersion == "" || termsVersion != currentTerms {
		return nil, invalid("terms_version", "must accept the current terms of use ("+currentTerms+")")
	}
	if !ageConfirmed {
		return nil, invalid("age_confirmed", "must be confirmed")
	}
	return []Event{InvitationAccepted{
		UserID:       u.ID,
		PasswordHash: passwordHash,
		TermsVersion: termsVersion,
		AgeConfirmed: true,
	}}, nil
}
