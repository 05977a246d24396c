package esdb

import (
	"context"
	"errors"
	"io"

	esdbclient "github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/camcloud/accounts/eventstore"
)

// maxPage bounds the events one request of ReadAll asks for when it has to skip system events.
const maxPage = 1024

func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, dir eventstore.Direction, limit int) ([]eventstore.RecordedEvent, error) {
	if limit <= 0 {
		return nil, nil
	}
	options := esdbclient.ReadStreamOptions{Direction: direction(dir), From: esdbclient.Revision(from)}
	if from == eventstore.End {
		options.From = esdbclient.End{}
	}
	read, err := use(ctx, s, func(ctx context.Context, c *esdbclient.Client) ([]*esdbclient.RecordedEvent, error) {
		events, err := c.ReadStream(ctx, stream, options, uint64(limit))
		if err != nil {
			return nil, err
		}
		return collect(events)
	}, nil)
	if hasCode(err, esdbclient.ErrorCodeResourceNotFound) {
		return nil, nil // the server's answer for a stream without events
	}
	if err != nil {
		return nil, opError(ctx, "read "+stream, err)
	}
	out := make([]eventstore.RecordedEvent, 0, len(read))
	for _, e := range read {
		r, err := fromRecorded(e)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// ReadAll reads $all without system events. The server reads forwards from a position
// inclusively; the event at from is skipped here, so that both directions read strictly past it.
func (s *Store) ReadAll(ctx context.Context, from eventstore.Position, dir eventstore.Direction, limit int) ([]eventstore.RecordedEvent, error) {
	if limit <= 0 || (dir == eventstore.Backwards && from == eventstore.Start) {
		return nil, nil
	}
	var out []eventstore.RecordedEvent
	cursor := from
	page := limit + 1 // one more for the event at from
	for len(out) < limit {
		read, err := s.readAllPage(ctx, cursor, dir, page)
		if err != nil {
			return nil, opError(ctx, "read $all", err)
		}
		next := cursor
		for _, e := range read {
			pos := fromPosition(e.Position)
			if !beyond(pos, cursor, dir) {
				continue
			}
			next = pos
			if isSystem(e) {
				continue
			}
			r, err := fromRecorded(e)
			if err != nil {
				return nil, err
			}
			if out = append(out, r); len(out) == limit {
				break
			}
		}
		if len(read) < page || next == cursor {
			break // the end of $all
		}
		cursor, page = next, min(2*page, maxPage)
	}
	return out, nil
}

// readAllPage reads up to n events of $all from a position, system events included.
func (s *Store) readAllPage(ctx context.Context, from eventstore.Position, dir eventstore.Direction, n int) ([]*esdbclient.RecordedEvent, error) {
	options := esdbclient.ReadAllOptions{Direction: direction(dir), From: allPosition(from)}
	return use(ctx, s, func(ctx context.Context, c *esdbclient.Client) ([]*esdbclient.RecordedEvent, error) {
		events, err := c.ReadAll(ctx, options, uint64(n))
		if err != nil {
			return nil, err
		}
		return collect(events)
	}, nil)
}

// collect drains a read.
func collect(events *esdbclient.ReadStream) ([]*esdbclient.RecordedEvent, error) {
	defer events.Close()
	var out []*esdbclient.RecordedEvent
	for {
		e, err := events.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, e.OriginalEvent())
	}
}

func direction(d eventstore.Direction) esdbclient.Direction {
	if d == eventstore.Backwards {
		return esdbclient.Backwards
	}
	return esdbclient.Forwards
}
