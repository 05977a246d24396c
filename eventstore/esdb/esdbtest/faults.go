package esdbtest

import (
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// commitTimeout is what EventStoreDB answers when an append is not acknowledged in time, for
// example while the cluster elects a new leader (RpcExceptions.Timeout in its gRPC layer).
var commitTimeout = status.New(codes.Aborted, "Operation timed out: Commit phase timeout")

// accessDenied is the server's answer to a user that may not read a stream
// (RpcExceptions.AccessDenied): PermissionDenied with an "exception" trailer.
const (
	exceptionKey = "exception"
	accessDenied = "access-denied"
)

// faults holds the failures a test asked for. The zero value serves everything.
type faults struct {
	mu sync.Mutex
	// timeouts is how many of the next appends answer commitTimeout; stored says whether such an
	// append is written all the same, as a real cluster may commit it after answering.
	timeouts int
	stored   bool
	// refusal is the answer to every read of and subscription to $all; nil serves them. refused
	// is closed when a refusal is set, cutting running subscriptions to $all.
	refusal *status.Status
	refused chan struct{}
}

// takeTimeout reports whether this append answers a commit timeout, and if so whether it is
// stored all the same.
func (f *faults) takeTimeout() (timeout, stored bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.timeouts == 0 {
		return false, false
	}
	f.timeouts--
	return true, f.stored
}

func (f *faults) setTimeouts(n int, stored bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.timeouts, f.stored = max(n, 0), stored
}

// refuse sets the answer to reads of $all; codes.OK serves them again.
func (f *faults) refuse(code codes.Code) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refused == nil {
		f.refused = make(chan struct{})
	}
	switch code {
	case codes.OK:
		f.refusal = nil
		return
	case codes.PermissionDenied:
		f.refusal = status.New(code, "Access Denied")
	case codes.Unauthenticated:
		f.refusal = status.New(code, "Unauthenticated")
	default:
		f.refusal = status.New(code, code.String())
	}
	close(f.refused)
	f.refused = make(chan struct{})
}

// allRefusal returns the answer to a read of $all (nil: serve it) and a channel closed when a
// later refusal should cut a subscription that was served.
func (f *faults) allRefusal() (*status.Status, <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refused == nil {
		f.refused = make(chan struct{})
	}
	return f.refusal, f.refused
}
