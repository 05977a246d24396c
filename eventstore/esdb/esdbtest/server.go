// Package esdbtest runs a test double of an EventStoreDB node: a gRPC server on 127.0.0.1 that
// speaks the part of EventStoreDB's protocol the Go client (EventStore-Client-Go v4) uses to
// append, read and subscribe, with the server's semantics for revisions, positions, expected
// versions, idempotent appends and caught-up signals. It lets the esdb adapter be tested over the
// real wire path where no EventStoreDB can be installed. It is not a product and keeps
// everything in memory; it never appears in cmd.
//
// What it serves: Streams.Append; Streams.Read of a stream or of $all, forwards and backwards,
// and its subscription variant (with the server-side filter on $all); and
// ServerFeatures.GetSupportedMethods. Everything else answers Unimplemented.
//
// Tests can make it fail as a cluster does:
//   - HoldAppends keeps appends waiting, so that client deadlines pass.
//   - TimeOutAppends(n, stored) answers the next n appends with codes.Aborted "Operation timed
//     out: Commit phase timeout", as a cluster does during a leader election; with stored, they
//     are written all the same, so the client cannot know from the answer.
//   - RefuseAll(code) answers reads of and subscriptions to $all with codes.PermissionDenied
//     ("Access Denied", as for a user outside $admins without an ACL on $all) or
//     codes.Unauthenticated, and cuts the running subscriptions to $all.
//   - SetFollowerLag(n) serves reads (of a stream or of $all, not subscriptions) from a follower
//     that lacks the log's last n events, while appends still check their expected revision
//     against the leader's log. EventStore-Client-Go v4.2.0 never sends its requires-leader
//     header (it sets it on the incoming, not the outgoing, context), so after a leader change
//     its reads may come from such a follower; SetFollowerLag(0) catches it up.
//   - Stop and Restart cut every connection and subscription, as a crashed node.
package esdbtest

import (
	"encoding/json"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/keepalive"
)

// Server is a running test double. Its events survive Stop and Restart.
type Server struct {
	log    *eventLog
	gate   gate
	faults faults
	addr   string

	mu     sync.Mutex
	grpc   *grpc.Server // nil while stopped
	served chan struct{}
}

// Listen starts a server on a free port of 127.0.0.1.
func Listen() (*Server, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("esdbtest: listen: %w", err)
	}
	s := &Server{log: newEventLog(), addr: lis.Addr().String()}
	s.seed()
	s.serve(lis)
	return s, nil
}

// Start starts a server that stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// URL is the connection string of the server.
func (s *Server) URL() string { return "esdb://" + s.addr + "?tls=false" }

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// Stop closes the listener and every connection, ending running calls and subscriptions as a
// crashed node would. The stored events are kept for Restart.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stop()
}

// Restart stops the server if it runs, then listens again on the same port with the same events.
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stop()
	lis, err := listenAgain(s.addr)
	if err != nil {
		return err
	}
	s.serve(lis)
	return nil
}

// HoldAppends makes appends wait before they are written, until release is called or the
// append's deadline passes on the server. An append whose deadline passed is not written, but
// the server may learn of it only after the client did, as with EventStoreDB. Reads go on.
func (s *Server) HoldAppends() (release func()) { return s.gate.hold() }

// TimeOutAppends makes the next n appends answer codes.Aborted "Operation timed out: Commit phase
// timeout", as EventStoreDB does when a commit is not acknowledged in time (during a leader
// election, say). With stored, each of them is written all the same, as a cluster may still
// commit it: the client cannot tell from the answer. Appends after those n are served.
func (s *Server) TimeOutAppends(n int, stored bool) { s.faults.setTimeouts(n, stored) }

// RefuseAll makes reads of and subscriptions to $all answer code, and cuts the subscriptions to
// $all that run: codes.PermissionDenied "Access Denied" (with the server's access-denied
// exception trailer) as for a user outside $admins without an ACL on $all, codes.Unauthenticated
// as for wrong credentials. codes.OK serves $all again.
func (s *Server) RefuseAll(code codes.Code) { s.faults.refuse(code) }

// SetFollowerLag makes reads of a stream or of $all see the log without its last n events (all
// streams' events count), as a follower that has not replicated them would serve them. Appends
// still check their expected revision against the whole log, as the leader does, and
// subscriptions still follow the whole log. SetFollowerLag(0) ends the lag.
func (s *Server) SetFollowerLag(n int) { s.log.setLag(n) }

// serve runs a gRPC server on lis; s.mu is held or s is not shared yet.
func (s *Server) serve(lis net.Listener) {
	g := grpc.NewServer(
		// The client pings every 10 s even without calls; grpc-go's default policy would answer
		// such pings with GOAWAY and drop the client's connection.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: time.Second, PermitWithoutStream: true}),
	)
	streams.RegisterStreamsServer(g, &streamsService{log: s.log, gate: &s.gate, faults: &s.faults, now: time.Now})
	serverfeatures.RegisterServerFeaturesServer(g, featuresService{})
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = g.Serve(lis) // returns when stopped
	}()
	s.grpc, s.served = g, served
}

// stop ends the gRPC server; s.mu is held.
func (s *Server) stop() {
	if s.grpc == nil {
		return
	}
	s.grpc.Stop()
	<-s.served
	s.grpc, s.served = nil, nil
}

// listenAgain binds addr again, retrying briefly while the old socket lets go of it.
func listenAgain(addr string) (net.Listener, error) {
	var err error
	for range 40 {
		var lis net.Listener
		if lis, err = net.Listen("tcp", addr); err == nil {
			return lis, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil, fmt.Errorf("esdbtest: listen again on %s: %w", addr, err)
}

// seed writes the record a new node's log starts with, so that $all is never empty of system
// events, as in EventStoreDB, and clients have to filter them.
func (s *Server) seed() {
	data, _ := json.Marshal(map[string]any{
		"epochNumber":   0,
		"epochPosition": 0,
		"epochId":       uuid.NewString(),
	})
	s.log.append("$epoch-information", expectNoStream, []proposed{{
		id:          uuid.New(),
		eventType:   "$epoch-information",
		contentType: "application/json",
		data:        data,
	}}, time.Now())
}
