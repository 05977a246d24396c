package email

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

const (
	smtpUser     = "mailer"
	smtpPassword = "s3cret-Pa55word-Q7"
)

var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// received is one message an in-process SMTP server accepted.
type received struct {
	from     string
	to       []string
	data     []byte
	tls      bool
	authUser string
}

// smtpServer is a real SMTP server (github.com/emersion/go-smtp) in the test process: AUTH PLAIN
// with one user, STARTTLS (or implicit TLS) with a self-signed certificate, and it keeps what it
// receives.
type smtpServer struct {
	host  string
	port  int
	roots *x509.CertPool // trusts the server's certificate

	mu       sync.Mutex
	messages []received
}

type serverOptions struct {
	noTLS       bool // no STARTTLS (and AUTH allowed without TLS)
	implicitTLS bool // TLS from the first byte
}

func startSMTPServer(t *testing.T, opts serverOptions) *smtpServer {
	t.Helper()
	cert, roots := selfSignedCertificate(t)
	s := &smtpServer{roots: roots}
	be := smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{server: s, conn: c}, nil })
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0) // refused clients are what some tests are about
	srv.ReadTimeout = 5 * time.Second
	srv.WriteTimeout = 5 * time.Second
	srv.MaxMessageBytes = 1 << 20
	srv.MaxRecipients = 10
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if opts.noTLS {
		srv.AllowInsecureAuth = true
	} else {
		srv.TLSConfig = tlsConfig // advertises STARTTLS; AUTH only after it
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opts.implicitTLS {
		l = tls.NewListener(l, tlsConfig)
	}
	addr := l.Addr().(*net.TCPAddr)
	s.host, s.port = addr.IP.String(), addr.Port
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return s
}

func (s *smtpServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.messages...)
}

// config is an SMTPConfig for this server with the right credentials.
func (s *smtpServer) config() SMTPConfig {
	return SMTPConfig{
		Host: s.host, Port: s.port,
		Username: smtpUser, Password: smtpPassword,
		From:      "CamCloud <no-reply@camcloud.example>",
		TLSConfig: &tls.Config{RootCAs: s.roots},
		Timeout:   5 * time.Second,
	}
}

type session struct {
	server   *smtpServer
	conn     *smtp.Conn
	authUser string
	msg      received
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != smtpUser || password != smtpPassword {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		s.authUser = username
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.authUser == "" {
		return smtp.ErrAuthRequired
	}
	s.msg = received{from: from, authUser: s.authUser}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasPrefix(to, "nobody@") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	}
	s.msg.to = append(s.msg.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.data = b
	_, s.msg.tls = s.conn.TLSConnectionState()
	s.server.mu.Lock()
	s.server.messages = append(s.server.messages, s.msg)
	s.server.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.msg = received{} }
func (s *session) Logout() error { return nil }

// selfSignedCertificate makes an ECDSA certificate for 127.0.0.1 and localhost, valid for an hour,
// and a pool that trusts it.
func selfSignedCertificate(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "test SMTP server"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots
}

func newSMTP(t *testing.T, cfg SMTPConfig) *SMTP {
	t.Helper()
	s, err := NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSMTPSendsOverSTARTTLSWithAuth(t *testing.T) {
	srv := startSMTPServer(t, serverOptions{})
	mailer := newSMTP(t, srv.config())
	if err := mailer.Send(testContext(t), testMessage()); err != nil {
		t.Fatal(err)
	}
	got := srv.received()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	r := got[0]
	if !r.tls {
		t.Error("the message was not sent over TLS")
	}
	if r.authUser != smtpUser {
		t.Errorf("authenticated as %q, want %q", r.authUser, smtpUser)
	}
	if r.from != "no-reply@camcloud.example" || len(r.to) != 1 || r.to[0] != "alice@example.com" {
		t.Errorf("envelope from %q to %q", r.from, r.to)
	}
	p := checkTestMessage(t, r.data)
	if from, _ := p.header.AddressList("From"); len(from) != 1 || from[0].Address != "no-reply@camcloud.example" || from[0].Name != "CamCloud" {
		t.Errorf("From %v", from)
	}
	if strings.Contains(string(r.data), smtpPassword) {
		t.Error("the message contains the SMTP password")
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	srv := startSMTPServer(t, serverOptions{implicitTLS: true})
	cfg := srv.config()
	cfg.TLS = TLSImplicit
	if err := newSMTP(t, cfg).Send(testContext(t), testMessage()); err != nil {
		t.Fatal(err)
	}
	if got := srv.received(); len(got) != 1 || !got[0].tls || got[0].authUser != smtpUser {
		t.Fatalf("received %+v, want one message over TLS, authenticated", got)
	}
}

func TestSMTPWrongPasswordIsRefused(t *testing.T) {
	srv := startSMTPServer(t, serverOptions{})
	cfg := srv.config()
	cfg.Password = "wrong-Pa55word-Z9"
	err := newSMTP(t, cfg).Send(testContext(t), testMessage())
	if err == nil {
		t.Fatal("sent with a wrong password")
	}
	if strings.Contains(err.Error(), cfg.Password) || strings.Contains(err.Error(), smtpPassword) {
		t.Fatalf("the error contains the password: %v", err)
	}
	if errors.Is(err, ErrRejected) || errors.Is(err, ErrInvalidMessage) {
		t.Errorf("a configuration problem is reported as a problem of the message: %v", err)
	}
	if n := len(srv.received()); n != 0 {
		t.Fatalf("server received %d messages", n)
	}
}

func TestSMTPRejectedRecipient(t *testing.T) {
	srv := startSMTPServer(t, serverOptions{})
	m := testMessage()
	m.To = "nobody@example.com"
	err := newSMTP(t, srv.config()).Send(testContext(t), m)
	if !errors.Is(err, ErrRejected) {
		t.Fatalf("Send to an unknown recipient: %v, want ErrRejected", err)
	}
}

func TestSMTPRefusesAnUntrustedCertificate(t *testing.T) {
	srv := startSMTPServer(t, serverOptions{})
	cfg := srv.config()
	cfg.TLSConfig = nil // the system roots do not know the test certificate
	err := newSMTP(t, cfg).Send(testContext(t), testMessage())
	var unknownAuthority x509.UnknownAuthorityError
	if !errors.As(err, &unknownAuthority) {
		t.Fatalf("Send: %v, want an unknown-authority error", err)
	}
	if n := len(srv.received()); n != 0 {
		t.Fatalf("server received %d messages", n)
	}
}

func TestSMTPSTARTTLSIsMandatoryByDefault(t *testing.T) {
	srv := startSMTPServer(t, serverOptions{noTLS: true})
	cfg := srv.config()
	cfg.TLS = "" // the default: starttls
	err := newSMTP(t, cfg).Send(testContext(t), testMessage())
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("Send to a server without STARTTLS: %v, want a refusal", err)
	}
	if n := len(srv.received()); n != 0 {
		t.Fatalf("server received %d messages", n)
	}

	// A local relay without TLS is allowed when configured so.
	cfg.TLS = TLSNone
	if err := newSMTP(t, cfg).Send(testContext(t), testMessage()); err != nil {
		t.Fatalf("TLS none to localhost: %v", err)
	}
	if got := srv.received(); len(got) != 1 || got[0].tls {
		t.Fatalf("received %+v, want one message without TLS", got)
	}
}

func TestSMTPServerDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close() // nothing listens there any more

	cfg := SMTPConfig{Host: "127.0.0.1", Port: port, From: DefaultFrom}
	start := time.Now()
	err = newSMTP(t, cfg).Send(testContext(t), testMessage())
	if err == nil {
		t.Fatal("sent to a server that is down")
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("Send took %v", elapsed)
	}
}

func TestSMTPSendRespectsTheContext(t *testing.T) {
	// A server that accepts connections and then says nothing.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns sync.WaitGroup
	stop := make(chan struct{})
	t.Cleanup(func() {
		close(stop)
		_ = l.Close()
		conns.Wait()
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Go(func() {
				<-stop
				_ = c.Close()
			})
		}
	}()
	cfg := SMTPConfig{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, From: DefaultFrom} // default timeout: 30 s

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = newSMTP(t, cfg).Send(ctx, testMessage())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send to a silent server: %v, want context.DeadlineExceeded", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("Send returned after %v, long after its context ended", elapsed)
	}

	// The adapter's own timeout, without a deadline in the context.
	cfg.Timeout = 200 * time.Millisecond
	start = time.Now()
	if err := newSMTP(t, cfg).Send(context.Background(), testMessage()); err == nil {
		t.Fatal("sent to a silent server")
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("Send returned after %v with a 200 ms timeout", elapsed)
	}
}

func TestNewSMTPChecksTheConfiguration(t *testing.T) {
	valid := SMTPConfig{Host: "smtp.example.com", Username: "u", Password: smtpPassword, From: DefaultFrom}
	for name, change := range map[string]func(*SMTPConfig){
		"no host":                        func(c *SMTPConfig) { c.Host = "" },
		"unknown TLS mode":               func(c *SMTPConfig) { c.TLS = "ssl3" },
		"port out of range":              func(c *SMTPConfig) { c.Port = 70000 },
		"malformed sender":               func(c *SMTPConfig) { c.From = "no-reply" },
		"password without username":      func(c *SMTPConfig) { c.Username = "" },
		"credentials in clear to remote": func(c *SMTPConfig) { c.TLS = TLSNone },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := valid
			change(&cfg)
			_, err := NewSMTP(cfg)
			if err == nil {
				t.Fatal("accepted")
			}
			if strings.Contains(err.Error(), smtpPassword) {
				t.Fatalf("the error contains the password: %v", err)
			}
		})
	}
	for mode, port := range map[string]int{"": 587, TLSStartTLS: 587, TLSOpportunistic: 587, TLSImplicit: 465} {
		cfg := valid
		cfg.TLS = mode
		s, err := NewSMTP(cfg)
		if err != nil {
			t.Fatalf("TLS %q: %v", mode, err)
		}
		if s.cfg.Port != port {
			t.Errorf("TLS %q: default port %d, want %d", mode, s.cfg.Port, port)
		}
		if s.tlsConfig.ServerName != valid.Host {
			t.Errorf("TLS ServerName %q, want %q", s.tlsConfig.ServerName, valid.Host)
		}
	}
	cfg := valid
	cfg.Host, cfg.TLS = "127.0.0.1", TLSNone
	if _, err := NewSMTP(cfg); err != nil {
		t.Errorf("credentials without TLS to localhost: %v", err)
	}
}
