// Package pgerr tells a PostgreSQL that cannot be reached from one that refused a statement. Every
// component that talks to PostgreSQL through pgx (the event store, the read models' queries and
// checkpoints, the session store) passes its errors through Classify, so that a stopped,
// restarting or overloaded server answers 503 with Retry-After everywhere, never 500.
package pgerr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/camcloud/accounts/eventstore"
)

// Classify returns err wrapped so that errors.Is(err, eventstore.ErrUnavailable) holds when it
// says the server cannot be reached right now (see Unavailable), else err as it is. nil stays nil.
func Classify(err error) error {
	if err == nil || errors.Is(err, eventstore.ErrUnavailable) || !Unavailable(err) {
		return err
	}
	return fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
}

// Unavailable reports whether err means that PostgreSQL could not be reached or dropped the
// connection, so that the same request may succeed later:
//   - a failed connection attempt (*pgconn.ConnectError: refused, reset, DNS, TLS, timeout), unless
//     the server itself refused it for a reason a retry cannot cure (wrong password, no such
//     database: a PgError of another class than below);
//   - a network error (net.Error: reset by peer, broken pipe, an I/O timeout);
//   - a connection that ended mid-query (io.EOF, io.ErrUnexpectedEOF) or was already closed
//     (pgconn.ErrConnClosed, "conn closed");
//   - SQLSTATE class 08 (connection exception), 57P01 admin_shutdown, 57P02 crash_shutdown,
//     57P03 cannot_connect_now (starting up or in recovery), 53300 too_many_connections, and
//     the transient states of unavailableState;
//   - a deadline that passed while waiting for the server or for a free connection of the pool
//     (context.DeadlineExceeded: pgxpool reports an acquire that timed out as just that): the
//     server did not answer in the time the caller allowed, which a later try may have;
//   - a pool closed under the request (the service is shutting down).
//
// A cancelled request (context.Canceled) is not an outage: the client went away.
func Unavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return unavailableState(pgErr.Code)
	}
	var connect *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &connect),
		errors.As(err, &netErr),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, pgconn.ErrConnClosed),
		errors.Is(err, context.DeadlineExceeded), pgconn.Timeout(err):
		return true
	}
	// pgx reports these without a type of its own: a connection closed under a statement (older
	// paths than pgconn.ErrConnClosed) and puddle's ErrClosedPool.
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "closed pool")
}

// unavailableState reports whether a SQLSTATE says the server cannot serve now but may soon.
func unavailableState(code string) bool {
	switch {
	case strings.HasPrefix(code, "08"):
		return true
	case code == "57P01", code == "57P02", code == "57P03", code == "53300":
		return true
	// Out of disk or memory on the server, and a write that reached a standby (read-only since a
	// failover): the server cannot serve this now, a retry may succeed.
	case code == "53100", code == "53200", code == "25006":
		return true
	// A statement ended by a lock cycle or a lock timeout (a read model's rebuild swapping its
	// tables in): nothing is wrong with the request, and it goes through a moment later.
	// Appends never get here: the event store retries those as conflicts.
	case code == "40P01", code == "55P03":
		return true
	}
	return false
}
