package recorder

// Event is a fact about a recorder or one of its cameras. Every event names the account it
// belongs to, so that an auditor replaying an account's history finds its recorders' events.
type Event interface {
	EventType() string
}

// Registered starts a recorder's stream: it joined AccountID with serial Serial.
type Registered struct {
	RecorderID   string `json:"recorder_id"`
	AccountID    string `json:"account_id"`
	Serial       string `json:"serial"`
	Model        string `json:"model"`
	Firmware     string `json:"firmware"`
	Name         string `json:"name"`
	SecretDigest string `json:"secret_digest"` // hex SHA-256 of a 256-bit random secret; never the secret
}

// Reregistered: the recorder registered again into its account (a reset, a replaced disk): new
// credentials, the old secret stops working; its model and firmware as it reports them now.
type Reregistered struct {
	RecorderID   string `json:"recorder_id"`
	AccountID    string `json:"account_id"`
	Model        string `json:"model"`
	Firmware     string `json:"firmware"`
	SecretDigest string `json:"secret_digest"`
}

// Renamed: a user renamed the recorder.
type Renamed struct {
	RecorderID string `json:"recorder_id"`
	AccountID  string `json:"account_id"`
	Name       string `json:"name"`
}

// Deregistered: a user took the recorder out of its account.
type Deregistered struct {
	RecorderID string `json:"recorder_id"`
	AccountID  string `json:"account_id"`
}

// LandingFolderChosen: the cameras the recorder reports from now on land in FolderID of the
// account's item tree ("" for the top level).
type LandingFolderChosen struct {
	RecorderID string `json:"recorder_id"`
	AccountID  string `json:"account_id"`
	FolderID   string `json:"folder_id"`
}

// CameraDiscovered: the recorder reported a camera it had not reported before.
type CameraDiscovered struct {
	RecorderID string `json:"recorder_id"`
	AccountID  string `json:"account_id"`
	CameraID   string `json:"camera_id"`
	HardwareID string `json:"hardware_id"`
	Channel    int    `json:"channel"`
	Name       string `json:"name"`
	Model      string `json:"model"`
	// FolderID is the folder of the item tree it lands in ("" for the top level).
	FolderID string `json:"folder_id,omitempty"`
	// Day is the day (YYYY-MM-DD, UTC) it was first seen; "" in events recorded before it was.
	Day string `json:"day,omitempty"`
}

// CameraChanged: the recorder reports a known camera on another channel, with another model or
// under another name.
type CameraChanged struct {
	RecorderID string `json:"recorder_id"`
	AccountID  string `json:"account_id"`
	CameraID   string `json:"camera_id"`
	Channel    int    `json:"channel"`
	Name       string `json:"name"`
	Model      string `json:"model"`
}

// CameraWentOffline: a report no longer lists the camera.
type CameraWentOffline struct {
	RecorderID string `json:"recorder_id"`
	AccountID  string `json:"account_id"`
	CameraID   string `json:"camera_id"`
}

// CameraCameOnline: a report lists an offline camera again.
type CameraCameOnline struct {
	RecorderID string `json:"recorder_id"`
	AccountID  string `json:"account_id"`
	CameraID   string `json:"camera_id"`
}

// CameraRenamed: a user renamed the camera; reports no longer change its name.
type CameraRenamed struct {
	RecorderID string `json:"recorder_id"`
	AccountID  string `json:"account_id"`
	CameraID   string `json:"camera_id"`
	Name       string `json:"name"`
}

// CameraRemoved: a user removed the camera. It stays removed, also when the recorder reports it
// again: a user's decision is not undone by a device.
type CameraRemoved struct {
	RecorderID string `json:"recorder_id"`
	AccountID  string `json:"account_id"`
	CameraID   string `json:"camera_id"`
}

func (Registered) EventType() string          { return "recorder.registered.v1" }
func (Reregistered) EventType() string        { return "recorder.reregistered.v1" }
func (Renamed) EventType() string             { return "recorder.renamed.v1" }
func (Deregistered) EventType() string        { return "recorder.deregistered.v1" }
func (LandingFolderChosen) EventType() string { return "recorder.landing-folder-chosen.v1" }
func (CameraDiscovered) EventType() string    { return "recorder.camera-discovered.v1" }
func (CameraChanged) EventType() string       { return "recorder.camera-changed.v1" }
func (CameraWentOffline) EventType() string   { return "recorder.camera-went-offline.v1" }
func (CameraCameOnline) EventType() string    { return "recorder.camera-came-online.v1" }
func (CameraRenamed) EventType() string       { return "recorder.camera-renamed.v1" }
func (CameraRemoved) EventType() string       { return "recorder.camera-removed.v1" }

// Events returns a zero value of every event type of this package, to register with a codec.
func Events() []Event {
	return []Event{Registered{}, Reregistered{}, Renamed{}, Deregistered{}, LandingFolderChosen{}, CameraDiscovered{}, CameraChanged{},
		CameraWentOffline{}, CameraCameOnline{}, CameraRenamed{}, CameraRemoved{}}
}
