package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/camcloud/accounts/eventstore"
)

// testAppendMultiChecksUnderContention races two writers that each only check the stream the
// other writes (the write skew a decision reading one stream and writing another invites): both
// cannot succeed, whether the checked streams exist or not, and a loser stores nothing.
func testAppendMultiChecksUnderContention(t *testing.T, s eventstore.Store) {
	cases := []struct {
		name     string
		existing bool
		expected eventstore.ExpectedRevision
	}{
		{"streams absent", false, eventstore.NoStream},
		{"streams at revision 0", true, eventstore.Exact(0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for range 10 {
				a, b := stream("a"), stream("b")
				if c.existing {
					mustAppend(t, s, a, eventstore.NoStream, Event("a"))
					mustAppend(t, s, b, eventstore.NoStream, Event("b"))
				}
				var (
					wg    sync.WaitGroup
					start = make(chan struct{})
					errs  [2]error
				)
				for i, pair := range [][2]string{{a, b}, {b, a}} {
					wg.Go(func() {
						<-start
						_, errs[i] = s.AppendMulti(ctxFor(t),
							eventstore.StreamWrite{Stream: pair[0], Expected: c.expected},
							eventstore.StreamWrite{Stream: pair[1], Expected: c.expected, Events: events(1, "w")})
					})
				}
				close(start)
				wg.Wait()
				for i, err := range errs {
					if err != nil && !errors.Is(err, eventstore.ErrConcurrency) {
						t.Fatalf("writer %d: %v", i, err)
					}
				}
				if errs[0] == nil && errs[1] == nil {
					t.Fatal("both writers succeeded, each on a stream the other changed")
				}
				base := 0
				if c.existing {
					base = 1
				}
				written := streamLen(t, s, a) + streamLen(t, s, b) - 2*base
				if want := btoi(errs[0] == nil) + btoi(errs[1] == nil); written != want {
					t.Fatalf("%d events written by %d winners", written, want)
				}
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
