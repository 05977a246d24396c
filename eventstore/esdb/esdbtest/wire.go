package esdbtest

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Keys of the system metadata EventStoreDB sends with every event. "created" is in .NET ticks
// (100 ns) since the Unix epoch; the Go client exits the process (log.Fatalf) without it.
const (
	metadataType        = "type"
	metadataContentType = "content-type"
	metadataCreated     = "created"
)

// uuidFromProto reads an event ID in either of the protocol's forms.
func uuidFromProto(id *shared.UUID) (uuid.UUID, error) {
	if s := id.GetStructured(); s != nil {
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], uint64(s.GetMostSignificantBits()))
		binary.BigEndian.PutUint64(b[8:], uint64(s.GetLeastSignificantBits()))
		return uuid.UUID(b), nil
	}
	if s := id.GetString_(); s != "" {
		return uuid.Parse(s)
	}
	return uuid.Nil, fmt.Errorf("no event id")
}

// uuidToProto writes an event ID in the form the read request asked for.
func uuidToProto(id uuid.UUID, asString bool) *shared.UUID {
	if asString {
		return &shared.UUID{Value: &shared.UUID_String_{String_: id.String()}}
	}
	return &shared.UUID{Value: &shared.UUID_Structured_{Structured: &shared.UUID_Structured{
		MostSignificantBits:  int64(binary.BigEndian.Uint64(id[:8])),
		LeastSignificantBits: int64(binary.BigEndian.Uint64(id[8:])),
	}}}
}

// proposedFromProto checks a proposed message the way the server does: an ID, a type and a
// content type are required.
func proposedFromProto(m *streams.AppendReq_ProposedMessage) (proposed, error) {
	id, err := uuidFromProto(m.GetId())
	if err != nil {
		return proposed{}, status.Errorf(codes.InvalidArgument, "proposed message: %v", err)
	}
	p := proposed{
		id:          id,
		eventType:   m.GetMetadata()[metadataType],
		contentType: m.GetMetadata()[metadataContentType],
		data:        m.GetData(),
		metadata:    m.GetCustomMetadata(),
	}
	if p.eventType == "" {
		return proposed{}, status.Errorf(codes.InvalidArgument, "proposed message %s: %q metadata is required", id, metadataType)
	}
	if p.contentType == "" {
		return proposed{}, status.Errorf(codes.InvalidArgument, "proposed message %s: %q metadata is required", id, metadataContentType)
	}
	return p, nil
}

// expectedFromProto maps an append's expected stream revision.
func expectedFromProto(o *streams.AppendReq_Options) (int64, error) {
	switch e := o.GetExpectedStreamRevision().(type) {
	case *streams.AppendReq_Options_Any:
		return expectAny, nil
	case *streams.AppendReq_Options_NoStream:
		return expectNoStream, nil
	case *streams.AppendReq_Options_StreamExists:
		return expectStreamExists, nil
	case *streams.AppendReq_Options_Revision:
		if e.Revision > 1<<62 {
			return 0, status.Errorf(codes.InvalidArgument, "expected revision %d out of range", e.Revision)
		}
		return int64(e.Revision), nil
	}
	return 0, status.Error(codes.InvalidArgument, "append options: expected stream revision missing")
}

// appendResponse answers an append: success with the stream's revision and the last event's
// position, or a wrong expected version with the current revision, in both the current fields
// and the ones servers before 21.10 used.
func appendResponse(o outcome, expected int64) *streams.AppendResp {
	if !o.wrong {
		success := &streams.AppendResp_Success{}
		if o.last == nil && o.current < 0 {
			success.CurrentRevisionOption = &streams.AppendResp_Success_NoStream{NoStream: &shared.Empty{}}
		} else {
			revision := uint64(o.current)
			if o.last != nil {
				revision = o.last.revision
			}
			success.CurrentRevisionOption = &streams.AppendResp_Success_CurrentRevision{CurrentRevision: revision}
		}
		if o.last != nil {
			success.PositionOption = &streams.AppendResp_Success_Position{Position: &streams.AppendResp_Position{
				CommitPosition: o.last.position, PreparePosition: o.last.position,
			}}
		} else {
			success.PositionOption = &streams.AppendResp_Success_NoPosition{NoPosition: &shared.Empty{}}
		}
		return &streams.AppendResp{Result: &streams.AppendResp_Success_{Success: success}}
	}

	w := &streams.AppendResp_WrongExpectedVersion{}
	if o.current < 0 {
		w.CurrentRevisionOption = &streams.AppendResp_WrongExpectedVersion_CurrentNoStream{CurrentNoStream: &shared.Empty{}}
		w.CurrentRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_NoStream_20_6_0{NoStream_20_6_0: &shared.Empty{}}
	} else {
		w.CurrentRevisionOption = &streams.AppendResp_WrongExpectedVersion_CurrentRevision{CurrentRevision: uint64(o.current)}
		w.CurrentRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_CurrentRevision_20_6_0{CurrentRevision_20_6_0: uint64(o.current)}
	}
	switch expected {
	case expectAny:
		w.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedAny{ExpectedAny: &shared.Empty{}}
		w.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_Any_20_6_0{Any_20_6_0: &shared.Empty{}}
	case expectStreamExists:
		w.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedStreamExists{ExpectedStreamExists: &shared.Empty{}}
		w.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_StreamExists_20_6_0{StreamExists_20_6_0: &shared.Empty{}}
	case expectNoStream:
		w.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedNoStream{ExpectedNoStream: &shared.Empty{}}
	default:
		w.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedRevision{ExpectedRevision: uint64(expected)}
		w.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_ExpectedRevision_20_6_0{ExpectedRevision_20_6_0: uint64(expected)}
	}
	return &streams.AppendResp{Result: &streams.AppendResp_WrongExpectedVersion_{WrongExpectedVersion: w}}
}

// eventMessage is a recorded event as a read or a subscription sends it.
func eventMessage(r *record, uuidAsString bool) *streams.ReadResp {
	return &streams.ReadResp{Content: &streams.ReadResp_Event{Event: &streams.ReadResp_ReadEvent{
		Event: &streams.ReadResp_ReadEvent_RecordedEvent{
			Id:               uuidToProto(r.id, uuidAsString),
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(r.stream)},
			StreamRevision:   r.revision,
			PreparePosition:  r.position,
			CommitPosition:   r.position,
			Metadata: map[string]string{
				metadataType:        r.eventType,
				metadataContentType: r.contentType,
				metadataCreated:     strconv.FormatInt(r.created.UnixNano()/100, 10),
			},
			CustomMetadata: r.metadata,
			Data:           r.data,
		},
		Position: &streams.ReadResp_ReadEvent_CommitPosition{CommitPosition: r.position},
	}}}
}

func confirmationMessage(id string) *streams.ReadResp {
	return &streams.ReadResp{Content: &streams.ReadResp_Confirmation{
		Confirmation: &streams.ReadResp_SubscriptionConfirmation{SubscriptionId: id},
	}}
}

func caughtUpMessage() *streams.ReadResp {
	return &streams.ReadResp{Content: &streams.ReadResp_CaughtUp_{CaughtUp: &streams.ReadResp_CaughtUp{}}}
}

func checkpointMessage(position uint64) *streams.ReadResp {
	return &streams.ReadResp{Content: &streams.ReadResp_Checkpoint_{Checkpoint: &streams.ReadResp_Checkpoint{
		CommitPosition: position, PreparePosition: position,
	}}}
}

func streamNotFoundMessage(stream string) *streams.ReadResp {
	return &streams.ReadResp{Content: &streams.ReadResp_StreamNotFound_{StreamNotFound: &streams.ReadResp_StreamNotFound{
		StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(stream)},
	}}}
}
