package projections

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/camcloud/accounts/eventstore"
	"github.com/google/uuid"
)

// Message metadata keys set by Subscriber.
const (
	metaType       = "event_type"
	metaStream     = "stream"
	metaRevision   = "revision"
	metaPosition   = "position"
	metaAfter      = "after" // the position this delivery follows: the checkpoint it expects
	metaRecordedAt = "recorded_at"
	metaEvent      = "event_metadata"
)

var errNacked = errors.New("message nacked")

// Subscriber is a Watermill subscriber fed by the event store's subscription to all events. Each
// topic is a read model's name: a subscription starts at that read model's stored checkpoint and
// hands over one message at a time, the next only after the previous was acked, so the handler
// sees events in global order. A nack starts the subscription again from the stored checkpoint.
type Subscriber struct {
	store       eventstore.Store
	checkpoints *Checkpoints
	logger      watermill.LoggerAdapter

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	permanent error // what stopped the subscriptions for good
}

var _ message.Subscriber = (*Subscriber)(nil)

// NewSubscriber returns a subscriber on store that resumes from checkpoints.
func NewSubscriber(store eventstore.Store, checkpoints *Checkpoints, logger watermill.LoggerAdapter) *Subscriber {
	ctx, cancel := context.WithCancel(context.Background())
	return &Subscriber{store: store, checkpoints: checkpoints, logger: logger, ctx: ctx, cancel: cancel}
}

// Subscribe streams the events after the checkpoint of the read model named topic.
func (s *Subscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	if s.ctx.Err() != nil {
		return nil, errors.New("subscriber is closed")
	}
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.ctx, cancel)
	out := make(chan *message.Message)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(out)
		defer stop()
		defer cancel()
		s.run(ctx, topic, out)
	}()
	return out, nil
}

func (s *Subscriber) run(ctx context.Context, topic string, out chan<- *message.Message) {
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		after, err := s.checkpoints.Get(ctx, topic)
		if err == nil {
			err = s.store.Subscribe(ctx, after, func(ctx context.Context, e eventstore.RecordedEvent) error {
				if err := s.deliver(ctx, out, e, after); err != nil {
					return err
				}
				after = e.Position
				backoff = 50 * time.Millisecond
				return nil
			})
		}
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, eventstore.ErrPermanent) {
			// Retrying cannot cure it (access denied, unauthenticated): stop, and say so once
			// for all topics; the service reports itself not ready until an operator acts.
			s.fail(topic, err)
			return
		}
		s.logger.Info("projection subscription restarts from its checkpoint", watermill.LogFields{"topic": topic, "reason": err.Error()})
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
			backoff = min(2*backoff, 5*time.Second)
		}
	}
}

func (s *Subscriber) deliver(ctx context.Context, out chan<- *message.Message, e eventstore.RecordedEvent, after eventstore.Position) error {
	msg, err := newMessage(e, after)
	if err != nil {
		return err
	}
	msg.SetContext(ctx)
	select {
	case out <- msg:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-msg.Acked():
		return nil
	case <-msg.Nacked():
		return errNacked
	case <-ctx.Done():
		return ctx.Err()
	}
}

// newMessage wraps an event as the message that follows position after.
func newMessage(e eventstore.RecordedEvent, after eventstore.Position) (*message.Message, error) {
	meta, err := json.Marshal(e.Metadata)
	if err != nil {
		return nil, fmt.Errorf("encode metadata of %s: %w", e.ID, err)
	}
	msg := message.NewMessage(e.ID.String(), e.Data)
	msg.Metadata = message.Metadata{
		metaType:       e.Type,
		metaStream:     e.Stream,
		metaRevision:   strconv.FormatUint(e.Revision, 10),
		metaPosition:   e.Position.String(),
		metaAfter:      after.String(),
		metaRecordedAt: e.RecordedAt.Format(time.RFC3339Nano),
		metaEvent:      string(meta),
	}
	return msg, nil
}

func (s *Subscriber) fail(topic string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.permanent != nil {
		return
	}
	s.permanent = err
	s.logger.Error("projections stopped: the event store refuses the subscription", err, watermill.LogFields{"topic": topic})
}

// Err returns the error that stopped the subscriptions for good, if one did.
func (s *Subscriber) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.permanent
}

// Close stops every subscription and waits for them to end.
func (s *Subscriber) Close() error {
	s.cancel()
	s.wg.Wait()
	return nil
}

// envelope decodes a message made by Subscriber.
func envelope(msg *message.Message, codec *eventstore.Codec) (Envelope, eventstore.Position, error) {
	var (
		env Envelope
		err error
	)
	if env.ID, err = uuid.Parse(msg.UUID); err != nil {
		return env, eventstore.Position{}, fmt.Errorf("message %s: id: %w", msg.UUID, err)
	}
	env.Type, env.Stream = msg.Metadata.Get(metaType), msg.Metadata.Get(metaStream)
	if env.Revision, err = strconv.ParseUint(msg.Metadata.Get(metaRevision), 10, 64); err != nil {
		return env, eventstore.Position{}, fmt.Errorf("message %s: revision: %w", msg.UUID, err)
	}
	if env.Position, err = eventstore.ParsePosition(msg.Metadata.Get(metaPosition)); err != nil {
		return env, eventstore.Position{}, fmt.Errorf("message %s: %w", msg.UUID, err)
	}
	after, err := eventstore.ParsePosition(msg.Metadata.Get(metaAfter))
	if err != nil {
		return env, eventstore.Position{}, fmt.Errorf("message %s: %w", msg.UUID, err)
	}
	if env.RecordedAt, err = time.Parse(time.RFC3339Nano, msg.Metadata.Get(metaRecordedAt)); err != nil {
		return env, eventstore.Position{}, fmt.Errorf("message %s: recorded at: %w", msg.UUID, err)
	}
	if err := json.Unmarshal([]byte(msg.Metadata.Get(metaEvent)), &env.Metadata); err != nil {
		return env, eventstore.Position{}, fmt.Errorf("message %s: metadata: %w", msg.UUID, err)
	}
	if codec.Knows(env.Type) {
		if env.Event, err = codec.Decode(env.Type, msg.Payload); err != nil {
			return env, eventstore.Position{}, fmt.Errorf("message %s: %w", msg.UUID, err)
		}
	}
	return env, after, nil
}

// envelopeOf decodes an event read from the store, as envelope does a message.
func envelopeOf(e eventstore.RecordedEvent, codec *eventstore.Codec) (Envelope, error) {
	env := Envelope{ID: e.ID, Type: e.Type, Stream: e.Stream, Revision: e.Revision, Position: e.Position, Metadata: e.Metadata, RecordedAt: e.RecordedAt}
	if codec.Knows(e.Type) {
		event, err := codec.Decode(e.Type, e.Data)
		if err != nil {
			return env, fmt.Errorf("event %s: %w", e.ID, err)
		}
		env.Event = event
	}
	return env, nil
}
