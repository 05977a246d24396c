package esdb

import (
	"context"

	esdbclient "github.com/EventStore/EventStore-Client-Go/v4/esdb"
)

// The client library needs three guards, all here:
//   - It finds the server (discovery) without a context, so a call can wait for seconds while the
//     server is away; use makes every call return when its context ends.
//   - After maxDiscoverAttempts failed discoveries in a row it closes itself for good; use then
//     replaces it with a new client, so a store outlives server restarts.
//   - Closing it while a call waits for its connection panics (a send on a closed channel), so a
//     replaced or closed client is closed only once no call uses it.

// conn is one client and the calls running on it. Its fields are guarded by Store.mu.
type conn struct {
	client  *esdbclient.Client
	calls   int
	retired bool
	gone    chan struct{} // closed on retirement, waking calls that wait on this client
}

func newConn(client *esdbclient.Client) *conn {
	return &conn{client: client, gone: make(chan struct{})}
}

// use runs op with the store's client and returns what it returns, or ctx.Err() as soon as ctx
// ends, or runs it again on the new client when the one it waits on is replaced. A result that
// arrives after use returned is passed to discard (if any) to release it. op must use its
// context for every request.
func use[T any](ctx context.Context, s *Store, op func(context.Context, *esdbclient.Client) (T, error), discard func(T)) (T, error) {
	var zero T
	type result struct {
		v   T
		err error
	}
	renewed := false
	for {
		c, err := s.acquire()
		if err != nil {
			return zero, err
		}
		done := make(chan result, 1)
		go func() {
			defer s.release(c)
			v, err := op(ctx, c.client)
			done <- result{v, err}
		}()
		abandon := func() {
			go func() {
				if r := <-done; r.err == nil && discard != nil {
					discard(r.v)
				}
			}()
		}
		var r result
		select {
		case r = <-done:
		case <-ctx.Done():
			abandon()
			return zero, ctx.Err()
		case <-c.gone:
			select {
			case r = <-done:
			default:
				// Stuck in a client that stopped serving. If op had in fact sent a request, the
				// second try carries the same event IDs, and the server takes it as a retry.
				abandon()
				continue
			}
		}
		if renewed || !hasCode(r.err, esdbclient.ErrorCodeConnectionClosed) {
			return r.v, r.err
		}
		// The client gave up reconnecting; no request left, so trying again is safe.
		if err := s.renew(c); err != nil {
			return zero, err
		}
		renewed = true
	}
}

// acquire returns the current client, counted as used until release.
func (s *Store) acquire() (*conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	s.conn.calls++
	return s.conn, nil
}

func (s *Store) release(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.calls--
	closeIfIdle(c)
}

// renew replaces c, if it is still the current client, by a new one.
func (s *Store) renew(c *conn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.conn != c {
		return nil // another call renewed it already
	}
	client, err := esdbclient.NewClient(s.config)
	if err != nil {
		return err
	}
	s.logger.Warn("esdb: the client stopped reconnecting; starting a new one")
	s.retire(c)
	s.conn = newConn(client)
	return nil
}

// retire marks c as no longer current; s.mu is held.
func (s *Store) retire(c *conn) {
	if c.retired {
		return
	}
	c.retired = true
	close(c.gone)
	closeIfIdle(c)
}

// closeIfIdle closes a retired client no call uses; Store.mu is held. A call stuck in a client
// that stopped serving keeps it from being closed: it is dead already, and closing would panic.
func closeIfIdle(c *conn) {
	if c.retired && c.calls == 0 {
		c.client.Close()
	}
}
