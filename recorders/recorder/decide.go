package recorder

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/camcloud/accounts/domain/field"
)

const (
	maxNameRunes   = 100
	maxSerialRunes = 64
	// MaxCameras bounds one report: far above any NVR's channel count.
	MaxCameras = 1024
	maxChannel = 65535
)

// NormalizeSerial returns a serial number as it is stored and compared: trimmed, upper-case,
// made of letters A-Z, digits and "-", "_", ".", at most 64 of them; or a field error for
// "serial".
func NormalizeSerial(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalid("serial", "must not be empty")
	}
	if n := utf8.RuneCountInString(s); n > maxSerialRunes {
		return "", invalid("serial", fmt.Sprintf("must be at most %d characters, got %d", maxSerialRunes, n))
	}
	for _, r := range s {
		// Checked before upper-casing, which would turn "ı" into "I" and "ſ" into "S".
		if !('A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-' || r == '_' || r == '.') {
			return "", invalid("serial", fmt.Sprintf("must contain only letters A-Z, digits, '-', '_' and '.', not %q", r))
		}
	}
	return strings.ToUpper(s), nil
}

// Register is the command a recorder sends with its account's registration code. The command
// layer resolves the code to AccountID, finds or chooses RecorderID and draws the secret.
type Register struct {
	RecorderID   string
	AccountID    string
	Serial       string
	Model        string
	Firmware     string
	Name         string
	SecretDigest string
}

// Decide decides a registration on the recorder the serial names (the zero Recorder for a new
// one): a new recorder is registered; one active in the same account registers again with new
// credentials; one active in another account is refused.
func Decide(existing Recorder, cmd Register) ([]Event, error) {
	serial, err := NormalizeSerial(cmd.Serial)
	if err != nil {
		return nil, err
	}
	model, err := field.Text("model", cmd.Model, false, maxNameRunes)
	if err != nil {
		return nil, err
	}
	firmware, err := field.Text("firmware", cmd.Firmware, false, maxNameRunes)
	if err != nil {
		return nil, err
	}
	name, err := field.Text("name", cmd.Name, false, maxNameRunes)
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = serial
	}
	if cmd.SecretDigest == "" || cmd.RecorderID == "" || cmd.AccountID == "" {
		return nil, fmt.Errorf("register recorder: the command layer must choose the ID, account and secret")
	}
	switch {
	case existing.Exists && existing.Status == StatusActive && existing.AccountID != cmd.AccountID:
		return nil, ErrRegisteredElsewhere
	case existing.Exists && existing.Status == StatusActive:
		return []Event{Reregistered{RecorderID: existing.ID, AccountID: existing.AccountID, Model: model, Firmware: firmware, SecretDigest: cmd.SecretDigest}}, nil
	case existing.Exists:
		return nil, ErrDeregistered
	}
	return []Event{Registered{RecorderID: cmd.RecorderID, AccountID: cmd.AccountID, Serial: serial, Model: model,
		Firmware: firmware, Name: name, SecretDigest: cmd.SecretDigest}}, nil
}

func (r Recorder) active() error {
	switch {
	case !r.Exists:
		return ErrNotFound
	case r.Status != StatusActive:
		return ErrDeregistered
	}
	return nil
}

// Rename gives the recorder another display name.
func (r Recorder) Rename(name string) ([]Event, error) {
	if err := r.active(); err != nil {
		return nil, err
	}
	name, err := field.Text("name", name, true, maxNameRunes)
	if err != nil || name == r.Name {
		return nil, err
	}
	return []Event{Renamed{RecorderID: r.ID, AccountID: r.AccountID, Name: name}}, nil
}

// ChooseLandingFolder makes the cameras the recorder reports from now on land in folderID ("" for
// the top level); that the folder is one of the account's is the command layer's check.
func (r Recorder) ChooseLandingFolder(folderID string) ([]Event, error) {
	if err := r.active(); err != nil || folderID == r.LandingFolder {
		return nil, err
	}
	return []Event{LandingFolderChosen{RecorderID: r.ID, AccountID: r.AccountID, FolderID: folderID}}, nil
}

// Deregister takes the recorder out of its account: its credentials stop working, its cameras
// go with it.
func (r Recorder) Deregister() ([]Event, error) {
	if err := r.active(); err != nil {
		return nil, err
	}
	return []Event{Deregistered{RecorderID: r.ID, AccountID: r.AccountID}}, nil
}

// Reported is one camera of a recorder's report.
type Reported struct {
	Channel    int
	Name       string
	Model      string
	HardwareID string
}

// Landing says where and when the cameras a report discovers appear: their stable IDs (the
// command layer derives them from the recorder's ID and the hardware ID), the folder of the item
// tree they land in ("" for the top level; the command layer passes the recorder's landing folder
// while it is in the tree), and the day (YYYY-MM-DD, UTC) they were first seen, before which no
// usage of theirs is taken.
type Landing struct {
	CameraID func(hardwareID string) string
	Folder   string
	Day      string
}

// Report decides a recorder's full list of cameras. Cameras a user removed stay removed.
func (r Recorder) Report(cameras []Reported, landing Landing) ([]Event, error) {
	if err := r.active(); err != nil {
		return nil, err
	}
	if len(cameras) > MaxCameras {
		return nil, invalid("cameras", fmt.Sprintf("must list at most %d cameras, got %d", MaxCameras, len(cameras)))
	}
	byHardware := make(map[string]Camera, len(r.Cameras))
	for _, c := range r.Cameras {
		byHardware[c.HardwareID] = c
	}
	seen := make(map[string]bool, len(cameras))
	channels := make(map[int]int, len(cameras)) // channel -> the index that reported it
	var events []Event
	for i, reported := range cameras {
		at := fmt.Sprintf("cameras[%d].", i)
		hw, err := field.Text(at+"hardware_id", reported.HardwareID, true, maxNameRunes)
		if err != nil {
			return nil, err
		}
		if seen[hw] {
			return nil, invalid(at+"hardware_id", fmt.Sprintf("%q is listed twice", hw))
		}
		seen[hw] = true
		if reported.Channel < 0 || reported.Channel > maxChannel {
			return nil, invalid(at+"channel", fmt.Sprintf("must be from 0 to %d", maxChannel))
		}
		// A recorder's input is one camera's; 0 is a camera on no numbered input (an IP camera).
		if first, taken := channels[reported.Channel]; taken && reported.Channel > 0 {
			return nil, invalid(at+"channel", fmt.Sprintf("%d is cameras[%d]'s too", reported.Channel, first))
		}
		channels[reported.Channel] = i
		name, err := field.Text(at+"name", reported.Name, false, maxNameRunes)
		if err != nil {
			return nil, err
		}
		if name == "" {
			name = fmt.Sprintf("Camera %d", reported.Channel)
		}
		model, err := field.Text(at+"model", reported.Model, false, maxNameRunes)
		if err != nil {
			return nil, err
		}
		known, ok := byHardware[hw]
		switch {
		case !ok:
			events = append(events, CameraDiscovered{RecorderID: r.ID, AccountID: r.AccountID, CameraID: landing.CameraID(hw),
				HardwareID: hw, Channel: reported.Channel, Name: name, Model: model, FolderID: landing.Folder, Day: landing.Day})
			continue
		case known.Removed:
			continue
		}
		if known.Channel != reported.Channel || known.Model != model || known.ReportedName != name {
			events = append(events, CameraChanged{RecorderID: r.ID, AccountID: r.AccountID, CameraID: known.ID,
				Channel: reported.Channel, Name: name, Model: model})
		}
		if !known.Online {
			events = append(events, CameraCameOnline{RecorderID: r.ID, AccountID: r.AccountID, CameraID: known.ID})
		}
	}
	for _, c := range r.Live() {
		if c.Online && !seen[c.HardwareID] {
			events = append(events, CameraWentOffline{RecorderID: r.ID, AccountID: r.AccountID, CameraID: c.ID})
		}
	}
	return events, nil
}

func (r Recorder) camera(cameraID string) (Camera, error) {
	if err := r.active(); err != nil {
		return Camera{}, err
	}
	c, ok := r.Cameras[cameraID]
	if !ok || c.Removed {
		return Camera{}, ErrCameraNotFound
	}
	return c, nil
}

// RenameCamera gives a camera the name users see; later reports no longer change it.
func (r Recorder) RenameCamera(cameraID, name string) ([]Event, error) {
	c, err := r.camera(cameraID)
	if err != nil {
		return nil, err
	}
	name, err = field.Text("name", name, true, maxNameRunes)
	if err != nil || (name == c.Name && c.Renamed) {
		return nil, err
	}
	return []Event{CameraRenamed{RecorderID: r.ID, AccountID: r.AccountID, CameraID: c.ID, Name: name}}, nil
}

// RemoveCamera removes a camera from the account's tree for good.
func (r Recorder) RemoveCamera(cameraID string) ([]Event, error) {
	c, err := r.camera(cameraID)
	if err != nil {
		return nil, err
	}
	return []Event{CameraRemoved{RecorderID: r.ID, AccountID: r.AccountID, CameraID: c.ID}}, nil
}

// Camera returns a live camera of the recorder.
func (r Recorder) Camera(cameraID string) (Camera, error) { return r.camera(cameraID) }
