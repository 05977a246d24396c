package esdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	esdbclient "github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/camcloud/accounts/eventstore"
)

// Resubscription waits between attempts, doubling from the first to the last.
const (
	firstRetryWait = 50 * time.Millisecond
	lastRetryWait  = 2 * time.Second
)

// Subscribe runs a catch-up subscription to $all that leaves out system events on the server
// (by a filter on event types) and here (events of system streams). When the subscription drops,
// for a restarting server or a lost connection, it subscribes again from the last event it
// delivered, waiting longer between failed attempts, until ctx ends or handle fails.
//
// A refusal no retry cures (access denied to $all, failed authentication) ends it at once with an
// error matching eventstore.ErrPermanent, logged once: retrying every 2 s would only fill the log
// while the read models silently stop.
func (s *Store) Subscribe(ctx context.Context, from eventstore.Position, handle func(context.Context, eventstore.RecordedEvent) error) error {
	last := from
	wait := firstRetryWait
	for {
		confirmed, fatal, err := s.subscribeOnce(ctx, &last, handle)
		if fatal != nil {
			return fatal
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if errors.Is(err, ErrClosed) {
			return err
		}
		if permanent(err) {
			s.logger.Error("esdb: the server refuses the subscription to $all; not trying again until restarted",
				"after", last.String(), "err", err,
				"fix", "give the user read access to $all (membership of $admins or an ACL on $all) and check its credentials")
			return fmt.Errorf("%w: %w", eventstore.ErrPermanent, err)
		}
		if confirmed {
			wait = firstRetryWait
		}
		s.logger.Warn("esdb: subscription to $all dropped; subscribing again", "after", last.String(), "in", wait, "err", err)
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
		wait = min(2*wait, lastRetryWait)
	}
}

// subscribeOnce subscribes after *last and delivers events, advancing *last, until the
// subscription drops (err, worth subscribing again) or handle fails or an event cannot be
// decoded (fatal). confirmed tells whether the server accepted the subscription.
func (s *Store) subscribeOnce(ctx context.Context, last *eventstore.Position, handle func(context.Context, eventstore.RecordedEvent) error) (confirmed bool, fatal, err error) {
	options := esdbclient.SubscribeToAllOptions{From: allPosition(*last), Filter: esdbclient.ExcludeSystemEventsFilter()}
	sub, err := use(ctx, s, func(ctx context.Context, c *esdbclient.Client) (*esdbclient.Subscription, error) {
		return c.SubscribeToAll(ctx, options)
	}, func(sub *esdbclient.Subscription) { sub.Close() })
	if err != nil {
		return false, nil, fmt.Errorf("esdb: subscribe to $all after %v: %w", *last, err)
	}
	defer sub.Close()
	for {
		msg := sub.Recv()
		if msg.SubscriptionDropped != nil {
			return true, nil, fmt.Errorf("esdb: subscription to $all dropped after %v: %w", *last, msg.SubscriptionDropped.Error)
		}
		if msg.EventAppeared == nil {
			continue // checkpoints, caught up, fell behind: the position that counts is the last event's
		}
		e := msg.EventAppeared.OriginalEvent()
		pos := fromPosition(e.Position)
		if !beyond(pos, *last, eventstore.Forwards) || isSystem(e) {
			continue
		}
		r, err := fromRecorded(e)
		if err != nil {
			return true, err, nil
		}
		if err := handle(ctx, r); err != nil {
			return true, err, nil
		}
		*last = pos
	}
}
