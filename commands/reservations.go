package commands

import (
	"context"
	"errors"
	"fmt"

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
