package esdb

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	esdbclient "github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/camcloud/accounts/eventstore"
)

// wireMetadata is our Metadata as an event's JSON user metadata. The correlation and causation
// ids sit under EventStoreDB's own keys, which its $by_correlation_id projection and its UI
// follow; the rest under ours.
type wireMetadata struct {
	CorrelationID string    `json:"$correlationId,omitempty"`
	CausationID   string    `json:"$causationId,omitempty"`
	Actor         string    `json:"actor,omitempty"`
	AccountID     string    `json:"account_id,omitempty"`
	SupportGrant  string    `json:"support_grant,omitempty"`
	OccurredAt    time.Time `json:"occurred_at,omitzero"`
}

// toEventData converts events for an append: JSON data, our metadata as JSON user metadata.
func toEventData(events []eventstore.EventData) ([]esdbclient.EventData, error) {
	out := make([]esdbclient.EventData, len(events))
	for i, e := range events {
		m := e.Metadata
		meta, err := json.Marshal(wireMetadata{
			CorrelationID: m.CorrelationID,
			CausationID:   m.CausationID,
			Actor:         m.Actor,
			AccountID:     m.AccountID,
			SupportGrant:  m.SupportGrant,
			OccurredAt:    m.OccurredAt,
		})
		if err != nil {
			return nil, fmt.Errorf("encode metadata of event %s: %w", e.ID, err)
		}
		out[i] = esdbclient.EventData{
			EventID:     e.ID,
			EventType:   e.Type,
			ContentType: esdbclient.ContentTypeJson,
			Data:        e.Data,
			Metadata:    meta,
		}
	}
	return out, nil
}

// fromRecorded converts an event read or delivered by the server.
func fromRecorded(e *esdbclient.RecordedEvent) (eventstore.RecordedEvent, error) {
	var m wireMetadata
	if len(e.UserMetadata) > 0 {
		if err := json.Unmarshal(e.UserMetadata, &m); err != nil {
			return eventstore.RecordedEvent{}, fmt.Errorf("esdb: decode metadata of event %s in %s: %w", e.EventID, e.StreamID, err)
		}
	}
	return eventstore.RecordedEvent{
		EventData: eventstore.EventData{
			ID:   e.EventID,
			Type: e.EventType,
			Data: e.Data,
			Metadata: eventstore.Metadata{
				Actor:         m.Actor,
				AccountID:     m.AccountID,
				CorrelationID: m.CorrelationID,
				CausationID:   m.CausationID,
				SupportGrant:  m.SupportGrant,
				OccurredAt:    m.OccurredAt,
			},
		},
		Stream:     e.StreamID,
		Revision:   e.EventNumber,
		Position:   fromPosition(e.Position),
		RecordedAt: e.CreatedDate,
	}, nil
}

// isSystem reports whether an event is one of the server's own: in a stream or of a type whose
// name starts with '$' (statistics, projections, links, stream metadata, epochs...).
func isSystem(e *esdbclient.RecordedEvent) bool {
	return strings.HasPrefix(e.StreamID, "$") || strings.HasPrefix(e.EventType, "$")
}

func fromPosition(p esdbclient.Position) eventstore.Position {
	return eventstore.Position{Commit: p.Commit, Prepare: p.Prepare}
}

// allPosition maps a position to the client's: Start and EndOfAll to the ends of $all.
func allPosition(p eventstore.Position) esdbclient.AllPosition {
	switch p {
	case eventstore.Start:
		return esdbclient.Start{}
	case eventstore.EndOfAll:
		return esdbclient.End{}
	}
	return esdbclient.Position{Commit: p.Commit, Prepare: p.Prepare}
}

// beyond reports whether pos lies strictly past from in the direction of a read. From an end of
// $all (Start backwards, EndOfAll forwards) the server sends nothing but new events.
func beyond(pos, from eventstore.Position, dir eventstore.Direction) bool {
	if from == eventstore.Start || from == eventstore.EndOfAll {
		return true
	}
	if dir == eventstore.Backwards {
		return pos.Compare(from) < 0
	}
	return pos.Compare(from) > 0
}
