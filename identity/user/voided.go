package user

// Voided closes the stream of a user ID that was reserved for an invitation that never happened
// (the process died between reserving the username and inviting). It is appended to that user's
// stream while the stream does not exist, so that taking over the ID's reservations is
// conditional on an append the store checks (not on a read that may be stale): once Voided is
// stored, the late invitation can never be stored, and the other way round.
type Voided struct {
	UserID string `json:"user_id"`
}

func (Voided) EventType() string { return "user.voided.v1" }
