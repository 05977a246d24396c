// Package projections builds the read models. The event store's subscription feeds a Watermill
// subscriber; a Watermill router hands each event to one handler per read model, which applies it
// and moves that read model's checkpoint in one PostgreSQL transaction. Each read model lives in
// its own subfolder with its schema, projector and queries.
package projections

import (
	"context"
	"time"

	"github.com/camcloud/accounts/eventstore"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
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
	// Apply applies one event inside the transaction that also moves the checkpoint. Events the
	// read model does not care about are simply ignored.
	Apply(ctx context.Context, tx pgx.Tx, e Envelope) error
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
