// Package tcpproxy is a TCP proxy for tests of what happens when a server goes away: it forwards
// connections to a target until Cut, which closes every open connection and refuses new ones
// (connection refused, as from a stopped server), and Restore, which lets them through again. It
// stands between a pgx pool and a real PostgreSQL, so an outage is tested against the real driver
// and server, without mocks. Freeze and Thaw play a server that stops answering but keeps its
// connections open (a frozen process, a network dropping packets).
package tcpproxy

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
)

// Proxy forwards connections from its address to a target.
type Proxy struct {
	target string

	mu       sync.Mutex
	addr     string // fixed at Start, so clients keep their configuration across Cut and Restore
	listener net.Listener
	conns    map[net.Conn]struct{}
	wg       sync.WaitGroup
	frozen   bool
	thawed   *sync.Cond // signalled when frozen turns false
}

// Start listens on a free port of 127.0.0.1 and forwards every connection to target (host:port).
func Start(target string) (*Proxy, error) {
	p := &Proxy{target: target, conns: map[net.Conn]struct{}{}}
	p.thawed = sync.NewCond(&p.mu)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("tcpproxy: listen: %w", err)
	}
	p.addr = l.Addr().String()
	p.serve(l)
	return p, nil
}

// Addr is the proxy's address (host:port), the same before and after a Cut.
func (p *Proxy) Addr() string { return p.addr }

// Cut stops listening, so new connections are refused, and closes every open one in both
// directions, so a client sees its server vanish mid-conversation.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.listener != nil {
		_ = p.listener.Close()
		p.listener = nil
	}
	for c := range p.conns {
		_ = c.Close()
		delete(p.conns, c)
	}
	p.frozen = false // what was held goes to the closed connections, and fails
	p.thawed.Broadcast()
}

// Freeze holds every byte in either direction until Thaw: connections stay open and new ones are
// accepted, but nothing gets through, so a client waits on an answer that does not come.
func (p *Proxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frozen = true
}

// Thaw lets the bytes held since Freeze through, and the ones after.
func (p *Proxy) Thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frozen = false
	p.thawed.Broadcast()
}

// Restore listens again on the same address.
func (p *Proxy) Restore() error {
	p.mu.Lock()
	if p.listener != nil {
		p.mu.Unlock()
		return nil
	}
	p.mu.Unlock()
	l, err := net.Listen("tcp", p.addr)
	if err != nil {
		return fmt.Errorf("tcpproxy: listen again on %s: %w", p.addr, err)
	}
	p.serve(l)
	return nil
}

// Close cuts the proxy for good and waits for its goroutines.
func (p *Proxy) Close() {
	p.Cut()
	p.wg.Wait()
}

func (p *Proxy) serve(l net.Listener) {
	p.mu.Lock()
	p.listener = l
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			client, err := l.Accept()
			if err != nil {
				return // closed by Cut
			}
			p.wg.Go(func() { p.forward(l, client) })
		}
	})
}

// forward copies between client and a new connection to the target until either ends or Cut
// closes them.
func (p *Proxy) forward(l net.Listener, client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = client.Close()
		return
	}
	p.mu.Lock()
	if p.listener != l { // cut while dialling
		p.mu.Unlock()
		_ = client.Close()
		_ = server.Close()
		return
	}
	p.conns[client] = struct{}{}
	p.conns[server] = struct{}{}
	p.mu.Unlock()

	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, p.holding(src)) // it ends when either side closes: the normal end, not a failure
		_ = dst.Close()
		_ = src.Close()
		done <- struct{}{}
	}
	go pipe(server, client)
	go pipe(client, server)
	<-done
	<-done
	p.mu.Lock()
	delete(p.conns, client)
	delete(p.conns, server)
	p.mu.Unlock()
}

// holding reads src, holding what it read while the proxy is frozen.
func (p *Proxy) holding(src net.Conn) io.Reader {
	return readerFunc(func(b []byte) (int, error) {
		n, err := src.Read(b)
		p.mu.Lock()
		for p.frozen {
			p.thawed.Wait()
		}
		p.mu.Unlock()
		return n, err
	})
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(b []byte) (int, error) { return f(b) }

// ForURL starts a proxy to the host and port of a postgres:// URL (default port 5432) and
// returns the URL through it, for tests; the proxy closes when the test ends.
func ForURL(t testing.TB, rawURL string) (string, *Proxy) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		t.Fatalf("tcpproxy: %q is not a URL with a host", rawURL)
	}
	target := u.Host
	if u.Port() == "" {
		target = net.JoinHostPort(u.Hostname(), "5432")
	}
	p, err := Start(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	u.Host = p.Addr()
	return u.String(), p
}
