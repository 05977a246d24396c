package projections

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/camcloud/accounts/eventstore"
)

// Message metadata keys set by Subscriber.
const (
	metaAfter = "after" // the position the page follows: the checkpoint it expects, or one before
	metaLast  = "last"  // the position of the page's last event, handled or not
)

var errNacked = errors.New("message nacked")

// Subscriber is a Watermill subscriber fed by one subscription of the event store to all events
// (the tail). Each topic is a read model's name: its messages start at that read model's stored
// checkpoint and each carries a page of the events that follow, the next only after the previous
// was acked, so the handler sees events in global order. A page holds only the event types the
// topic handles (Handle) but names the log position it reaches, so that the checkpoint moves past
// the others too. A nack starts the topic again from the stored checkpoint.
type Subscriber struct {
	store       eventstore.Store
	checkpoints *Checkpoints
	logger      watermill.LoggerAdapter
	tail        *tail

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// newer, when set, tells the event types of a newer version of this program: a topic stops
	// before such an event (see Pipeline.StopAtNewerTypes) instead of stepping over it.
	newer func(eventType string) bool

	mu        sync.Mutex
	handles   map[string]map[string]bool // topic -> event types; a topic not named gets them all
	feeding   bool
	permanent error // what stopped the subscriptions for good
}

var _ message.Subscriber = (*Subscriber)(nil)

// NewSubscriber returns a subscriber on store that resumes from checkpoints and hands over pages
// of up to pageSize events.
func NewSubscriber(store eventstore.Store, checkpoints *Checkpoints, logger watermill.LoggerAdapter, pageSize int) *Subscriber {
	ctx, cancel := context.WithCancel(context.Background())
	return &Subscriber{
		store: store, checkpoints: checkpoints, logger: logger, tail: newTail(store, logger, pageSize),
		ctx: ctx, cancel: cancel, handles: map[string]map[string]bool{},
	}
}

// Handle tells the subscriber which event types topic's pages carry; call it before Subscribe.
func (s *Subscriber) Handle(topic string, types map[string]bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handles[topic] = types
}

// Subscribe streams pages of the events after the checkpoint of the read model named topic.
func (s *Subscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	if s.ctx.Err() != nil {
		return nil, errors.New("subscriber is closed")
	}
	if err := s.feed(ctx); err != nil {
		return nil, err
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

// feed starts the tail, once, at the earliest checkpoint of the topics told by Handle.
func (s *Subscriber) feed(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.feeding {
		return nil
	}
	var from *eventstore.Position
	for topic := range s.handles {
		at, err := s.checkpoints.Get(ctx, topic)
		if err != nil {
			return err
		}
		if from == nil || at.Compare(*from) < 0 {
			from = &at
		}
	}
	if from == nil {
		from = &eventstore.Start
	}
	s.feeding = true
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.tail.run(s.ctx, *from)
	}()
	return nil
}

func (s *Subscriber) run(ctx context.Context, topic string, out chan<- *message.Message) {
	s.mu.Lock()
	handles := s.handles[topic]
	s.mu.Unlock()
	r := s.tail.reader()
	defer r.close()
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		after, err := s.checkpoints.Get(ctx, topic)
		for err == nil {
			var events []eventstore.RecordedEvent
			if events, err = r.next(ctx, after); err != nil {
				break
			}
			events, unknown := s.beforeNewer(events)
			if len(events) > 0 {
				pg := page{after: after, last: events[len(events)-1].Position}
				for _, e := range events {
					if handles == nil || handles[e.Type] {
						pg.events = append(pg.events, e)
					}
				}
				if err = s.deliver(ctx, out, pg); err == nil {
					after = pg.last
					backoff = 50 * time.Millisecond
				}
			}
			if err == nil && unknown != nil {
				err = unknownType(*unknown)
			}
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

// beforeNewer returns the events before the first one of a newer version's type, and that one
// (nil when there is none, or when the subscriber was not told newer types).
func (s *Subscriber) beforeNewer(events []eventstore.RecordedEvent) ([]eventstore.RecordedEvent, *eventstore.RecordedEvent) {
	if s.newer == nil {
		return events, nil
	}
	for i := range events {
		if s.newer(events[i].Type) {
			return events[:i], &events[i]
		}
	}
	return events, nil
}

// unknownType is the error of a read model stopped before an event of a newer version's type.
func unknownType(e eventstore.RecordedEvent) error {
	return fmt.Errorf("event %s at %v is of type %s: %w (written by a newer version: run that version, not this one)",
		e.ID, e.Position, e.Type, eventstore.ErrUnknownEventType)
}

func (s *Subscriber) deliver(ctx context.Context, out chan<- *message.Message, pg page) error {
	msg := newMessage(ctx, pg)
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

// pageKey is the key of the page a message carries in its context.
type pageKey struct{}

// newMessage wraps a page as a message. Messages never leave the process (one read of the log
// feeds every read model's handler through the router), so the page travels in the message's
// context rather than encoded in its payload: encoding and decoding a page took a fifth of the
// catch-up's CPU. The positions are also in its metadata, for logs and middleware.
func newMessage(ctx context.Context, pg page) *message.Message {
	msg := message.NewMessage(watermill.NewUUID(), nil)
	msg.Metadata = message.Metadata{metaAfter: pg.after.String(), metaLast: pg.last.String()}
	msg.SetContext(context.WithValue(ctx, pageKey{}, pg))
	return msg
}

// pageOf returns the page of a message made by newMessage.
func pageOf(msg *message.Message) (page, error) {
	pg, ok := msg.Context().Value(pageKey{}).(page)
	if !ok {
		return page{}, fmt.Errorf("message %s carries no page of events", msg.UUID)
	}
	return pg, nil
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

// envelopeOf decodes an event read from the store.
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
