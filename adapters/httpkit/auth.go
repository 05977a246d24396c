package httpkit

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/camcloud/accounts/domain/fault"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/command"
)

type principalKey struct{}

// Authenticator turns a bearer token into the principal it names (a user's session today;
// recorder credentials and API keys are more of them).
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (access.Principal, error)
}

// Authenticators asks each authenticator in turn: the first that does not answer
// access.ErrUnauthenticated decides. Each must answer that, cheaply, for a token it does not
// issue (a recorder's token starts with "recorder."), so put the cheap ones first.
type Authenticators []Authenticator

// Authenticate implements Authenticator.
func (as Authenticators) Authenticate(ctx context.Context, token string) (access.Principal, error) {
	for _, a := range as {
		p, err := a.Authenticate(ctx, token)
		if !errors.Is(err, access.ErrUnauthenticated) {
			return p, err
		}
	}
	return access.Principal{}, access.ErrUnauthenticated
}

// ErrWrongCredentials: valid credentials of a kind the route does not serve (a recorder's on a
// user's route, or the other way round).
var ErrWrongCredentials = fault.New(fault.Forbidden, "these credentials are not for this route").With(fault.Problem{
	Type: "wrong-credentials", Title: "Wrong kind of credentials",
	Detail: "this route is not for the kind of principal these credentials name",
})

// SupportGrantHeader names the support grant a support agent's request acts under.
const SupportGrantHeader = "X-Support-Grant"

// SupportAgents turns a support agent's own principal (a user's) into the principal acting under
// the grant their request names, or refuses.
type SupportAgents interface {
	ActUnder(ctx context.Context, staff access.Principal, grantID string) (access.Principal, error)
}

// ErrNotForSupportAgents: a request naming a support grant on a route outside technical support
// access (users, groups, billing, grants...): the same problem type as ErrWrongCredentials.
var ErrNotForSupportAgents = fault.New(fault.Forbidden, "not a route of technical support access").With(fault.Problem{
	Type: "wrong-credentials", Title: "Wrong kind of credentials",
	Detail: "support agents cannot call this route under a grant: it is not part of technical support access",
})

// authenticated lets a request through only with a valid bearer token of a principal of one of
// kinds, and hands its principal to the handler. A user's request naming a support grant acts as
// a support agent under it.
func (k *Kit) authenticated(auth Authenticator, agents SupportAgents, next http.HandlerFunc, kinds ...access.Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// The scheme name is case-insensitive (RFC 9110, section 11.1).
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			k.Error(w, r, access.ErrUnauthenticated)
			return
		}
		p, err := auth.Authenticate(r.Context(), strings.TrimSpace(token))
		if err != nil {
			k.Error(w, r, err)
			return
		}
		if grant := r.Header.Get(SupportGrantHeader); grant != "" {
			if agents == nil || !slices.Contains(kinds, access.SupportAgent) {
				k.Error(w, r, ErrNotForSupportAgents)
				return
			}
			if p, err = agents.ActUnder(r.Context(), p, grant); err != nil {
				k.Error(w, r, err)
				return
			}
			// The account sees what changed in the support activity; the log keeps every request.
			k.Logger.Info("support agent request", "request_id", RequestIDOf(r), "grant", p.Grant.ID, "agent", p.ID,
				"account", p.AccountID, "method", r.Method, "path", r.URL.EscapedPath())
		}
		if !slices.Contains(kinds, p.Kind) {
			k.Error(w, r, ErrWrongCredentials)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	}
}

// Principal is who sent the request: access.Anonymous on a public route.
func Principal(r *http.Request) access.Principal {
	p, _ := r.Context().Value(principalKey{}).(access.Principal)
	return p
}

// Origin is the metadata a request's events carry: the signed-in user (if any) and the request
// ID as correlation.
func Origin(r *http.Request) command.Origin {
	return command.By(Principal(r), RequestIDOf(r))
}

// RequestIDOf is the request's correlation ID.
func RequestIDOf(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	return id
}

// ClientAddress is the peer's IP address. The service does not trust X-Forwarded-For: behind a
// proxy, the proxy should be configured to rate-limit sign-ins itself.
func ClientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Settle waits until the read models have applied a command's events, so the caller's next
// request (authenticated through the identity read model) sees them. A wait that times out is
// not an error: the command is done, only its read side lags.
func (k *Kit) Settle(r *http.Request, res command.Result, models ...string) {
	if res.Position == (command.Result{}).Position {
		return
	}
	err := k.Checkpoints.WaitFor(r.Context(), res.Position, k.MaxWait, models...)
	if err != nil && !errors.Is(err, context.Canceled) {
		k.Logger.Warn("read models lag behind a command", "position", res.Position.String(), "error", err)
	}
}

// RetryAfterSeconds rounds a wait up to whole seconds for Retry-After.
func RetryAfterSeconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}
