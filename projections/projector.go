// Package projections builds the read models. One read of the event store's log feeds a Watermill
// subscriber; a Watermill router hands each read model's handler a page of events, which it
// applies and moves that read model's checkpoint past in one PostgreSQL transaction. Each read
// model lives in its own subfolder with its schema, projector and queries.
package projections

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/camcloud/accounts/eventstore"
)

// Projector maintains one read model.
type Projector interface {
	// Name identifies the read model, its checkpoint and its Watermill handler.
	Name() string
	// Version changes whenever the schema or the meaning of Apply changes; a read model found at
	// another version is dropped and rebuilt from the first event.
	Version() int
	// Setup creates the read model's tables; it runs in the transaction that resets the model.
	Setup(ctx context.Context, tx pgx.Tx) error
	// Drop removes the read model's tables.
	Drop(ctx context.Context, tx pgx.Tx) error
	// Handles names the event types Apply acts on. Apply is handed no others: an event of
	// another type costs the read model nothing but moving its checkpoint past it.
	Handles() []string
	// Apply applies a batch of events, in global order, inside the transaction that also moves
	// the checkpoint past the last of them. A batch is applied whole or not at all; writing it
	// with few statements (folding the batch in memory first) is what makes catching up fast.
	Apply(ctx context.Context, tx pgx.Tx, events []Envelope) error
}

// Envelope is a decoded event with what the store recorded about it.
type Envelope struct {
	ID         uuid.UUID
	Event      eventstore.Event // nil for a type the codec does not know
	Type       string
	Stream     string
	Revision   uint64
	Position   eventstore.Position
	Metadata   eventstore.Metadata
	RecordedAt time.Time
}

// TypesOf returns the type names of events, for Handles.
func TypesOf(events ...eventstore.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.EventType()
	}
	return out
}
