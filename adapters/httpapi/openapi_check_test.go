package httpapi_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	valerrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/camcloud/accounts/api"
)

// The OpenAPI check: every request a test sends through the harness's do, and every answer it
// gets, is validated against api/openapi.yaml, so that the document says what the service does.
//
//   - The answer is always validated: its status must be documented for the operation, its body
//     must match the schema of that status and media type (schemas are closed, so an undocumented
//     field fails), and its documented headers (ETag, X-Position, Location, Retry-After, ...) must
//     be there and well formed, with no undocumented ones beside them.
//   - The request is validated unless the service refused it with a 4xx: the tests send malformed
//     requests on purpose (invalid JSON, unknown fields, wrong media types, malformed IDs), and a
//     refusal is what the document promises for them. A request the service accepted, or failed
//     on (5xx), must match the document.
//   - A path or method the document does not know may only be answered by the router's 404 or
//     405 problem.

// openAPIChecker is the parsed document, shared by every test of the package.
type openAPIChecker struct {
	validator validator.Validator
	model     *v3.Document
	routes    []specRoute
	problem   *base.Schema
}

// specRoute is one path of the document, matched as gorilla/mux matches the service's routes: a
// template variable is one path segment without a colon (so /v1/users/{id}:disable is never read
// as /v1/users/{id}).
type specRoute struct {
	template string
	pattern  *regexp.Regexp
	item     *v3.PathItem
}

var loadOpenAPI = sync.OnceValues(func() (*openAPIChecker, error) {
	doc, err := libopenapi.NewDocument([]byte(api.OpenAPI()))
	if err != nil {
		return nil, fmt.Errorf("parse api/openapi.yaml: %w", err)
	}
	built, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("build api/openapi.yaml: %w", err)
	}
	c := &openAPIChecker{model: &built.Model}
	for path, item := range built.Model.Paths.PathItems.FromOldest() {
		var pattern strings.Builder
		pattern.WriteString("^")
		for i, part := range regexp.MustCompile(`\{[^}]+\}`).Split(path, -1) {
			if i > 0 {
				pattern.WriteString(`[^/:]+`)
			}
			pattern.WriteString(regexp.QuoteMeta(part))
		}
		pattern.WriteString("$")
		c.routes = append(c.routes, specRoute{template: path, pattern: regexp.MustCompile(pattern.String()), item: item})
	}
	c.problem = built.Model.Components.Schemas.GetOrZero("Problem").Schema()
	c.validator = validator.NewValidatorFromV3Model(&built.Model,
		config.WithFormatAssertions(),
		config.WithStrictMode(),
		// Set by secureHeaders on every answer; the document's description says so.
		config.WithStrictIgnoredHeadersExtra("x-content-type-options"),
		config.WithPathTree(c),
	)
	return c, nil
})

// Lookup finds the document's path for a request path (radix.PathLookup, in place of the
// validator's own tree, which reads /v1/users/<id>:disable as /v1/users/{id}).
func (c *openAPIChecker) Lookup(urlPath string) (*v3.PathItem, string, bool) {
	r := c.route(urlPath)
	if r == nil {
		return nil, "", false
	}
	return r.item, r.template, true
}

func (c *openAPIChecker) route(urlPath string) *specRoute {
	for i := range c.routes {
		if c.routes[i].pattern.MatchString(urlPath) {
			return &c.routes[i]
		}
	}
	return nil
}

// checkOpenAPI validates a request that do sent, and its answer, against api/openapi.yaml.
func checkOpenAPI(t *testing.T, sent *http.Request, got response) {
	t.Helper()
	c, err := loadOpenAPI()
	if err != nil {
		t.Fatalf("OpenAPI: %v", err)
	}
	body := func() io.ReadCloser {
		if sent.GetBody == nil {
			return http.NoBody
		}
		b, err := sent.GetBody()
		if err != nil {
			t.Fatalf("OpenAPI: request body: %v", err)
		}
		return b
	}
	r := sent.Clone(sent.Context())
	r.Body = body()
	where := sent.Method + " " + sent.URL.EscapedPath()
	var op *v3.Operation
	route := c.route(sent.URL.EscapedPath())
	if route != nil {
		where = fmt.Sprintf("%s %s (%s)", sent.Method, route.template, sent.URL.EscapedPath())
		op = route.item.GetOperations().GetOrZero(strings.ToLower(sent.Method))
	}
	if op == nil {
		// Not a route of the document: only the router's own answer may come back.
		if got.Status != http.StatusNotFound && got.Status != http.StatusMethodNotAllowed {
			t.Errorf("OpenAPI: %s is not in api/openapi.yaml, yet answered %d: document it", where, got.Status)
			return
		}
		c.checkProblem(t, where, sent.Method, got)
		return
	}
	if got.Status < 400 || got.Status > 499 {
		if ok, errs := c.validator.ValidateHttpRequestSync(r); !ok {
			t.Errorf("OpenAPI: %s: the request does not match api/openapi.yaml, yet the service answered %d:\n%s", where, got.Status, describe(errs))
		}
	}
	r.Body = body()
	answer := &http.Response{StatusCode: got.Status, Header: got.Header, Body: io.NopCloser(bytes.NewReader(got.Body)), Request: r}
	if ok, errs := c.validator.ValidateHttpResponse(r, answer); !ok {
		t.Errorf("OpenAPI: %s: the %d answer does not match api/openapi.yaml:\n%s\nbody: %s", where, got.Status, describe(errs), got.Body)
	}
}

// checkProblem validates an answer that no operation of the document describes (the router's
// 404 and 405) as a problem document.
func (c *openAPIChecker) checkProblem(t *testing.T, where, method string, got response) {
	t.Helper()
	if method == http.MethodHead {
		return // no body
	}
	if ct := got.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("OpenAPI: %s: the %d answer has Content-Type %q, want application/problem+json", where, got.Status, ct)
		return
	}
	if ok, errs := schema_validation.NewSchemaValidator().ValidateSchemaBytes(c.problem, got.Body); !ok {
		t.Errorf("OpenAPI: %s: the %d answer is not a Problem of api/openapi.yaml:\n%s\nbody: %s", where, got.Status, describe(errs), got.Body)
	}
}

// describe lists validation errors, one a line, with the schema's reasons and where they apply.
func describe(errs []*valerrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "  - %s: %s\n", e.Message, e.Reason)
		for _, s := range e.SchemaValidationErrors {
			at := s.FieldPath
			if at == "" {
				at = s.KeywordLocation
			}
			fmt.Fprintf(&b, "      %s (at %s)\n", s.Reason, at)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
