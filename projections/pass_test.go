package projections

import (
	"context"
	"errors"
	"testing"

	"github.com/camcloud/accounts/eventstore"
)

// TestPageWithNothingToApply: a page of events the model does not handle moves its checkpoint in
// one statement by apply's rules: from where it stands, not past a checkpoint already further,
// and not over a gap (a checkpoint behind the page restarts the topic).
func TestPageWithNothingToApply(t *testing.T) {
	at := func(n uint64) eventstore.Position { return eventstore.Position{Commit: n, Prepare: n} }
	cases := []struct {
		name        string
		stored      eventstore.Position
		after, last eventstore.Position
		want        eventstore.Position
		err         error
	}{
		{"follows the checkpoint", at(10), at(10), at(20), at(20), nil},
		{"partly applied by another process", at(15), at(10), at(20), at(20), nil},
		{"already past the page", at(30), at(10), at(20), at(30), nil},
		{"already at the page's end", at(20), at(10), at(20), at(20), nil},
		{"behind the page: a reset or a rebuild", at(5), at(10), at(20), at(5), ErrCheckpointMoved},
	}
	h := newHarness(t, 0)
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := h.pool.Exec(ctx, `UPDATE projection_checkpoints SET commit = $2, prepare = $3 WHERE name = $1`,
				h.model.Name(), int64(c.stored.Commit), int64(c.stored.Prepare)); err != nil {
				t.Fatal(err)
			}
			m := newModel(h.model)
			err := h.pipeline.project(ctx, m, page{after: c.after, last: c.last})
			if !errors.Is(err, c.err) || (c.err == nil && err != nil) {
				t.Fatalf("project: %v, want %v", err, c.err)
			}
			got, err := h.pipeline.Checkpoints().Get(ctx, h.model.Name())
			if err != nil || got != c.want {
				t.Fatalf("checkpoint at %v (%v), want %v", got, err, c.want)
			}
		})
	}
}
