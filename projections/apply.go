package projections

import (
	"context"
	"errors"
	"fmt"

	"github.com/camcloud/accounts/eventstore"
	"github.com/jackc/pgx/v5"
)

// page is a run of the log: every event after position after up to and including last, of which
// events holds those its read model handles (possibly none).
type page struct {
	after, last eventstore.Position
	events      []eventstore.RecordedEvent
}

// model is a projector with the set of event types it handles.
type model struct {
	Projector
	handles map[string]bool
}

func newModel(proj Projector) model {
	m := model{Projector: proj, handles: map[string]bool{}}
	for _, t := range proj.Handles() {
		m.handles[t] = true
	}
	return m
}

// pageOf makes the page of events that follows after, keeping the events m handles.
func (m model) pageOf(after eventstore.Position, events []eventstore.RecordedEvent) page {
	pg := page{after: after, last: after}
	if len(events) > 0 {
		pg.last = events[len(events)-1].Position
	}
	for _, e := range events {
		if m.handles[e.Type] {
			pg.events = append(pg.events, e)
		}
	}
	return pg
}

// apply applies pg to m and moves its checkpoint to pg.last, in tx, and reports whether the
// checkpoint moved. The stored checkpoint says what the model holds: every event up to it and
// none after. So events at or before it are skipped (a replay, or a page another process applied
// part of), a checkpoint at or past pg.last leaves nothing to do, and one before pg.after is
// ErrCheckpointMoved: applying pg would skip the events between.
func (m model) apply(ctx context.Context, tx pgx.Tx, codec *eventstore.Codec, pg page) (bool, error) {
	stored, err := lockCheckpoint(ctx, tx, m.Name())
	if err != nil {
		return false, err
	}
	if pg.last.Compare(stored) <= 0 {
		return false, nil
	}
	if stored.Compare(pg.after) < 0 {
		return false, fmt.Errorf("%s: at %v, delivery follows %v: %w", m.Name(), stored, pg.after, ErrCheckpointMoved)
	}
	if err := m.applyEvents(ctx, tx, codec, stored, pg.events); err != nil {
		return false, err
	}
	return true, moveCheckpoint(ctx, tx, m.Name(), pg.last)
}

// applyEvents decodes the events after from and hands them to the projector in one call.
func (m model) applyEvents(ctx context.Context, tx pgx.Tx, codec *eventstore.Codec, from eventstore.Position, events []eventstore.RecordedEvent) error {
	envs := make([]Envelope, 0, len(events))
	for _, e := range events {
		if e.Position.Compare(from) <= 0 {
			continue
		}
		env, err := envelopeOf(e, codec)
		if err != nil {
			return fmt.Errorf("%s: %w", m.Name(), err)
		}
		envs = append(envs, env)
	}
	if len(envs) == 0 {
		return nil
	}
	if err := m.Apply(ctx, tx, envs); err != nil {
		first, last := envs[0], envs[len(envs)-1]
		if len(envs) == 1 {
			return fmt.Errorf("%s: apply %s at %v: %w", m.Name(), first.Type, first.Position, err)
		}
		return fmt.Errorf("%s: apply %d events from %v to %v: %w", m.Name(), len(envs), first.Position, last.Position, err)
	}
	return nil
}

// project applies pg in one transaction and reports the checkpoint it reached to checkpoints.
// When the batch fails, it is applied again one event per transaction: the events before a
// poison one are kept, and the read model stops exactly at the event it cannot apply (whose
// error is returned), as it did when every event had a transaction of its own.
func (p *Pipeline) project(ctx context.Context, m model, pg page) error {
	err := p.projectOnce(ctx, m, pg)
	if err == nil || len(pg.events) < 2 || errors.Is(err, ErrCheckpointMoved) || ctx.Err() != nil {
		return err
	}
	after := pg.after
	for i, e := range pg.events {
		one := page{after: after, last: e.Position, events: pg.events[i : i+1]}
		if err := p.projectOnce(ctx, m, one); err != nil {
			return err
		}
		after = e.Position
	}
	return p.projectOnce(ctx, m, page{after: after, last: pg.last})
}

func (p *Pipeline) projectOnce(ctx context.Context, m model, pg page) error {
	var moved bool
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		var err error
		moved, err = m.apply(ctx, tx, p.codec, pg)
		return err
	})
	if err != nil {
		return err
	}
	if moved {
		p.checkpoints.moved(m.Name(), pg.last)
	}
	return nil
}
