package commands

import (
	"context"
	"errors"
	"time"

	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/identity/reservation"
	"github.com/camcloud/accounts/identity/user"
)

// Reservation kinds: each value of a kind is unique system-wide.
const (
	reserveUsername  = "username"
	reserveEmail     = "email"
	reserveGroupName = "groupname"
)

func applyReservation(r reservation.Reservation, e eventstore.Event) reservation.Reservation {
	if re, ok := e.(reservation.Event); ok {
		return r.Apply(re)
	}
	return r
}

func reservationStream(kind, key string) string { return eventstore.StreamName(kind, key) }

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

// stageReservation makes a normalized value owner's within u: appended at the revision read, so
// of two owners racing for a free value one wins and the other is decided again (and finds it
// taken). A value another owner holds is reservation.ErrTaken.
func (h *Handler) stageReservation(ctx context.Context, u *unit, kind, key, owner, account string) error {
	name := reservationStream(kind, key)
	s, err := loadInto(ctx, u, name, reservation.Reservation{}, applyReservation)
	if err != nil {
		return err
	}
	events, err := s.state.Reserve(kind, key, owner)
	if err != nil {
		return err
	}
	u.write(account, name, asEvents(events)...)
	return nil
}

// stageRelease frees a value owner holds within u; a value owner does not hold is left alone.
func (h *Handler) stageRelease(ctx context.Context, u *unit, kind, key, owner, account string) error {
	name := reservationStream(kind, key)
	s, err := loadInto(ctx, u, name, reservation.Reservation{}, applyReservation)
	if err != nil {
		return err
	}
	events, err := s.state.Release(owner)
	if err != nil {
		return err
	}
	u.write(account, name, asEvents(events)...)
	return nil
}

// stageReservation reserves a username or e-mail address for a user. A value still held by an
// owner that never became a user is taken over once the hold is older than orphanAfter, so that
// a crash between reserving and inviting (possible where the store cannot append to several
// streams at once) cannot lock a name away for good. The takeover does not trust the read that
// found the owner's stream empty, which may come from a lagging follower: it voids the owner's
// ID with an append that the store accepts only while that stream does not exist.
func (id *Identity) stageReservation(ctx context.Context, u *unit, kind, key, owner, account string) error {
	err := id.Handler.stageReservation(ctx, u, kind, key, owner, account)
	if !isTaken(err) {
		return err
	}
	name := reservationStream(kind, key)
	s, err := loadInto(ctx, u, name, reservation.Reservation{}, applyReservation)
	if err != nil {
		return err
	}
	holder := s.state.OwnerID
	orphaned, err := id.orphaned(ctx, u, name, holder)
	if err != nil || !orphaned {
		return errors.Join(err, reservation.ErrTaken)
	}
	released, err := s.state.Release(holder)
	if err != nil {
		return err
	}
	after := s.state
	for _, e := range released {
		after = after.Apply(e)
	}
	reserved, err := after.Reserve(kind, key, owner)
	if err != nil {
		return err
	}
	u.write(account, UserStream(holder), user.Voided{UserID: holder})
	u.write(account, name, asEvents(append(released, reserved...))...)
	return nil
}

// orphaned reports whether a reservation's holder never became a user although the hold is older
// than orphanAfter. The holder's stream is loaded into u, so the commit depends on it staying
// empty.
func (id *Identity) orphaned(ctx context.Context, u *unit, reservationStream, holder string) (bool, error) {
	last, err := id.store.ReadStream(ctx, reservationStream, eventstore.End, eventstore.Backwards, 1)
	if err != nil || len(last) == 0 || time.Since(last[0].RecordedAt) < id.orphanAfter {
		return false, err
	}
	s, err := loadInto(ctx, u, UserStream(holder), user.User{}, applyUser)
	return err == nil && !s.exists, err
}

// orphanedHold returns who holds a value, and whether that holder never became a user although
// the hold is older than orphanAfter (a courtesy check: stageReservation decides for real).
func (id *Identity) orphanedHold(ctx context.Context, kind, key string) (string, bool, error) {
	holder, held, err := id.owner(ctx, kind, key)
	if err != nil || !held {
		return holder, false, err
	}
	u := &unit{h: id.Handler, heads: map[string]head{}}
	orphaned, err := id.orphaned(ctx, u, reservationStream(kind, key), holder)
	return holder, orphaned, err
}
