package attempts_test

import (
	"testing"

	"github.com/camcloud/accounts/attempts"
	"github.com/camcloud/accounts/attempts/attemptstest"
)

// TestMemoryLimiterConformance: the in-process limiter passes the suite (both "instances" are
// the one limiter: it has no other way to share a budget).
func TestMemoryLimiterConformance(t *testing.T) {
	attemptstest.Run(t, func(*testing.T) (attempts.Limiter, attempts.Limiter) {
		l := attempts.NewMemory()
		return l, l
	})
}
