package commands

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/camcloud/accounts/domain/reservation"
	"github.com/camcloud/accounts/eventstore"
)

// Reservation kinds: each value of a kind is unique system-wide.
const (
	reserveUsername = "username"
	reserveEmail    = "email"
)

func applyReservation(r reservation.Reservation, e eventstore.Event) reservation.Reservation {
	if re, ok := e.(reservation.Event); ok {
		return r.Apply(re)
	}
	return r
}

func reservationStream(kind, key string) string { return eventstore.StreamName(kind, key) }

// reserve makes a normalized value owner's; ErrTaken if another owner holds it. Appending at the
// revision read means two owners racing for a free value cannot both win.
func (h *Handler) reserve(ctx context.Context, origin Origin, kind, key, owner string) error {
	_, err := update(ctx, h, origin, "", reservationStream(kind, key), reservation.Reservation{}, applyReservation, nil,
		func(r reservation.Reservation) ([]eventstore.Event, error) {
			events, err := r.Reserve(kind, key, owner)
			return asEvents(events), err
		})
	if err != nil {
		return fmt.Errorf("reserve %s: %w", kind, err)
	}
	return nil
}

// release frees a value owner holds, so that it can be used again.
func (h *Handler) release(ctx context.Context, origin Origin, kind, key, owner string) error {
	_, err := update(ctx, h, origin, "", reservationStream(kind, key), reservation.Reservation{}, applyReservation, nil,
		func(r reservation.Reservation) ([]eventstore.Event, error) {
			events, err := r.Release(owner)
			return asEvents(events), err
		})
	if err != nil {
		return fmt.Errorf("release %s: %w", kind, err)
	}
	return nil
}

// owner returns who holds a value, if anyone.
func (h *Handler) owner(ctx context.Context, kind, key string) (string, bool, error) {
	s, err := load(ctx, h, reservationStream(kind, key), reservation.Reservation{}, applyReservation)
	if err != nil {
		return "", false, err
	}
	return s.state.OwnerID, s.state.Held, nil
}

// isTaken reports whether err says a reservation was held by someone else.
func isTaken(err error) bool { return errors.Is(err, reservation.ErrTaken) }

// reserveForUser reserves a username or e-mail address for a user. A value still held by an owner
// that never became a user (the process died between reserving and inviting) is taken over once
// the hold is older than orphanAfter, so a crash cannot lock a name away for good.
func (id *Identity) reserveForUser(ctx context.Context, origin Origin, kind, key, userID string) error {
	err := id.reserve(ctx, origin, kind, key, userID)
	if !isTaken(err) {
		return err
	}
	holder, orphaned, lookErr := id.orphanedHold(ctx, kind, key)
	if lookErr != nil || !orphaned {
		return errors.Join(err, lookErr)
	}
	_, err = update(ctx, id.Handler, origin, "", reservationStream(kind, key), reservation.Reservation{}, applyReservation, nil,
		func(r reservation.Reservation) ([]eventstore.Event, error) {
			if r.OwnerID != holder {
				return nil, reservation.ErrTaken // someone else took it over meanwhile
			}
			released, err := r.Release(holder)
			if err != nil {
				return nil, err
			}
			for _, e := range released {
				r = r.Apply(e)
			}
			reserved, err := r.Reserve(kind, key, userID)
			return asEvents(append(released, reserved...)), err
		})
	if err != nil {
		return fmt.Errorf("take over %s: %w", kind, err)
	}
	return nil
}

// orphanedHold returns who holds a value, and whether that holder never became a user although
// the hold is older than orphanAfter.
func (id *Identity) orphanedHold(ctx context.Context, kind, key string) (string, bool, error) {
	holder, held, err := id.owner(ctx, kind, key)
	if err != nil || !held {
		return holder, false, err
	}
	last, err := id.store.ReadStream(ctx, reservationStream(kind, key), eventstore.End, eventstore.Backwards, 1)
	if err != nil || len(last) == 0 || time.Since(last[0].RecordedAt) < id.orphanAfter {
		return holder, false, err
	}
	user, err := id.store.ReadStream(ctx, UserStream(holder), 0, eventstore.Forwards, 1)
	return holder, err == nil && len(user) == 0, err
}
