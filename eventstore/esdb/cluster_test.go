package esdb_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"

	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/esdb"
	"github.com/camcloud/accounts/eventstore/esdb/esdbtest"
	"github.com/camcloud/accounts/eventstore/storetest"
)

// A cluster electing a leader answers an append with codes.Aborted ("Commit phase timeout") and
// may store it all the same. The store sends it again with the same event IDs, which stores it
// exactly once; when the server keeps timing out, the error is ErrUnavailable (503) with an
// unknown outcome, and the caller's own resend of the same append stores it at most once too.
func TestTimedOutAppend(t *testing.T) {
	cases := []struct {
		name     string
		timeouts int
		stored   bool // each timed-out append is written all the same
		expected eventstore.ExpectedRevision
		prior    int  // events in the stream before
		fails    bool // the append reports an unknown outcome
		want     int  // events in the stream after the append (and after a resend when it failed)
	}{
		{name: "stored, then answered on the resend", timeouts: 1, stored: true, expected: eventstore.NoStream, want: 1},
		{name: "not stored, then written on the resend", timeouts: 1, expected: eventstore.NoStream, want: 1},
		{name: "exact revision, stored, answered on the resend", timeouts: 2, stored: true, expected: eventstore.Exact(1), prior: 2, want: 3},
		{name: "timing out every time, stored", timeouts: 3, stored: true, expected: eventstore.NoStream, fails: true, want: 1},
		{name: "timing out every time, not stored", timeouts: 3, expected: eventstore.NoStream, fails: true, want: 1},
		// With "any" only the server's bounded cache of IDs would recognise a resend: not resent.
		{name: "any is not resent", timeouts: 1, stored: true, expected: eventstore.Any, prior: 1, fails: true, want: 2},
	}
	srv := esdbtest.Start(t)
	store := open(t, srv.URL())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := testContext(t)
			name := "account-" + uuid.NewString()
			if c.prior > 0 {
				if _, err := store.Append(ctx, name, eventstore.NoStream, batch(c.prior, "prior")...); err != nil {
					t.Fatal(err)
				}
			}
			event := storetest.Event("change")
			srv.TimeOutAppends(c.timeouts, c.stored)
			defer srv.TimeOutAppends(0, false)

			res, err := store.Append(ctx, name, c.expected, event)
			if c.fails {
				if !errors.Is(err, eventstore.ErrUnavailable) || !errors.Is(err, eventstore.ErrOutcomeUnknown) {
					t.Fatalf("append: %v, want ErrUnavailable and ErrOutcomeUnknown", err)
				}
				srv.TimeOutAppends(0, false)
				// The caller resends the same append (same IDs, same expectation) once the
				// cluster is back: stored once, whatever happened the first time.
				if c.expected != eventstore.Any {
					if res, err = store.Append(ctx, name, c.expected, event); err != nil {
						t.Fatalf("resend: %v", err)
					}
				}
			} else if err != nil {
				t.Fatalf("append: %v", err)
			}
			got, err := store.ReadStream(ctx, name, 0, eventstore.Forwards, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != c.want {
				t.Fatalf("stream holds %d events, want %d", len(got), c.want)
			}
			if last := got[len(got)-1]; last.ID != event.ID {
				t.Fatalf("last event %s, want %s", last.ID, event.ID)
			} else if c.expected != eventstore.Any && res.Revision != last.Revision {
				t.Errorf("append reported revision %d, want %d", res.Revision, last.Revision)
			}
		})
	}
}

// A subscription the server refuses for good (no read access to $all, wrong credentials) stops
// with ErrPermanent and says so once in the log, instead of trying again every 2 s forever;
// whether the refusal comes when subscribing or cuts a running subscription.
func TestSubscriptionRefusedForGood(t *testing.T) {
	for _, code := range []codes.Code{codes.PermissionDenied, codes.Unauthenticated} {
		for _, running := range []bool{false, true} {
			name := code.String() + " when subscribing"
			if running {
				name = code.String() + " while running"
			}
			t.Run(name, func(t *testing.T) {
				srv := esdbtest.Start(t)
				var logs syncBuffer
				store := open(t, srv.URL(), esdb.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
				appendEventually(t, store, "order-"+uuid.NewString(), batch(2, "before"))
				if !running {
					srv.RefuseAll(code)
				}
				delivered := make(chan struct{}, 10)
				done := make(chan error, 1)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				go func() {
					done <- store.Subscribe(ctx, eventstore.Start, func(context.Context, eventstore.RecordedEvent) error {
						delivered <- struct{}{}
						return nil
					})
				}()
				if running {
					for range 2 {
						select {
						case <-delivered:
						case <-time.After(10 * time.Second):
							t.Fatal("the subscription delivered nothing")
						}
					}
					srv.RefuseAll(code)
				}
				select {
				case err := <-done:
					if !errors.Is(err, eventstore.ErrPermanent) {
						t.Fatalf("Subscribe: %v, want ErrPermanent", err)
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("Subscribe still runs 5 s after the refusal; log:\n%s", logs.String())
				}
				if n := strings.Count(logs.String(), "refuses the subscription"); n != 1 {
					t.Errorf("the refusal is logged %d times, want once; log:\n%s", n, logs.String())
				}
				if n := strings.Count(logs.String(), "subscribing again"); n != 0 {
					t.Errorf("the subscription was tried again %d times; log:\n%s", n, logs.String())
				}
			})
		}
	}
}

// A user who may not read $all cannot run the service: New says so at start, and how to fix it.
func TestNewRefusedReadOfAll(t *testing.T) {
	srv := esdbtest.Start(t)
	srv.RefuseAll(codes.PermissionDenied)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := esdb.New(ctx, srv.URL(), esdb.WithLogger(slog.New(slog.DiscardHandler)))
	if err == nil {
		s.Close()
		t.Fatal("New succeeded without read access to $all")
	}
	if !errors.Is(err, eventstore.ErrPermanent) || !strings.Contains(err.Error(), "$admins") {
		t.Fatalf("New: %v, want ErrPermanent naming $admins", err)
	}
}

// The client never asks for the leader on reads, so a read may come from a follower that lags.
// A decision made on such a stale read must not stick: the append carries the expected revision
// it read, and the leader refuses it.
func TestStaleReadCannotDecide(t *testing.T) {
	cases := []struct {
		name   string
		before int // events in the stream the stale read does see
		after  int // events appended since, that it does not
	}{
		// Taking over a name: the reservation stream looks empty on the follower.
		{name: "stream looks missing", before: 0, after: 1},
		{name: "stream looks older", before: 2, after: 1},
	}
	srv := esdbtest.Start(t)
	store := open(t, srv.URL())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer srv.SetFollowerLag(0)
			ctx := testContext(t)
			name := "username-" + uuid.NewString()
			if c.before > 0 {
				if _, err := store.Append(ctx, name, eventstore.NoStream, batch(c.before, "seen")...); err != nil {
					t.Fatal(err)
				}
			}
			unseen := batch(c.after, "unseen")
			if _, err := store.Append(ctx, name, eventstore.Any, unseen...); err != nil {
				t.Fatal(err)
			}
			srv.SetFollowerLag(c.after)

			read, err := store.ReadStream(ctx, name, eventstore.End, eventstore.Backwards, 1)
			if err != nil {
				t.Fatal(err)
			}
			expected := eventstore.NoStream
			if len(read) > 0 {
				expected = eventstore.Exact(read[0].Revision)
			}
			if want := c.before; len(read) > 0 != (want > 0) || (len(read) > 0 && read[0].Revision != uint64(want-1)) {
				t.Fatalf("the follower's read is not stale: %d events", len(read))
			}
			last, err := store.ReadAll(ctx, eventstore.EndOfAll, eventstore.Backwards, 1)
			if err != nil || (len(last) == 1 && last[0].ID == unseen[len(unseen)-1].ID) {
				t.Fatalf("ReadAll from the follower: %v, %v; want it without the unseen events", last, err)
			}

			_, err = store.Append(ctx, name, expected, storetest.Event("decided on a stale read"))
			var conflict *eventstore.ConflictError
			if !errors.As(err, &conflict) {
				t.Fatalf("append expecting %v: %v, want a conflict", expected, err)
			}
			if want := uint64(c.before + c.after - 1); !conflict.Exists || conflict.Actual != want {
				t.Errorf("conflict = %+v, want the leader's revision %d", *conflict, want)
			}
		})
	}
}
