package esdb

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	esdbclient "github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/camcloud/accounts/eventstore"
)

// Append writes events with the server's own optimistic concurrency. Idempotency is the
// server's too: re-appending stored events answers their original result when expected is a
// revision or NoStream and the events follow that revision, and, on a best-effort basis (a cache
// of recent event IDs), when expected is Any or StreamExists. A batch that is only partly stored
// is refused as a conflict. Unlike the other adapters, an event ID stored in another stream is
// not detected: EventStoreDB has no index of event IDs and appends it as a new event.
//
// An append the server times out is sent again (see timedOutAttempts); one it keeps timing out
// fails with eventstore.ErrUnavailable and eventstore.ErrOutcomeUnknown.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(stream, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	op := "append to " + stream
	if err := ctx.Err(); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("esdb: %s: %w", op, err)
	}
	proposed, err := toEventData(events)
	if err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("esdb: %s: %w", op, err)
	}
	options := esdbclient.AppendToStreamOptions{ExpectedRevision: expectedRevision(expected)}
	var res *esdbclient.WriteResult
	for attempt := 1; ; attempt++ {
		res, err = use(ctx, s, func(ctx context.Context, c *esdbclient.Client) (*esdbclient.WriteResult, error) {
			return c.AppendToStream(ctx, stream, options, proposed...)
		}, nil)
		if !hasCode(err, esdbclient.ErrorAborted) || !resendable(expected) || attempt == timedOutAttempts {
			break
		}
		s.logger.Warn("esdb: the server timed the append out; sending it again with the same event IDs",
			"stream", stream, "attempt", attempt, "err", err)
		if sleep(ctx, time.Duration(attempt)*timedOutPause) != nil {
			break
		}
	}
	if hasCode(err, esdbclient.ErrorCodeWrongExpectedVersion) {
		return eventstore.AppendResult{}, s.conflict(ctx, stream, expected, err)
	}
	if hasCode(err, esdbclient.ErrorAborted) {
		return eventstore.AppendResult{}, outcomeUnknown(ctx, op, err)
	}
	if err != nil {
		return eventstore.AppendResult{}, opError(ctx, op, err)
	}
	return eventstore.AppendResult{
		Revision: res.NextExpectedVersion, // the client's name for the stream's last revision
		Position: eventstore.Position{Commit: res.CommitPosition, Prepare: res.PreparePosition},
	}, nil
}

// An append the server timed out (codes.Aborted, "Commit phase timeout" while the cluster elects
// a leader, say) may or may not be stored: the server stops waiting for the acknowledgements, not
// the write. It is sent again, with the same event IDs and expected revision, up to
// timedOutAttempts times in all, waiting timedOutPause longer each time. That is safe when the
// expected revision is exact or no-stream: the server compares the IDs stored after that revision
// with the ones sent, and answers a stored append with its first result, a missing one by
// writing it, and one overtaken by another writer with a conflict. With any or stream-exists only
// the server's bounded cache of recent IDs would tell, so such an append is not resent.
const (
	timedOutAttempts = 3
	timedOutPause    = 250 * time.Millisecond
)

// resendable reports whether an append expecting e can be sent again without risk of storing it
// twice.
func resendable(e eventstore.ExpectedRevision) bool {
	_, exact := e.Revision()
	return exact || e.IsNoStream()
}

// outcomeUnknown describes an append the server timed out every time it was sent: unavailable,
// with an unknown outcome, so that the API answers 503 without inviting a new decision on old
// state (see eventstore.ErrOutcomeUnknown).
func outcomeUnknown(ctx context.Context, op string, err error) error {
	err = fmt.Errorf("esdb: %s: %w: %w: %w", op, eventstore.ErrUnavailable, eventstore.ErrOutcomeUnknown, err)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%w: %w", ctxErr, err)
	}
	return err
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func expectedRevision(e eventstore.ExpectedRevision) esdbclient.ExpectedRevision {
	if revision, ok := e.Revision(); ok {
		return esdbclient.StreamRevision{Value: revision}
	}
	switch {
	case e.IsNoStream():
		return esdbclient.NoStream{}
	case e.IsStreamExists():
		return esdbclient.StreamExists{}
	}
	return esdbclient.Any{}
}

// currentRevision finds the stream's revision the server reported in a wrong-expected-version
// error. The client keeps it only in the message ("expecting '1' but got 'no_stream'").
var currentRevision = regexp.MustCompile(`but got '([^']*)'`)

// conflict builds the port's conflict error, with the stream's revision as the server reported
// it, or as read now if the message could not be parsed.
func (s *Store) conflict(ctx context.Context, stream string, expected eventstore.ExpectedRevision, err error) error {
	conflict := &eventstore.ConflictError{Stream: stream, Expected: expected}
	if m := currentRevision.FindStringSubmatch(err.Error()); m != nil {
		if m[1] == "no_stream" {
			return conflict
		}
		if n, perr := strconv.ParseUint(m[1], 10, 64); perr == nil {
			conflict.Actual, conflict.Exists = n, true
			return conflict
		}
	}
	last, rerr := s.ReadStream(ctx, stream, eventstore.End, eventstore.Backwards, 1)
	if rerr != nil {
		return errors.Join(conflict, fmt.Errorf("esdb: read the revision of %s after a conflict: %w", stream, rerr))
	}
	if len(last) == 1 {
		conflict.Actual, conflict.Exists = last[0].Revision, true
	}
	return conflict
}
