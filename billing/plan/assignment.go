package plan

// Assigned: from EffectiveFrom on, the account's cameras (or one camera, when CameraID is set)
// are on PlanID. An empty PlanID for a camera puts it back on its account's plan.
type Assigned struct {
	AccountID     string `json:"account_id"`
	CameraID      string `json:"camera_id,omitempty"`
	PlanID        string `json:"plan_id"`
	EffectiveFrom string `json:"effective_from"`
}

func (Assigned) EventType() string { return "plan.assigned.v1" }

// Assignments is an account's plan assignments stream, folded: the plan its cameras are on (by
// default, and per camera) as of the last change.
type Assignments struct {
	AccountID string
	Default   string
	Cameras   map[string]string
}

// Apply returns the assignments after e.
func (a Assignments) Apply(e Event) Assignments {
	if e, ok := e.(Assigned); ok {
		a.AccountID = e.AccountID
		if e.CameraID == "" {
			a.Default = e.PlanID
			return a
		}
		cameras := make(map[string]string, len(a.Cameras)+1)
		for k, v := range a.Cameras {
			cameras[k] = v
		}
		if e.PlanID == "" {
			delete(cameras, e.CameraID)
		} else {
			cameras[e.CameraID] = e.PlanID
		}
		a.Cameras = cameras
	}
	return a
}

// Assign decides putting the account's cameras (cameraID "") or one camera on plan p from
// effectiveFrom on. p must exist (or be the zero Plan with planID "" for a camera going back to
// its account's plan).
func (a Assignments) Assign(accountID, cameraID string, p Plan, effectiveFrom string) ([]Event, error) {
	if p.ID != "" && !p.Exists || p.ID == "" && cameraID == "" {
		return nil, ErrUnknownPlan
	}
	current := a.Default
	if cameraID != "" {
		current = a.Cameras[cameraID]
	}
	if current == p.ID {
		return nil, nil
	}
	return []Event{Assigned{AccountID: accountID, CameraID: cameraID, PlanID: p.ID, EffectiveFrom: effectiveFrom}}, nil
}

// Events returns a zero value of every event type of this package, to register with a codec.
func Events() []Event { return []Event{Created{}, Repriced{}, Renamed{}, Assigned{}} }
