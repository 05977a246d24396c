// Package recorder holds the Recorder aggregate: an NVR registered into an account with the
// account's registration code, its credentials (only a digest of the secret), and the cameras it
// reports. A report is a full list: cameras that appear are discovered, cameras that vanish go
// offline (never deleted by a report), cameras that come back go online again. Users rename and
// remove cameras; a camera's ID is ours and stable (derived from the recorder and the camera's
// hardware ID), so a camera reported again is the same camera.
//
// The package is pure: decisions are functions from the folded state and a command to events or
// a typed error.
package recorder

import (
	"slices"
	"strings"
)

// Status is a recorder's life cycle.
type Status string

const (
	// StatusActive: registered; its credentials work.
	StatusActive Status = "active"
	// StatusDeregistered: taken out of its account; its credentials stop working, its serial is
	// free to register again (into any account, as a new recorder).
	StatusDeregistered Status = "deregistered"
)

// Recorder is the state of one recorder, folded from its stream. The zero value is a recorder
// that does not exist.
type Recorder struct {
	ID           string
	AccountID    string
	Serial       string
	Model        string
	Firmware     string
	Name         string
	SecretDigest string // hex SHA-256 of the current secret
	Status       Status
	// LandingFolder is where the cameras it reports first land in the item tree ("": the top).
	LandingFolder string
	Cameras       map[string]Camera // by camera ID
	Exists        bool
}

// Camera is a camera as its recorder knows it.
type Camera struct {
	ID         string
	HardwareID string
	Channel    int
	Model      string
	// ReportedName is the name the recorder gives it; Name is the one shown, the reported one
	// until a user renames the camera.
	ReportedName string
	Name         string
	Renamed      bool
	Online       bool
	Removed      bool
	// Since is the day it was first seen (YYYY-MM-DD); "" when not recorded.
	Since string
}

// Apply returns the state after e. The state's camera map is copied before it changes, so a
// state kept by a caller never changes under it.
func (r Recorder) Apply(e Event) Recorder {
	switch e := e.(type) {
	case Registered:
		return Recorder{ID: e.RecorderID, AccountID: e.AccountID, Serial: e.Serial, Model: e.Model, Firmware: e.Firmware,
			Name: e.Name, SecretDigest: e.SecretDigest, Status: StatusActive, Cameras: map[string]Camera{}, Exists: true}
	case Reregistered:
		r.Model, r.Firmware, r.SecretDigest, r.Status = e.Model, e.Firmware, e.SecretDigest, StatusActive
	case Renamed:
		r.Name = e.Name
	case LandingFolderChosen:
		r.LandingFolder = e.FolderID
	case Deregistered:
		r.Status, r.SecretDigest = StatusDeregistered, ""
	case CameraDiscovered:
		r.Cameras = cloned(r.Cameras)
		r.Cameras[e.CameraID] = Camera{ID: e.CameraID, HardwareID: e.HardwareID, Channel: e.Channel, Model: e.Model,
			ReportedName: e.Name, Name: e.Name, Online: true, Since: e.Day}
	case CameraChanged:
		r.Cameras = cloned(r.Cameras)
		c := r.Cameras[e.CameraID]
		c.Channel, c.Model, c.ReportedName = e.Channel, e.Model, e.Name
		if !c.Renamed {
			c.Name = e.Name
		}
		r.Cameras[e.CameraID] = c
	case CameraWentOffline:
		r.Cameras = cloned(r.Cameras)
		c := r.Cameras[e.CameraID]
		c.Online = false
		r.Cameras[e.CameraID] = c
	case CameraCameOnline:
		r.Cameras = cloned(r.Cameras)
		c := r.Cameras[e.CameraID]
		c.Online = true
		r.Cameras[e.CameraID] = c
	case CameraRenamed:
		r.Cameras = cloned(r.Cameras)
		c := r.Cameras[e.CameraID]
		c.Name, c.Renamed = e.Name, true
		r.Cameras[e.CameraID] = c
	case CameraRemoved:
		r.Cameras = cloned(r.Cameras)
		c := r.Cameras[e.CameraID]
		c.Removed, c.Online = true, false
		r.Cameras[e.CameraID] = c
	}
	return r
}

func cloned(m map[string]Camera) map[string]Camera {
	out := make(map[string]Camera, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Live returns the cameras not removed, ordered by channel, then hardware ID.
func (r Recorder) Live() []Camera {
	var out []Camera
	for _, c := range r.Cameras {
		if !c.Removed {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b Camera) int {
		if a.Channel != b.Channel {
			return a.Channel - b.Channel
		}
		return strings.Compare(a.HardwareID, b.HardwareID)
	})
	return out
}
