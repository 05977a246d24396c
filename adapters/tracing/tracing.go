// Package tracing gives the service OpenTelemetry traces, as decorators at the edges: a span per
// HTTP request (named by its route template, never by its path) and a child span per event store
// call it makes. The domain, the commands and the projectors know nothing of it. Spans are
// exported over OTLP/HTTP to ACCOUNTS_OTLP_ENDPOINT; without one, tracing is a no-op that costs
// nothing.
package tracing

import (
	"context"
	"fmt"
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/camcloud/accounts/eventstore"
)

// Tracing is the service's tracer provider and how to flush it.
type Tracing struct {
	provider trace.TracerProvider
	shutdown func(context.Context) error
}

// New exports spans to an OTLP/HTTP collector at endpoint (a URL such as
// http://collector:4318); an empty endpoint traces nothing.
func New(ctx context.Context, endpoint, service string) (*Tracing, error) {
	if endpoint == "" {
		return &Tracing{provider: noop.NewTracerProvider(), shutdown: func(context.Context) error { return nil }}, nil
	}
	exporter, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(endpoint+"/v1/traces"))
	if err != nil {
		return nil, fmt.Errorf("ACCOUNTS_OTLP_ENDPOINT: %w", err)
	}
	provider := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exporter),
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName(service))),
	)
	return &Tracing{provider: provider, shutdown: provider.Shutdown}, nil
}

// Shutdown sends the spans not sent yet and stops.
func (t *Tracing) Shutdown(ctx context.Context) error { return t.shutdown(ctx) }

// HTTP wraps the API: a span per request, continuing a trace the caller propagates
// (traceparent). httpkit.RouteTemplate names the span once the router matched the request.
func (t *Tracing) HTTP(next http.Handler) http.Handler {
	return otelhttp.NewHandler(next, "http.request",
		otelhttp.WithTracerProvider(t.provider),
		otelhttp.WithPropagators(propagation.TraceContext{}),
	)
}

// Store decorates an event store with a span per call.
func (t *Tracing) Store(s eventstore.Store) eventstore.Store {
	return tracedStore{Store: s, tracer: t.provider.Tracer("github.com/camcloud/accounts/eventstore")}
}

type tracedStore struct {
	eventstore.Store
	tracer trace.Tracer
}

func (s tracedStore) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	ctx, span := s.tracer.Start(ctx, "eventstore.Append", trace.WithAttributes(attribute.Int("events", len(events))))
	res, err := s.Store.Append(ctx, stream, expected, events...)
	end(span, err)
	return res, err
}

func (s tracedStore) AppendMulti(ctx context.Context, writes ...eventstore.StreamWrite) ([]eventstore.AppendResult, error) {
	n := 0
	for _, w := range writes {
		n += len(w.Events)
	}
	ctx, span := s.tracer.Start(ctx, "eventstore.AppendMulti", trace.WithAttributes(attribute.Int("streams", len(writes)), attribute.Int("events", n)))
	res, err := s.Store.AppendMulti(ctx, writes...)
	end(span, err)
	return res, err
}

func (s tracedStore) ReadStream(ctx context.Context, stream string, from uint64, dir eventstore.Direction, n int) ([]eventstore.RecordedEvent, error) {
	ctx, span := s.tracer.Start(ctx, "eventstore.ReadStream")
	events, err := s.Store.ReadStream(ctx, stream, from, dir, n)
	span.SetAttributes(attribute.Int("events", len(events)))
	end(span, err)
	return events, err
}

func (s tracedStore) ReadAll(ctx context.Context, from eventstore.Position, dir eventstore.Direction, n int) ([]eventstore.RecordedEvent, error) {
	ctx, span := s.tracer.Start(ctx, "eventstore.ReadAll")
	events, err := s.Store.ReadAll(ctx, from, dir, n)
	span.SetAttributes(attribute.Int("events", len(events)))
	end(span, err)
	return events, err
}

func end(span trace.Span, err error) {
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}
