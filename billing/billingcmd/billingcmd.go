// Package billingcmd holds the billing commands: usage reported by recorders, and service plans
// with their prices and the accounts and cameras on them (more to come: invoices). Each command authorizes its origin's principal before it decides.
package billingcmd

import (
	"context"
	"fmt"
	"time"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/billing/details"
	"github.com/camcloud/accounts/billing/invoice"
	"github.com/camcloud/accounts/billing/plan"
	"github.com/camcloud/accounts/billing/usage"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/recorders/recorder"
	"github.com/camcloud/accounts/recorders/recordercmd"
)

// batchAggregate is how a usage batch lives in the store: one stream per recorder and batch ID
// ("usagebatch-<recorder>.<batch>"), so that a batch sent again finds the stream it made.
var batchAggregate = command.Aggregate[usage.Batch, usage.Event]{
	Category: "usagebatch", Apply: usage.Batch.Apply, Account: func(b usage.Batch) string { return b.AccountID },
}

// Commands handles the billing commands.
type Commands struct {
	h           *command.Handler
	authz       *access.Authorizer
	cameras     CameraLookup
	batches     command.Repository[usage.Batch, usage.Event]
	recorders   command.Repository[recorder.Recorder, recorder.Event]
	plans       command.Repository[plan.Plan, plan.Event]
	assignments command.Repository[plan.Assignments, plan.Event]
	invoices    command.Repository[invoice.Invoice, invoice.Event]
	sequence    command.Repository[invoice.Sequence, invoice.Event]
	details     command.Repository[details.Details, details.Event]
}

// New returns the billing commands.
func New(h *command.Handler, authz *access.Authorizer, cameras CameraLookup) *Commands {
	return &Commands{h: h, authz: authz, cameras: cameras,
		batches: command.NewRepository(h, batchAggregate), recorders: command.NewRepository(h, recordercmd.RecorderAggregate),
		plans: command.NewRepository(h, planAggregate), assignments: command.NewRepository(h, assignmentAggregate),
		invoices: command.NewRepository(h, invoiceAggregate), sequence: command.NewRepository(h, sequenceAggregate),
		details: command.NewRepository(h, detailsAggregate)}
}

// Reported is the answer to ReportUsage: where the batch's stream stands, and how many entries
// it holds. A batch sent again answers as the first time did.
type Reported struct {
	command.Result
	BatchID string
	Entries int
}

// ReportUsage records a batch of usage a recorder sends for its own cameras. The batch is
// decided whole (see usage.Decide); a batch ID the recorder sent before adds nothing.
func (c *Commands) ReportUsage(ctx context.Context, origin command.Origin, r usage.Report) (Reported, error) {
	p := origin.Principal
	if p.Kind != access.Recorder {
		return Reported{}, recordercmd.ErrNotARecorder
	}
	if err := usage.ValidBatchID(r.BatchID); err != nil {
		return Reported{}, err
	}
	id := p.ID + "." + r.BatchID
	var batch command.Stream[usage.Batch]
	first := true
	done, err := c.h.Transact(ctx, origin, true, func(u *command.Unit) error {
		// The recorder's cameras as last loaded, checked by the append: a camera removed
		// meanwhile makes the decision run again on the recorder read afresh.
		rec, err := c.recorders.LoadKept(ctx, u, p.ID)
		if err != nil {
			return err
		}
		if !rec.Exists || rec.State.Status != recorder.StatusActive || rec.State.AccountID != p.AccountID {
			return access.ErrUnauthenticated // credentials of another life of this recorder
		}
		cameras := make(map[string]usage.Camera, len(rec.State.Cameras))
		for _, cam := range rec.State.Cameras {
			cameras[cam.ID] = usage.Camera{Since: cam.Since}
		}
		today := c.h.Now().UTC().Format(time.DateOnly)
		// A batch is new but when sent again, and its periods are open (not invoiced) but when
		// the recorder reports late: the first decision reads nothing and appends to a stream
		// that must not exist, on the condition that the periods' invoice streams do not exist
		// either. A batch sent before, or a period closed, fails that append, or the decision if
		// its entries no longer pass; either way the streams are read, and the batch answered as
		// the first time or refused.
		var events []usage.Event
		periods := usage.Periods(r.Entries)
		if first {
			first, batch = false, c.batches.New(id)
			if events, err = usage.Decide(batch.State, p.AccountID, p.ID, r, cameras, today, nil); err == nil {
				for _, period := range periods {
					c.invoices.Absent(u, InvoiceID(p.AccountID, period))
				}
				batch.State = c.batches.Stage(u, batch, events...)
				return nil
			}
		}
		if batch, err = c.batches.LoadInto(ctx, u, id); err != nil {
			return err
		}
		var closed []string
		for _, period := range periods {
			inv, err := c.invoices.LoadInto(ctx, u, InvoiceID(p.AccountID, period))
			if err != nil {
				return err
			}
			if inv.State.Closed {
				closed = append(closed, period)
			}
			u.Check(inv.Name)
		}
		if events, err = usage.Decide(batch.State, p.AccountID, p.ID, r, cameras, today, closed); err != nil {
			return err
		}
		batch.State = c.batches.Stage(u, batch, events...)
		return nil
	})
	if err != nil {
		return Reported{}, fmt.Errorf("report usage: %w", err)
	}
	return Reported{Result: done.Of(batch.Name, batch.Result()), BatchID: r.BatchID, Entries: batch.State.Entries}, nil
}
