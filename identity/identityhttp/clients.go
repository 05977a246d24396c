package identityhttp

import (
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/camcloud/accounts/adapters/httpkit"
	"github.com/camcloud/accounts/identity/clientview"
)

type clientRequest struct {
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes"`
	ExpiresAt *time.Time `json:"expires_at"`
}

type createdClient struct {
	httpkit.CommandAnswer
	// Token is the client's API key, shown this once: "client.<id>.<secret>".
	Token string `json:"token"`
}

// createClient creates a service client of an account (accounts.manage), answering its key once.
func (h *Handlers) createClient(w http.ResponseWriter, r *http.Request) {
	var req clientRequest
	if !httpkit.Decode(w, r, &req) {
		return
	}
	created, err := h.Identity.CreateClient(r.Context(), httpkit.Origin(r), mux.Vars(r)["id"], req.Name, req.Scopes, req.ExpiresAt)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	h.Settle(r, created.Result, clientview.Name)
	httpkit.WriteResult(w, created.Result)
	w.Header().Set("Location", "/v1/service-clients/"+created.ClientID)
	httpkit.WriteJSON(w, http.StatusCreated, createdClient{httpkit.AnswerOf(created.ClientID, created.Result), created.Token})
}

// listClients lists an account's service clients, never their keys (accounts.manage).
func (h *Handlers) listClients(w http.ResponseWriter, r *http.Request) {
	if !h.WaitForPosition(w, r, clientview.Name) {
		return
	}
	clients, err := h.Clients.Clients(r.Context(), httpkit.Principal(r), mux.Vars(r)["id"])
	if err != nil {
		h.Error(w, r, err)
		return
	}
	httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": clients})
}

// revokeClient revokes a service client: its key stops working on its next call.
func (h *Handlers) revokeClient(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	res, err := h.Identity.RevokeClient(r.Context(), httpkit.Origin(r), id)
	h.Answer(w, r, id, res, err, http.StatusOK, clientview.Name)
}
