package httpkit

import (
	"net/http"

	"github.com/camcloud/accounts/access"

	"github.com/gorilla/mux"
)

// Routes is a context's HTTP surface: it registers its routes on a Router. The API is the list of
// every context's Routes; adding a context adds one to the list and touches no other.
type Routes interface {
	Register(r *Router)
}

// Router registers a context's routes under the API's prefix (/v1). Routes go on the one
// gorilla/mux router with their full path: subrouters would answer a wrong method with 404
// instead of 405.
type Router struct {
	mux    *mux.Router
	prefix string
	kit    *Kit
	auth   Authenticator
	agents SupportAgents
}

// NewRouter returns a router registering on m under prefix; authenticated routes take their
// principal from auth, and support agents' from agents (nil: no support agents).
func NewRouter(m *mux.Router, prefix string, kit *Kit, auth Authenticator, agents SupportAgents) *Router {
	return &Router{mux: m, prefix: prefix, kit: kit, auth: auth, agents: agents}
}

// Public registers a route anyone may call (signing in, accepting an invitation).
func (r *Router) Public(method, path string, h http.HandlerFunc) {
	r.mux.HandleFunc(r.prefix+path, r.kit.bounded(h)).Methods(method)
}

// Authenticated registers a route for users: it answers 401 without a valid bearer token and 403
// to other kinds of credentials (a recorder's); the handler finds who calls with Principal, and
// the command or query it calls decides what they may do.
func (r *Router) Authenticated(method, path string, h http.HandlerFunc) {
	r.mux.HandleFunc(r.prefix+path, r.kit.bounded(r.kit.authenticated(r.auth, r.agents, h, access.User))).Methods(method)
}

// Supportable registers a route for users and for support agents under a grant (a user's token
// with X-Support-Grant): the recorder, camera and item tree routes, and reading the account.
// What an agent reaches inside its grant is the command's or query's to decide.
func (r *Router) Supportable(method, path string, h http.HandlerFunc) {
	r.mux.HandleFunc(r.prefix+path, r.kit.bounded(r.kit.authenticated(r.auth, r.agents, h, access.User, access.SupportAgent))).Methods(method)
}

// Readers registers a route for users and for service clients (billing jobs reading usage and
// invoices with an API key); what each may read is the query's to decide.
func (r *Router) Readers(method, path string, h http.HandlerFunc) {
	r.mux.HandleFunc(r.prefix+path, r.kit.bounded(r.kit.authenticated(r.auth, r.agents, h, access.User, access.ServiceClient))).Methods(method)
}

// Download is Readers for a route that streams a document of any size (usage listings,
// spreadsheets): its work is not bounded by the kit's RequestTimeout, for the rows keep coming
// for as long as there are rows.
func (r *Router) Download(method, path string, h http.HandlerFunc) {
	r.mux.HandleFunc(r.prefix+path, r.kit.authenticated(r.auth, r.agents, h, access.User, access.ServiceClient)).Methods(method)
}

// Recorders registers a route for recorders' own calls, with the credentials they received at
// registration; users' tokens get 403.
func (r *Router) Recorders(method, path string, h http.HandlerFunc) {
	r.mux.HandleFunc(r.prefix+path, r.kit.bounded(r.kit.authenticated(r.auth, r.agents, h, access.Recorder))).Methods(method)
}
