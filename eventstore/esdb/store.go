// Package esdb is the event store adapter for EventStoreDB and KurrentDB clusters, over the Go
// client github.com/EventStore/EventStore-Client-Go/v4. Streams map one to one, expected
// revisions and positions map to the server's own, and $all is read and subscribed to without
// the server's system events.
package esdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	esdbclient "github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/camcloud/accounts/eventstore"
)

// ErrClosed is returned by a Store's methods after Close.
var ErrClosed = errors.New("esdb: store closed")

// Store is an eventstore.Store on an EventStoreDB (or KurrentDB) server or cluster.
type Store struct {
	config *esdbclient.Configuration
	logger *slog.Logger

	mu     sync.Mutex
	conn   *conn // the client calls go to; replaced when it gives up
	closed bool
}

var _ eventstore.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithLogger sets where the store logs resubscriptions and, at debug level, the client's own
// messages. The default is slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(s *Store) { s.logger = l }
}

// New connects to the server a connection string names: esdb://, esdb+discover:// or their
// kurrentdb:// forms, with the client's settings as query parameters (e.g.
// "esdb://localhost:2113?tls=false"). It returns once the server answered a read, or when ctx ends.
func New(ctx context.Context, connectionString string, opts ...Option) (*Store, error) {
	normalized, err := normalizeScheme(connectionString)
	if err != nil {
		return nil, err
	}
	config, err := esdbclient.ParseConnectionString(normalized)
	if err != nil {
		// A *url.Error quotes the whole string, credentials included; keep only its cause.
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("esdb: parse connection string: %w", err)
	}
	s := &Store{config: config, logger: slog.Default()}
	for _, opt := range opts {
		opt(s)
	}
	config.Logger = clientLogger(s.logger)
	client, err := esdbclient.NewClient(config)
	if err != nil {
		return nil, fmt.Errorf("esdb: new client: %w", err)
	}
	s.conn = newConn(client)
	if err := s.ping(ctx); err != nil {
		s.Close()
		if permanent(err) {
			return nil, fmt.Errorf("esdb: connect to %s: %w: %w (the user needs read access to $all: "+
				"membership of $admins or an ACL on $all; see the README's EventStoreDB section)", redact(normalized), eventstore.ErrPermanent, err)
		}
		return nil, fmt.Errorf("esdb: connect to %s: %w", redact(normalized), err)
	}
	return s, nil
}

// Close releases the connection. Subscriptions still running end with an error.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		s.retire(s.conn)
	}
	return nil
}

// ping reads the last event of $all, which needs discovery, a connection and read access.
func (s *Store) ping(ctx context.Context) error {
	_, err := use(ctx, s, func(ctx context.Context, c *esdbclient.Client) (struct{}, error) {
		events, err := c.ReadAll(ctx, esdbclient.ReadAllOptions{Direction: esdbclient.Backwards, From: esdbclient.End{}}, 1)
		if err != nil {
			return struct{}{}, err
		}
		defer events.Close()
		if _, err := events.Recv(); err != nil && !errors.Is(err, io.EOF) {
			return struct{}{}, err
		}
		return struct{}{}, nil
	}, nil)
	return err
}

// clientLogger passes the client's messages on at debug level: what matters to callers reaches
// them as errors, and the store logs its resubscriptions itself.
func clientLogger(l *slog.Logger) esdbclient.LoggingFunc {
	return func(level esdbclient.LogLevel, format string, args ...any) {
		l.Debug(fmt.Sprintf(format, args...), "component", "esdb client", "client_level", level)
	}
}

// redact drops the password from a connection string for messages.
func redact(connectionString string) string {
	u, err := url.Parse(connectionString)
	if err != nil {
		return "the server"
	}
	return u.Redacted()
}

// opError describes a failed call. A call cut short by its context matches ctx.Err(), and one the
// server timed out matches context.DeadlineExceeded, so callers test deadlines the usual way.
func opError(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		return fmt.Errorf("esdb: %s: %w: %w", op, ctxErr, err)
	}
	if hasCode(err, esdbclient.ErrorCodeDeadlineExceeded) && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("esdb: %s: %w: %w", op, context.DeadlineExceeded, err)
	}
	if unavailable(err) {
		return fmt.Errorf("esdb: %s: %w: %w", op, eventstore.ErrUnavailable, err)
	}
	if permanent(err) {
		return fmt.Errorf("esdb: %s: %w: %w", op, eventstore.ErrPermanent, err)
	}
	return fmt.Errorf("esdb: %s: %w", op, err)
}

// unavailable reports whether err says the server cannot serve right now: it cannot be reached,
// is not the leader, or timed the request out itself (codes.Aborted, as during an election).
func unavailable(err error) bool {
	if hasCode(err, esdbclient.ErrorCodeConnectionClosed) || hasCode(err, esdbclient.ErrorCodeNotLeader) ||
		hasCode(err, esdbclient.ErrorAborted) || hasCode(err, esdbclient.ErrorUnavailable) {
		return true
	}
	st, ok := status.FromError(err) // finds a gRPC status anywhere in the chain
	return ok && (st.Code() == codes.Unavailable || st.Code() == codes.Aborted)
}

// permanent reports whether err is one no retry cures: access denied (the user may not read
// $all, say) or failed authentication. Both need an operator.
func permanent(err error) bool {
	if hasCode(err, esdbclient.ErrorCodeAccessDenied) || hasCode(err, esdbclient.ErrorCodeUnauthenticated) {
		return true
	}
	st, ok := status.FromError(err) // a dropped subscription's error is the bare gRPC status
	return ok && (st.Code() == codes.PermissionDenied || st.Code() == codes.Unauthenticated)
}

// hasCode reports whether err is the client's error with that code.
func hasCode(err error, code esdbclient.ErrorCode) bool {
	var e *esdbclient.Error
	return errors.As(err, &e) && e.IsErrorCode(code)
}
