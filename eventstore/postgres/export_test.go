package postgres

import "time"

// SetPoll sets how often s's idle subscriptions read anyway.
func SetPoll(s *Store, every time.Duration) { s.poll = every }
