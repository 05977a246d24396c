package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"strconv"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLS modes of SMTPConfig.TLS.
const (
	TLSStartTLS      = "starttls"      // STARTTLS, required: a server without it is refused (default)
	TLSOpportunistic = "opportunistic" // STARTTLS when the server offers it, else plain text
	TLSNone          = "none"          // plain text (a local relay); credentials only to localhost
	TLSImplicit      = "tls"           // TLS from the first byte (SMTPS, usually port 465)
)

// DefaultSMTPTimeout bounds each network step of a Send when SMTPConfig.Timeout is zero.
const DefaultSMTPTimeout = 30 * time.Second

// SMTPConfig configures the SMTP adapter.
type SMTPConfig struct {
	Host string
	// Port; 0 means 465 for TLS "tls" and 587 (submission) otherwise.
	Port int
	// Username and Password for SMTP AUTH; no Username means no AUTH. The password is never
	// part of an error or a log line.
	Username, Password string
	// From is the sender, e.g. "CamCloud <no-reply@example.com>".
	From string
	// TLS is one of "starttls" (default when empty), "opportunistic", "none" and "tls".
	TLS string
	// TLSConfig is optional, e.g. to trust a private CA (RootCAs). Its ServerName defaults to Host.
	TLSConfig *tls.Config
	// Timeout bounds each step (connect, each command, the data); 0 means 30 s. Send also stops
	// when its context is done.
	Timeout time.Duration
}

// SMTP sends messages through an SMTP server (github.com/wneessen/go-mail), one connection per
// message. It is safe for concurrent use.
type SMTP struct {
	cfg       SMTPConfig
	from      string
	tlsConfig *tls.Config
}

var _ Mailer = (*SMTP)(nil)

// NewSMTP checks cfg and returns the SMTP adapter. It does not connect.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if cfg.Host == "" {
		return nil, errors.New("email: SMTP host is required")
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = TLSStartTLS
	case TLSStartTLS, TLSOpportunistic, TLSNone, TLSImplicit:
	default:
		return nil, fmt.Errorf("email: SMTP TLS mode %q: want starttls, opportunistic, none or tls", cfg.TLS)
	}
	if cfg.Port == 0 {
		cfg.Port = gomail.DefaultPortTLS
		if cfg.TLS == TLSImplicit {
			cfg.Port = gomail.DefaultPortSSL
		}
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("email: SMTP port %d out of range", cfg.Port)
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("email: SMTP sender address: %w", err)
	}
	if cfg.Password != "" && cfg.Username == "" {
		return nil, errors.New("email: SMTP password given without a username")
	}
	if cfg.Username != "" && cfg.TLS == TLSNone && !isLoopback(cfg.Host) {
		return nil, errors.New("email: refusing to send SMTP credentials without TLS to a host other than localhost")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultSMTPTimeout
	}
	var tlsConfig *tls.Config
	if cfg.TLSConfig != nil {
		tlsConfig = cfg.TLSConfig.Clone()
	} else {
		tlsConfig = &tls.Config{}
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = cfg.Host
	}
	if tlsConfig.MinVersion == 0 {
		tlsConfig.MinVersion = tls.VersionTLS12
	}
	return &SMTP{cfg: cfg, from: from.String(), tlsConfig: tlsConfig}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Send delivers m to the SMTP server: a multipart/alternative message (text and HTML) with m's
// Message-ID. It gives up when ctx is done, closing the connection.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, id, err := m.build(s.from, time.Now())
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("email: send <%s>: %w", id, err)
	}

	// The connection is closed as soon as ctx is done, which ends any read or write in progress,
	// and in any case when Send returns (go-mail leaves it open when the greeting, STARTTLS or
	// AUTH fails).
	var (
		mu    sync.Mutex
		conns []net.Conn
		stops []func() bool
	)
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for i, conn := range conns {
			stops[i]()
			_ = conn.Close()
		}
	}()
	dial := func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		conn, err := d.DialContext(dialCtx, network, addr)
		if err != nil {
			return nil, err
		}
		if s.cfg.TLS == TLSImplicit {
			tlsConn := tls.Client(conn, s.tlsConfig)
			if err := tlsConn.HandshakeContext(dialCtx); err != nil {
				_ = conn.Close()
				return nil, err
			}
			conn = tlsConn
		}
		mu.Lock()
		conns = append(conns, conn)
		stops = append(stops, context.AfterFunc(ctx, func() { _ = conn.Close() }))
		mu.Unlock()
		return conn, nil
	}

	client, err := gomail.NewClient(s.cfg.Host, s.clientOptions(dial)...)
	if err != nil {
		return fmt.Errorf("email: SMTP client: %w", err)
	}
	err = client.DialAndSendWithContext(ctx, msg)
	if err == nil {
		return nil
	}
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("email: send <%s> via %s: %w (%w)", id, addr, ctxErr, err)
	}
	if rejected(err) {
		return fmt.Errorf("%w: send <%s> via %s: %w", ErrRejected, id, addr, err)
	}
	return fmt.Errorf("email: send <%s> via %s: %w", id, addr, err)
}

func (s *SMTP) clientOptions(dial gomail.DialContextFunc) []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithTLSConfig(s.tlsConfig),
		gomail.WithDialContextFunc(dial),
	}
	switch s.cfg.TLS {
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case TLSNone, TLSImplicit: // implicit TLS is done by dial
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.cfg.Username != "" {
		// The strongest mechanism the server offers. PLAIN and LOGIN refuse to run over a
		// connection without TLS unless the server is localhost.
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1,
				gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(s.cfg.Username),
			gomail.WithPassword(s.cfg.Password),
		)
	}
	return opts
}

// rejected reports whether err is the server refusing the recipient or the message for good.
func rejected(err error) bool {
	var sendErr *gomail.SendError
	if !errors.As(err, &sendErr) || sendErr.IsTemp() || sendErr.ErrorCode() < 500 {
		return false
	}
	switch sendErr.Reason {
	case gomail.ErrSMTPRcptTo, gomail.ErrSMTPData, gomail.ErrSMTPDataClose:
		return true
	}
	return false
}
