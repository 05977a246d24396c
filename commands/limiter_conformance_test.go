package commands_test

import (
	"testing"

	"github.com/camcloud/accounts/commands"
	"github.com/camcloud/accounts/commands/limittest"
)

// TestMemoryLimiterConformance: the in-process limiter passes the suite (both "instances" are
// the one limiter: it has no other way to share a budget).
func TestMemoryLimiterConformance(t *testing.T) {
	limittest.Run(t, func(*testing.T) (commands.Limiter, commands.Limiter) {
		l := commands.NewMemoryLimiter()
		return l, l
	})
}
