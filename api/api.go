// Package api holds the OpenAPI 3.1 description of the HTTP API (openapi.yaml). The service
// serves it at GET /v1/openapi.yaml, and the HTTP tests validate every request they send and
// every answer they get against it.
package api

import _ "embed"

//go:embed openapi.yaml
var openAPI string

// OpenAPI returns the OpenAPI document, in YAML.
func OpenAPI() string { return openAPI }
