package httpapi

import (
	"io"
	"net/http"

	"github.com/camcloud/accounts/api"
)

// serveOpenAPI answers the OpenAPI description of this API (api/openapi.yaml); anyone may read it.
func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, api.OpenAPI())
}
