package identitycmd

import (
	"context"
	"errors"
	"time"

	"github.com/camcloud/accounts/command"
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

// reservations is the repository of one kind of reservation: a stream per value, named
// "<kind>-<value>".
func reservations(h *command.Handler, kind string) command.Repository[reservation.Reservation, reservation.Event] {
	return command.NewRepository(h, command.Aggregate[reservation.Reservation, reservation.Event]{Category: kind, Apply: reservation.Reservation.Apply})
}

func reservationStream(kind, key string) string { return eventstore.StreamName(kind, key) }

// owner returns who holds a value, if anyone.
func (id *Commands) owner(ctx context.Context, kind, key string) (string, bool, error) {
	s, err := reservations(id.h, kind).Load(ctx, key)
	if err != nil {
		return "", false, err
	}
	return s.State.OwnerID, s.State.Held, nil
}

// isTaken reports whether err says a reservation was held by someone else.
func isTaken(err error) bool { return errors.Is(err, reservation.ErrTaken) }

// reserve makes a normalized value owner's within u, in owner's account: appended at the
// revision read, so of two owners racing for a free value one wins and the other is decided
// again (and finds it taken). A value another owner holds is reservation.ErrTaken.
func (id *Commands) reserve(ctx context.Context, u *command.Unit, kind, key, owner, account string) error {
	repo := reservations(id.h, kind)
	s, err := repo.LoadInto(ctx, u, key)
	if err != nil {
		return err
	}
	events, err := s.State.Reserve(kind, key, owner)
	if err != nil {
		return err
	}
	repo.StageIn(u, account, s, events...)
	return nil
}

// stageRelease frees a value owner holds within u, in owner's account; a value owner does not
// hold is left alone.
func (id *Commands) stageRelease(ctx context.Context, u *command.Unit, kind, key, owner, account string) error {
	repo := reservations(id.h, kind)
	s, err := repo.LoadInto(ctx, u, key)
	if err != nil {
		return err
	}
	events, err := s.State.Release(owner)
	if err != nil {
		return err
	}
	repo.StageIn(u, account, s, events...)
	return nil
}

// stageReservation reserves a username or e-mail address for a user. A value still held by an
// owner that never became a user is taken over once the hold is older than orphanAfter, so that
// a crash between reserving and inviting (possible where the store cannot append to several
// streams at once) cannot lock a name away for good. The takeover does not trust the read that
// found the owner's stream empty, which may come from a lagging follower: it voids the owner's
// ID with an append that the store accepts only while that stream does not exist.
func (id *Commands) stageReservation(ctx context.Context, u *command.Unit, kind, key, owner, account string) error {
	err := id.reserve(ctx, u, kind, key, owner, account)
	if !isTaken(err) {
		return err
	}
	repo := reservations(id.h, kind)
	s, err := repo.LoadInto(ctx, u, key)
	if err != nil {
		return err
	}
	holder := s.State.OwnerID
	orphaned, err := id.orphaned(ctx, u, s.Name, holder)
	if err != nil || !orphaned {
		return errors.Join(err, reservation.ErrTaken)
	}
	released, err := s.State.Release(holder)
	if err != nil {
		return err
	}
	after := s.State
	for _, e := range released {
		after = after.Apply(e)
	}
	reserved, err := after.Reserve(kind, key, owner)
	if err != nil {
		return err
	}
	// The void is staged first: a store that appends stream by stream (EventStoreDB) then
	// refuses it, on a holder that became a user after all, before it writes the reservation.
	id.users.StageIn(u, account, id.users.New(holder), user.Voided{UserID: holder})
	repo.StageIn(u, account, s, append(released, reserved...)...)
	return nil
}

// orphaned reports whether a reservation's holder never became a user although the hold is older
// than orphanAfter. The holder's stream is loaded into u (when given), so the commit depends on
// it staying empty.
func (id *Commands) orphaned(ctx context.Context, u *command.Unit, reservationStream, holder string) (bool, error) {
	last, err := id.h.Store().ReadStream(ctx, reservationStream, eventstore.End, eventstore.Backwards, 1)
	if err != nil || len(last) == 0 || time.Since(last[0].RecordedAt) < id.orphanAfter {
		return false, err
	}
	load := id.users.Load
	if u != nil {
		load = func(ctx context.Context, holder string) (command.Stream[user.User], error) {
			return id.users.LoadInto(ctx, u, holder)
		}
	}
	s, err := load(ctx, holder)
	return err == nil && !s.Exists, err
}

// orphanedHold returns who holds a value, and whether that holder never became a user although
// the hold is older than orphanAfter (a courtesy check: stageReservation decides for real).
func (id *Commands) orphanedHold(ctx context.Context, kind, key string) (string, bool, error) {
	holder, held, err := id.owner(ctx, kind, key)
	if err != nil || !held {
		return holder, false, err
	}
	orphaned, err := id.orphaned(ctx, nil, reservationStream(kind, key), holder)
	return holder, orphaned, err
}
