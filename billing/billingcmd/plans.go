package billingcmd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/billing/plan"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/recorders/recorder"
)

var (
	planAggregate = command.Aggregate[plan.Plan, plan.Event]{
		Category: "plan", Apply: plan.Plan.Apply, Account: func(p plan.Plan) string { return p.AccountID },
	}
	// Each account's plan assignments are one stream, "planassignments-<account>".
	assignmentAggregate = command.Aggregate[plan.Assignments, plan.Event]{
		Category: "planassignments", Apply: plan.Assignments.Apply, Account: func(a plan.Assignments) string { return a.AccountID },
	}
)

// CameraLookup finds a camera's recorder (the recorders read model).
type CameraLookup interface {
	CameraRecorder(ctx context.Context, cameraID string) (recorderID string, err error)
}

// CreatedPlan is the answer to CreatePlan.
type CreatedPlan struct {
	command.Result
	PlanID string
}

// managesCatalogue authorizes a change of the plan catalogue: billing.manage on the platform root.
func (c *Commands) managesCatalogue(ctx context.Context, p access.Principal) error {
	return c.authz.Require(ctx, p, group.BillingManage, account.PlatformRootID)
}

// CreatePlan adds a plan to the catalogue, priced from today on.
func (c *Commands) CreatePlan(ctx context.Context, origin command.Origin, name, currency string, dailyPriceMinor int64) (CreatedPlan, error) {
	if err := c.managesCatalogue(ctx, origin.Principal); err != nil {
		return CreatedPlan{}, err
	}
	id := uuid.NewString()
	fresh := c.plans.New(id)
	done, err := c.h.Transact(ctx, origin, true, func(u *command.Unit) error {
		events, err := plan.Create(plan.Plan{}, id, account.PlatformRootID, name, currency, dailyPriceMinor, c.h.Now().UTC().Format(time.DateOnly))
		if err != nil {
			return err
		}
		c.plans.Stage(u, fresh, events...)
		return nil
	})
	if err != nil {
		return CreatedPlan{}, err
	}
	return CreatedPlan{Result: done.Of(fresh.Name, command.Result{}), PlanID: id}, nil
}

// UpdatePlan renames a plan and/or changes its daily price from the next day on (nil: as it is).
func (c *Commands) UpdatePlan(ctx context.Context, origin command.Origin, planID string, name *string, dailyPriceMinor *int64, ifRevision *uint64) (command.Result, error) {
	return c.plans.Update(ctx, origin, command.Change[plan.Plan, plan.Event]{
		ID: planID, IfRevision: ifRevision, NotFound: plan.ErrNotFound,
		Authorize: func(ctx context.Context, _ plan.Plan) error { return c.managesCatalogue(ctx, origin.Principal) },
		Decide: func(_ *command.Unit, p plan.Plan) ([]plan.Event, error) {
			var events []plan.Event
			if name != nil {
				renamed, err := p.Rename(*name)
				if err != nil {
					return nil, err
				}
				events = append(events, renamed...)
			}
			if dailyPriceMinor != nil {
				repriced, err := p.Reprice(*dailyPriceMinor, plan.NextDay(c.h.Now()))
				if err != nil {
					return nil, err
				}
				events = append(events, repriced...)
			}
			return events, nil
		},
	})
}

// ErrOwnPlan refuses an account choosing its own plans.
var ErrOwnPlan = fmt.Errorf("%w: only an account above this one puts it or its cameras on a plan", access.ErrForbidden)

// AssignPlan puts an account's cameras (cameraID "") or one camera (accountID "": its
// recorder's account) on a plan from the next day on; planID "" puts a camera back on its
// account's plan. It needs billing.manage from an account above the camera's (what a customer
// pays is its partner's or the platform's decision); a camera out of scope is not found.
func (c *Commands) AssignPlan(ctx context.Context, origin command.Origin, accountID, cameraID, planID string) (command.Result, error) {
	var recorderID string
	if cameraID != "" {
		var err error
		if recorderID, err = c.cameras.CameraRecorder(ctx, cameraID); err != nil {
			return command.Result{}, err
		}
		rec, err := c.recorders.Load(ctx, recorderID)
		if err != nil {
			return command.Result{}, err
		}
		if accountID == "" {
			accountID = rec.State.AccountID
		}
	}
	err := c.fromAbove(ctx, origin.Principal, accountID, ErrOwnPlan)
	if cameraID != "" && errors.Is(err, access.ErrOutOfScope) {
		return command.Result{}, recorder.ErrCameraNotFound
	}
	if err != nil {
		return command.Result{}, err
	}
	if planID != "" {
		if _, err := uuid.Parse(planID); err != nil {
			return command.Result{}, plan.ErrUnknownPlan
		}
	}
	var unchanged command.Result
	done, err := c.h.Transact(ctx, origin, true, func(u *command.Unit) error {
		if cameraID != "" {
			rec, err := c.recorders.LoadInto(ctx, u, recorderID)
			if err != nil {
				return err
			}
			if _, err := rec.State.Camera(cameraID); err != nil || rec.State.AccountID != accountID {
				return errors.Join(err, recorder.ErrCameraNotFound)
			}
			u.Check(rec.Name)
		}
		var p plan.Plan
		if planID != "" {
			s, err := c.plans.LoadInto(ctx, u, planID)
			if err != nil {
				return err
			}
			if !s.Exists {
				return plan.ErrUnknownPlan
			}
			u.Check(s.Name)
			p = s.State
		}
		a, err := c.assignments.LoadInto(ctx, u, accountID)
		if err != nil {
			return err
		}
		unchanged = a.Result()
		events, err := a.State.Assign(accountID, cameraID, p, plan.NextDay(c.h.Now()))
		if err != nil {
			return err
		}
		c.assignments.StageIn(u, accountID, a, events...)
		return nil
	})
	if err != nil {
		return command.Result{}, err
	}
	return done.Of(c.assignments.Stream(accountID), unchanged), nil
}
