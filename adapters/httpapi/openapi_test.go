package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/camcloud/accounts/api"
)

// TestOpenAPIDocument checks that GET /v1/openapi.yaml serves api/openapi.yaml, that it is a
// valid OpenAPI 3.1 document, and that its operations and the service's routes are the same.
func TestOpenAPIDocument(t *testing.T) {
	// No dependency is needed to serve the document or to find a route: a handler that would use
	// one panics, which the service answers with 500, never with the router's 404 or 405.
	srv := apiConfig{}.api() // no dependencies: every route answers before it needs one
	serve := func(method, path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(method, path, nil))
		return w
	}

	got := serve(http.MethodGet, "/v1/openapi.yaml")
	if got.Code != http.StatusOK || got.Header().Get("Content-Type") != "application/yaml" {
		t.Fatalf("GET /v1/openapi.yaml: %d %q, want 200 application/yaml", got.Code, got.Header().Get("Content-Type"))
	}
	if got.Body.String() != api.OpenAPI() {
		t.Fatal("GET /v1/openapi.yaml does not answer api/openapi.yaml")
	}

	doc, err := libopenapi.NewDocument(got.Body.Bytes())
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if v := doc.GetVersion(); !strings.HasPrefix(v, "3.1.") {
		t.Fatalf("OpenAPI version %q, want 3.1.x", v)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("build the validator: %v", errs)
	}
	if ok, errs := v.ValidateDocument(); !ok {
		t.Fatalf("api/openapi.yaml is not a valid OpenAPI 3.1 document:\n%s", describe(errs))
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("build the model: %v", err)
	}

	// Every documented operation is routed, and every other method of a documented path answers
	// the router's 405. (A route on a path the document lacks fails the HTTP tests that use it:
	// see openapi_check_test.go.)
	const someID = "0b6f3c1e-5d2a-4f8e-9c7b-2a1d4e6f8a90"
	methods := []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
	operations := 0
	for path, item := range model.Model.Paths.PathItems.FromOldest() {
		documented := []string{}
		for method := range item.GetOperations().FromOldest() {
			documented = append(documented, strings.ToUpper(method))
		}
		target := strings.ReplaceAll(path, "{id}", someID)
		for _, method := range methods {
			status := serve(method, target).Code
			switch {
			case slices.Contains(documented, method):
				operations++
				if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
					t.Errorf("%s %s is documented, but the service has no such route (%d)", method, path, status)
				}
			case status != http.StatusMethodNotAllowed:
				t.Errorf("%s %s answers %d, but api/openapi.yaml does not document it (want the router's 405)", method, path, status)
			}
		}
	}
	if operations == 0 {
		t.Fatal("api/openapi.yaml documents no operation")
	}
	for _, method := range methods {
		if status := serve(method, "/v1/no-such-route").Code; status != http.StatusNotFound {
			t.Fatalf("%s /v1/no-such-route: %d, want 404 (the probe above relies on it)", method, status)
		}
	}
}
