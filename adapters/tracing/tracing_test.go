package tracing_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/mux"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/camcloud/accounts/adapters/httpkit"
	"github.com/camcloud/accounts/adapters/tracing"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
)

// collector is an OTLP/HTTP trace receiver: it decodes what the exporter sends, as a collector
// would.
func collector(t *testing.T) (*httptest.Server, func() []*tracepb.Span) {
	t.Helper()
	var spans []*tracepb.Span
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			http.Error(w, "not a trace export", http.StatusNotFound)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
			return
		}
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			t.Errorf("decode the export: %v", err)
			return
		}
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				spans = append(spans, ss.Spans...)
			}
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		_, _ = w.Write(out)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []*tracepb.Span { return spans }
}

// TestARequestIsOneTrace: a request's span is named by its route template, and the event store
// calls it makes are its children, exported to the collector.
func TestARequestIsOneTrace(t *testing.T) {
	ctx := context.Background()
	srv, spans := collector(t)
	tr, err := tracing.New(ctx, srv.URL, "accounts-test")
	if err != nil {
		t.Fatal(err)
	}
	store := tr.Store(memory.New())
	r := mux.NewRouter()
	r.Use(httpkit.RouteTemplate)
	r.HandleFunc("/v1/things/{id}", func(w http.ResponseWriter, r *http.Request) {
		if _, err := store.ReadStream(r.Context(), "thing-"+mux.Vars(r)["id"], 0, eventstore.Forwards, 10); err != nil {
			t.Error(err)
		}
	})
	tr.HTTP(r).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/v1/things/42", nil))
	if err := tr.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	byName := map[string]*tracepb.Span{}
	for _, s := range spans() {
		byName[s.Name] = s
	}
	request, read := byName["GET /v1/things/{id}"], byName["eventstore.ReadStream"]
	if request == nil || read == nil {
		t.Fatalf("spans %v; want the request named by its route and the store read", byName)
	}
	if !bytes.Equal(read.TraceId, request.TraceId) || !bytes.Equal(read.ParentSpanId, request.SpanId) {
		t.Errorf("the store read is not a child of the request's span")
	}
}

// TestNoEndpointTracesNothing: without an endpoint nothing is exported and nothing fails.
func TestNoEndpointTracesNothing(t *testing.T) {
	tr, err := tracing.New(context.Background(), "", "accounts-test")
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	tr.HTTP(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })).
		ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusTeapot {
		t.Fatalf("status %d", rec.Code)
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}
