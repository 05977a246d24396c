package esdbtest

import (
	"errors"
	"io"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// streamsService is the Streams service of EventStoreDB's gRPC protocol: Append and Read, the
// latter with its subscription variant. Delete, Tombstone and BatchAppend answer Unimplemented;
// the Go client only uses BatchAppend when server features announce it.
type streamsService struct {
	streams.UnimplementedStreamsServer
	log    *eventLog
	gate   *gate
	faults *faults
	now    func() time.Time
}

// Append reads the options, then the proposed messages until the client closes its side, and
// answers once.
func (s *streamsService) Append(srv streams.Streams_AppendServer) error {
	first, err := srv.Recv()
	if err != nil {
		return err
	}
	options := first.GetOptions()
	if options == nil {
		return status.Error(codes.InvalidArgument, "append: the first message must carry the options")
	}
	stream := string(options.GetStreamIdentifier().GetStreamName())
	if stream == "" {
		return status.Error(codes.InvalidArgument, "append: stream name is required")
	}
	expected, err := expectedFromProto(options)
	if err != nil {
		return err
	}
	var events []proposed
	for {
		req, err := srv.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		m := req.GetProposedMessage()
		if m == nil {
			return status.Error(codes.InvalidArgument, "append: options sent twice")
		}
		p, err := proposedFromProto(m)
		if err != nil {
			return err
		}
		events = append(events, p)
	}
	if err := s.gate.pass(srv.Context()); err != nil {
		return err
	}
	if timeout, stored := s.faults.takeTimeout(); timeout {
		if stored {
			s.log.append(stream, expected, events, s.now())
		}
		return commitTimeout.Err()
	}
	return srv.SendAndClose(appendResponse(s.log.append(stream, expected, events, s.now()), expected))
}

// Read serves reads of a stream or of $all, forwards or backwards, and subscriptions to either.
func (s *streamsService) Read(req *streams.ReadReq, srv streams.Streams_ReadServer) error {
	o := req.GetOptions()
	if o == nil {
		return status.Error(codes.InvalidArgument, "read: options are required")
	}
	asString := o.GetUuidOption().GetString_() != nil
	send := func(r *record) error { return srv.Send(eventMessage(r, asString)) }
	backwards := o.GetReadDirection() == streams.ReadReq_Options_Backwards
	subscribe := o.GetSubscription() != nil
	if subscribe && backwards {
		return status.Error(codes.InvalidArgument, "subscriptions read forwards only")
	}

	if stream := o.GetStream(); stream != nil {
		if subscribe {
			return s.subscribeStream(srv, stream, send)
		}
		return s.readStream(srv, stream, backwards, o.GetCount(), send)
	}
	all := o.GetAll()
	if all == nil {
		return status.Error(codes.InvalidArgument, "read: a stream or $all is required")
	}
	f, err := newFilter(o.GetFilter())
	if err != nil {
		return err
	}
	if err := s.refuseAll(srv); err != nil {
		return err
	}
	if subscribe {
		return s.subscribeAll(srv, all, f, send)
	}
	return s.readAll(all, backwards, o.GetCount(), f, send)
}

// readStream sends up to count events of a stream from a revision, inclusive, or "stream not
// found" for a stream without events. Backwards from a revision past the end starts at the last.
func (s *streamsService) readStream(srv streams.Streams_ReadServer, o *streams.ReadReq_Options_StreamOptions, backwards bool, count uint64, send func(*record) error) error {
	name := string(o.GetStreamIdentifier().GetStreamName())
	records, exists := s.log.followerStream(name)
	if !exists {
		return srv.Send(streamNotFoundMessage(name))
	}
	size := uint64(len(records))
	var from uint64
	switch r := o.GetRevisionOption().(type) {
	case *streams.ReadReq_Options_StreamOptions_Revision:
		from = r.Revision
	case *streams.ReadReq_Options_StreamOptions_End:
		from = size
		if backwards {
			from = size - 1
		}
	}
	if !backwards {
		for i := from; i < size && i-from < count; i++ {
			if err := send(records[i]); err != nil {
				return err
			}
		}
		return nil
	}
	for i, sent := int64(min(from, size-1)), uint64(0); i >= 0 && sent < count; i, sent = i-1, sent+1 {
		if err := send(records[i]); err != nil {
			return err
		}
	}
	return nil
}

// readAll sends up to count events of $all passing the filter: forwards from a position
// inclusive, backwards from a position exclusive, as EventStoreDB does.
func (s *streamsService) readAll(o *streams.ReadReq_Options_AllOptions, backwards bool, count uint64, f *filter, send func(*record) error) error {
	records := s.log.followerAll()
	var i int
	switch p := o.GetAllOption().(type) {
	case *streams.ReadReq_Options_AllOptions_Start:
		i = 0
		if backwards {
			i = -1
		}
	case *streams.ReadReq_Options_AllOptions_End:
		i = len(records)
		if backwards {
			i = len(records) - 1
		}
	case *streams.ReadReq_Options_AllOptions_Position:
		i = indexFrom(records, p.Position.GetCommitPosition())
		if backwards {
			i--
		}
	}
	step := 1
	if backwards {
		step = -1
	}
	for sent := uint64(0); i >= 0 && i < len(records) && sent < count; i += step {
		if !f.match(records[i]) {
			continue
		}
		if err := send(records[i]); err != nil {
			return err
		}
		sent++
	}
	return nil
}

// subscribeAll confirms the subscription, then follows $all from after the given position.
func (s *streamsService) subscribeAll(srv streams.Streams_ReadServer, o *streams.ReadReq_Options_AllOptions, f *filter, send func(*record) error) error {
	records := s.log.allRecords()
	next := 0
	switch p := o.GetAllOption().(type) {
	case *streams.ReadReq_Options_AllOptions_End:
		next = len(records)
	case *streams.ReadReq_Options_AllOptions_Position:
		next = indexAfter(records, p.Position.GetCommitPosition())
	}
	if err := srv.Send(confirmationMessage(uuid.NewString())); err != nil {
		return err
	}
	_, cut := s.faults.allRefusal()
	err := follow(srv, f, cut, func() ([]*record, <-chan struct{}) {
		batch, grown := s.log.tail(next)
		next += len(batch)
		return batch, grown
	}, send)
	if errors.Is(err, errCut) {
		return s.refuseAll(srv)
	}
	return err
}

// refuseAll answers a read of $all with the refusal a test set, if any, as EventStoreDB answers
// a user without read access to $all.
func (s *streamsService) refuseAll(srv streams.Streams_ReadServer) error {
	refusal, _ := s.faults.allRefusal()
	if refusal == nil {
		return nil
	}
	if refusal.Code() == codes.PermissionDenied {
		srv.SetTrailer(metadata.Pairs(exceptionKey, accessDenied))
	}
	return refusal.Err()
}

// subscribeStream confirms the subscription, then follows one stream from after the given
// revision. The stream need not exist yet.
func (s *streamsService) subscribeStream(srv streams.Streams_ReadServer, o *streams.ReadReq_Options_StreamOptions, send func(*record) error) error {
	name := string(o.GetStreamIdentifier().GetStreamName())
	var next uint64
	switch r := o.GetRevisionOption().(type) {
	case *streams.ReadReq_Options_StreamOptions_End:
		_, next = s.log.length(name)
	case *streams.ReadReq_Options_StreamOptions_Revision:
		next = r.Revision + 1
	}
	if err := srv.Send(confirmationMessage(uuid.NewString())); err != nil {
		return err
	}
	return follow(srv, nil, nil, func() ([]*record, <-chan struct{}) {
		batch, grown := s.log.streamTail(name, next)
		next += uint64(len(batch))
		return batch, grown
	}, send)
}

// follow sends what tail returns, then "caught up" once it returns nothing, then waits for the
// log to grow, until the client goes away or the server stops. With a filter it also sends a
// checkpoint every f.checkpointEvery scanned events. It returns errCut when cut is closed.
func follow(srv streams.Streams_ReadServer, f *filter, cut <-chan struct{}, tail func() ([]*record, <-chan struct{}), send func(*record) error) error {
	ctx := srv.Context()
	caughtUp := false
	scanned := 0
	for {
		batch, grown := tail()
		for _, r := range batch {
			if f.match(r) {
				if err := send(r); err != nil {
					return err
				}
			}
			if f == nil {
				continue
			}
			if scanned++; scanned%f.checkpointEvery == 0 {
				if err := srv.Send(checkpointMessage(r.position)); err != nil {
					return err
				}
			}
		}
		if len(batch) > 0 {
			continue
		}
		if !caughtUp {
			if err := srv.Send(caughtUpMessage()); err != nil {
				return err
			}
			caughtUp = true
		}
		select {
		case <-grown:
		case <-cut:
			return errCut
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		}
	}
}

// errCut ends a subscription that a test cut.
var errCut = errors.New("esdbtest: subscription cut")
