package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/camcloud/accounts/adapters/email"
	"github.com/camcloud/accounts/adapters/password"
	"github.com/camcloud/accounts/identity/identitycmd"
)

// config is read from the environment, and its tags are the one description of every variable:
// the usage text is generated from them and a test holds the README's table to them.
//
//	env         the variable (read by github.com/caarlos0/env)
//	envDefault  its default when unset or empty
//	default     the default as documented, when the program computes it (the field stays zero)
//	help        one line for the usage text
//	max         the largest whole number accepted (every number must be at least 1)
//	oneOf       the accepted words, separated by |
//	secret      its value is never printed, not even in an error
type config struct {
	DatabaseURL    string        `env:"ACCOUNTS_DATABASE_URL" default:"the private cluster" secret:"true" help:"postgres:// URL of the read models (and of the events, unless the next is set)"`
	EventStoreURL  string        `env:"ACCOUNTS_EVENTSTORE_URL" default:"ACCOUNTS_DATABASE_URL" secret:"true" help:"event store: esdb:// or kurrentdb:// (EventStoreDB/KurrentDB), or postgres://"`
	MaxConns       int           `env:"ACCOUNTS_DATABASE_MAX_CONNS" default:"max(8, 4 x GOMAXPROCS)" help:"connections in each database pool"`
	ConnectTimeout time.Duration `env:"ACCOUNTS_DATABASE_CONNECT_TIMEOUT" envDefault:"5s" help:"how long opening a database connection may take before the request answers 503"`
	RequestTimeout time.Duration `env:"ACCOUNTS_REQUEST_TIMEOUT" envDefault:"10s" help:"how long a request's work may take (downloads aside) before it answers 503: a database that stops answering holds no request longer"`
	HTTPAddr       string        `env:"ACCOUNTS_HTTP_ADDR" envDefault:"127.0.0.1:8080" help:"listen address"`
	MetricsAddr    string        `env:"ACCOUNTS_METRICS_ADDR" default:"unset: no metrics" help:"listen address of the Prometheus /metrics endpoint"`
	OTLPEndpoint   string        `env:"ACCOUNTS_OTLP_ENDPOINT" default:"unset: no traces" help:"OTLP/HTTP collector URL that traces are sent to"`
	PublicURL      string        `env:"ACCOUNTS_PUBLIC_URL" default:"http:// + ACCOUNTS_HTTP_ADDR" help:"base URL of the web client, for e-mailed links"`
	DataDir        string        `env:"ACCOUNTS_DATA_DIR" envDefault:".data" help:"data folder of the embedded default"`
	PostgresPort   int           `env:"ACCOUNTS_POSTGRES_PORT" envDefault:"54329" max:"65535" help:"port of the private PostgreSQL"`
	LogLevel       slog.Level    `env:"ACCOUNTS_LOG_LEVEL" envDefault:"info" oneOf:"debug|info|warn|error" help:"debug, info, warn or error"`

	// TokenKey signs e-mailed links; unset: the key kept in the database (adapters/linkkey).
	TokenKey     []byte        `env:"ACCOUNTS_TOKEN_KEY" default:"generated once into the database" secret:"true" help:"base64 of at least 32 random bytes, signing e-mailed links"`
	RootUsername string        `env:"ACCOUNTS_ROOT_USERNAME" envDefault:"admin" help:"the platform root's first administrator"`
	RootEmail    string        `env:"ACCOUNTS_ROOT_EMAIL" envDefault:"admin@localhost.localdomain" help:"their e-mail address"`
	MinPassword  int           `env:"ACCOUNTS_MIN_PASSWORD_LENGTH" envDefault:"8" max:"128" help:"shortest password accepted"`
	InvoiceTerms time.Duration `env:"ACCOUNTS_INVOICE_TERMS" envDefault:"720h" help:"how long after its issue date an invoice is due"`

	Hashing  hashSettings
	Identity identitySettings
	SMTP     smtpSettings // Host empty: the file outbox in the data folder
}

// hashSettings become password.Limits: argon2id operations at once, and how long others wait.
type hashSettings struct {
	Concurrency int           `env:"ACCOUNTS_HASH_CONCURRENCY" default:"GOMAXPROCS" help:"password hashes computed at once"`
	QueueWait   time.Duration `env:"ACCOUNTS_HASH_QUEUE_WAIT" envDefault:"3s" help:"how long a hash waits for a slot before answering 503"`
}

func (h hashSettings) limits() password.Limits {
	return password.Limits{Concurrency: h.Concurrency, QueueWait: h.QueueWait}
}

// identitySettings become identitycmd.Config.
type identitySettings struct {
	TermsVersion     string        `env:"ACCOUNTS_TERMS_VERSION" envDefault:"2026-01" help:"the terms of use an invitation accepts"`
	InvitationTTL    time.Duration `env:"ACCOUNTS_INVITATION_TTL" envDefault:"168h" help:"how long an invitation link works"`
	PasswordResetTTL time.Duration `env:"ACCOUNTS_PASSWORD_RESET_TTL" envDefault:"1h" help:"how long a password-reset link works"`
	EmailChangeTTL   time.Duration `env:"ACCOUNTS_EMAIL_CHANGE_TTL" envDefault:"24h" help:"how long an e-mail confirmation link works"`
	SessionIdle      time.Duration `env:"ACCOUNTS_SESSION_IDLE" envDefault:"30m" help:"a session ends after this long unused"`
	SessionLifetime  time.Duration `env:"ACCOUNTS_SESSION_LIFETIME" envDefault:"12h" help:"a session ends this long after sign-in"`
}

func (s identitySettings) config() identitycmd.Config {
	return identitycmd.Config{
		InvitationTTL:    s.InvitationTTL,
		PasswordResetTTL: s.PasswordResetTTL,
		EmailChangeTTL:   s.EmailChangeTTL,
		SessionIdle:      s.SessionIdle,
		SessionLifetime:  s.SessionLifetime,
		TermsVersion:     s.TermsVersion,
	}
}

// smtpSettings become email.SMTPConfig.
type smtpSettings struct {
	Host     string `env:"ACCOUNTS_SMTP_HOST" default:"unset: .eml files in $ACCOUNTS_DATA_DIR/outbox" help:"send mail over SMTP through this host"`
	Port     int    `env:"ACCOUNTS_SMTP_PORT" envDefault:"587" max:"65535" help:"its port"`
	Username string `env:"ACCOUNTS_SMTP_USERNAME" default:"none" help:"SMTP AUTH user (none: no AUTH)"`
	Password string `env:"ACCOUNTS_SMTP_PASSWORD" default:"none" secret:"true" help:"SMTP AUTH password"`
	From     string `env:"ACCOUNTS_SMTP_FROM" envDefault:"camcloud accounts <no-reply@localhost.localdomain>" help:"sender of every mail"`
	TLS      string `env:"ACCOUNTS_SMTP_TLS" envDefault:"starttls" oneOf:"starttls|tls|opportunistic|none" help:"starttls, tls (from the first byte), opportunistic or none"`
}

func (s smtpSettings) config() email.SMTPConfig {
	return email.SMTPConfig{Host: s.Host, Port: s.Port, Username: s.Username, Password: s.Password, From: s.From, TLS: s.TLS}
}

// loadConfig reads the configuration from the environment.
func loadConfig() (config, error) {
	vars, err := variables()
	if err != nil {
		return config{}, err
	}
	var c config
	opts := env.Options{FuncMap: map[reflect.Type]env.ParserFunc{
		reflect.TypeFor[[]byte](): func(v string) (any, error) { return base64.StdEncoding.DecodeString(v) },
	}}
	// Every bad variable is reported at once, not only the first.
	errs, failed := describeParseErrors(env.ParseWithOptions(&c, opts), vars)
	for _, v := range vars {
		if !failed[v.Name] {
			errs = append(errs, v.check(&c))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return c, err
	}

	// The defaults the program computes.
	if c.MaxConns == 0 {
		c.MaxConns = defaultMaxConns(runtimeProcs())
	}
	if c.Hashing.Concurrency == 0 {
		c.Hashing.Concurrency = runtimeProcs()
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.HTTPAddr
	}
	if c.DataDir, err = filepath.Abs(c.DataDir); err != nil {
		return c, fmt.Errorf("ACCOUNTS_DATA_DIR: %w", err)
	}
	return c, nil
}

// defaultMaxConns sizes a pool for procs CPUs. A request holds a connection only for each of its
// short statements, but several requests wait on PostgreSQL's commits (disk flushes) at once, and
// the projections and the mail dispatcher hold some too: pgx's own default, max(4, CPUs), leaves
// requests queueing for a connection while PostgreSQL idles. Four per CPU, and at least 8, keeps
// the server busy without crowding its max_connections (100 by default) when a few instances
// share it.
func defaultMaxConns(procs int) int { return max(8, 4*procs) }

// runtimeProcs is the number of CPUs Go schedules on.
func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

// variable is one environment variable as config's tags describe it.
type variable struct {
	field   reflect.StructField
	path    []int // index path of the field in config
	Name    string
	Default string // as documented: envDefault, else default, else empty
	Help    string
	Secret  bool
}

// variables lists config's variables in the order of its fields.
func variables() ([]variable, error) {
	var vars []variable
	seen := map[string]bool{} // describeParseErrors finds a variable by its field's name
	var walk func(t reflect.Type, path []int) error
	walk = func(t reflect.Type, path []int) error {
		for i := range t.NumField() {
			f := t.Field(i)
			p := append(slices.Clone(path), i)
			name := f.Tag.Get("env")
			if name == "" && f.Type.Kind() == reflect.Struct {
				if err := walk(f.Type, p); err != nil {
					return err
				}
				continue
			}
			if name == "" || seen[f.Name] {
				return fmt.Errorf("config field %s: want an env tag and a name no other field has", f.Name)
			}
			seen[f.Name] = true
			def, ok := f.Tag.Lookup("envDefault")
			if !ok {
				def = f.Tag.Get("default")
			}
			vars = append(vars, variable{field: f, path: p, Name: name, Default: def, Help: f.Tag.Get("help"), Secret: f.Tag.Get("secret") == "true"})
		}
		return nil
	}
	if err := walk(reflect.TypeFor[config](), nil); err != nil {
		return nil, err
	}
	return vars, nil
}

// want says what a variable accepts, for error messages.
func (v variable) want() string {
	if words := v.field.Tag.Get("oneOf"); words != "" {
		list := strings.Split(words, "|")
		return "want " + strings.Join(list[:len(list)-1], ", ") + " or " + list[len(list)-1]
	}
	switch v.field.Type {
	case reflect.TypeFor[time.Duration]():
		return "want a positive duration such as 90m or 168h"
	case reflect.TypeFor[[]byte]():
		return "want at least 32 random bytes, base64-encoded"
	case reflect.TypeFor[int]():
		if limit := v.field.Tag.Get("max"); limit != "" {
			return "want a whole number from 1 to " + limit
		}
		return "want a positive whole number"
	}
	return "want a valid value"
}

// fail is v's error: it names the variable, and its value unless that is a secret.
func (v variable) fail() error {
	if v.Secret {
		return fmt.Errorf("%s: %s", v.Name, v.want())
	}
	return fmt.Errorf("%s=%q: %s", v.Name, os.Getenv(v.Name), v.want())
}

// check validates v's parsed value in c beyond what parsing tells.
func (v variable) check(c *config) error {
	value := reflect.ValueOf(c).Elem().FieldByIndex(v.path)
	_, computed := v.field.Tag.Lookup("default")
	switch x := value.Interface().(type) {
	case int:
		limit, _ := strconv.Atoi(v.field.Tag.Get("max"))
		// Zero is unset only for a computed default: a variable set to 0 is refused.
		if (x < 1 && !(computed && os.Getenv(v.Name) == "")) || (limit > 0 && x > limit) {
			return v.fail()
		}
	case time.Duration:
		if x <= 0 {
			return v.fail()
		}
	case []byte:
		if x != nil && len(x) < 32 {
			return v.fail()
		}
	case string:
		if words := v.field.Tag.Get("oneOf"); words != "" && !slices.Contains(strings.Split(words, "|"), x) {
			return v.fail()
		}
	case slog.Level:
		// A level the text parser accepts (e.g. "info+2") is fine; "INFO" too.
	}
	return nil
}

// describeParseErrors replaces the library's messages, which name struct fields, with ones naming
// the variable and what it wants (the value only if it is no secret), and says which failed.
func describeParseErrors(err error, vars []variable) ([]error, map[string]bool) {
	failed := map[string]bool{}
	if err == nil {
		return nil, failed
	}
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return []error{fmt.Errorf("read the environment: %w", err)}, failed
	}
	errs := make([]error, 0, len(agg.Errors))
	for _, e := range agg.Errors {
		var parse env.ParseError
		i := -1
		if errors.As(e, &parse) {
			i = slices.IndexFunc(vars, func(v variable) bool { return v.field.Name == parse.Name })
		}
		if i < 0 {
			errs = append(errs, fmt.Errorf("read the environment: %w", e))
			continue
		}
		failed[vars[i].Name] = true
		errs = append(errs, vars[i].fail())
	}
	return errs, failed
}

// writeEnvironmentHelp writes the usage text's list of variables, generated from config's tags.
func writeEnvironmentHelp(w io.Writer) error {
	vars, err := variables()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, v := range vars {
		line := "  " + v.Name + "\t" + v.Help
		if v.Default != "" {
			line += " (default " + v.Default + ")"
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}
