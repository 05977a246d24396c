package esdbtest

import (
	"regexp"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// defaultSearchWindow is the checkpoint window when the request sets none ("count" window).
const defaultSearchWindow = 32

// filter is the server-side filter of a $all read or subscription: a regex or a set of prefixes
// matched against the event type or the stream name.
type filter struct {
	onStream bool
	regex    *regexp.Regexp
	prefixes []string
	// checkpointEvery is how many scanned events a subscription sends a checkpoint after, so that
	// a client whose filter matches rarely still learns how far the server has looked.
	checkpointEvery int
}

// newFilter reads the request's filter; nil means no filter.
func newFilter(o *streams.ReadReq_Options_FilterOptions) (*filter, error) {
	if o == nil {
		return nil, nil
	}
	f := &filter{}
	var expr *streams.ReadReq_Options_FilterOptions_Expression
	switch e := o.GetFilter().(type) {
	case *streams.ReadReq_Options_FilterOptions_StreamIdentifier:
		f.onStream, expr = true, e.StreamIdentifier
	case *streams.ReadReq_Options_FilterOptions_EventType:
		expr = e.EventType
	default:
		return nil, status.Error(codes.InvalidArgument, "filter: neither stream identifier nor event type")
	}
	if expr.GetRegex() != "" {
		re, err := regexp.Compile(expr.GetRegex())
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "filter regex: %v", err)
		}
		f.regex = re
	}
	f.prefixes = expr.GetPrefix()
	if f.regex == nil && len(f.prefixes) == 0 {
		return nil, status.Error(codes.InvalidArgument, "filter: a regex or prefixes are required")
	}

	window := defaultSearchWindow
	if w := o.GetMax(); w > 0 {
		window = int(w)
	}
	f.checkpointEvery = window * max(1, int(o.GetCheckpointIntervalMultiplier()))
	return f, nil
}

// match reports whether r passes the filter; a nil filter passes everything.
func (f *filter) match(r *record) bool {
	if f == nil {
		return true
	}
	subject := r.eventType
	if f.onStream {
		subject = r.stream
	}
	if f.regex != nil && f.regex.MatchString(subject) {
		return true
	}
	for _, p := range f.prefixes {
		if strings.HasPrefix(subject, p) {
			return true
		}
	}
	return false
}
