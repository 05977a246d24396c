package esdbtest

import (
	"context"
	"sync"

	"google.golang.org/grpc/status"
)

// gate lets a test hold appends, so that a client's deadline can pass while the server works.
// The zero gate is open.
type gate struct {
	mu   sync.Mutex
	held chan struct{} // nil when open; closed on release
}

// hold closes the gate until release is called.
func (g *gate) hold() (release func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held == nil {
		g.held = make(chan struct{})
	}
	held := g.held
	return func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.held == held {
			g.held = nil
			close(held)
		}
	}
}

// pass waits while the gate is held, or until ctx ends.
func (g *gate) pass(ctx context.Context) error {
	g.mu.Lock()
	held := g.held
	g.mu.Unlock()
	if held == nil {
		return nil
	}
	select {
	case <-held:
		if err := ctx.Err(); err != nil {
			return status.FromContextError(err).Err()
		}
		return nil
	case <-ctx.Done():
		return status.FromContextError(ctx.Err()).Err()
	}
}
