package recorder_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/camcloud/accounts/domain/domaintest"
	"github.com/camcloud/accounts/domain/field"
	"github.com/camcloud/accounts/recorders/recorder"
)

// rule is one business rule of the recorder aggregate (domaintest.Rule).
type rule = domaintest.Rule[recorder.Recorder, recorder.Event]

// refused is the error a rule expects when the command is invalid in field.
func refused(field string) error { return domaintest.Refused(field) }

// given folds a recorder's stream into its state.
func given(events ...recorder.Event) recorder.Recorder {
	return domaintest.Fold(recorder.Recorder.Apply, events...)
}

func history(events ...recorder.Event) []recorder.Event { return events }

func check(t *testing.T, rules []rule) {
	t.Helper()
	domaintest.Check(t, recorder.Recorder.Apply, rules)
}

// cameraID is the command layer's stable camera ID: derived from the recorder and the hardware ID.
func cameraID(hardwareID string) string { return "rec-1/" + hardwareID }

var (
	registered = recorder.Registered{
		RecorderID: "rec-1", AccountID: "acme", Serial: "NVR-0001", Model: "DS-7608", Firmware: "4.1.0",
		Name: "Lobby NVR", SecretDigest: "digest-1",
	}
	reregistered = recorder.Reregistered{
		RecorderID: "rec-1", AccountID: "acme", Model: "DS-7608", Firmware: "4.2.0", SecretDigest: "digest-2",
	}
	renamed      = recorder.Renamed{RecorderID: "rec-1", AccountID: "acme", Name: "Reception NVR"}
	deregistered = recorder.Deregistered{RecorderID: "rec-1", AccountID: "acme"}

	frontDoor = recorder.Reported{Channel: 1, Name: "Front door", Model: "DS-2CD2143", HardwareID: "HW-A"}
	backYard  = recorder.Reported{Channel: 2, Name: "Back yard", Model: "DS-2CD2143", HardwareID: "HW-B"}

	frontDiscovered = recorder.CameraDiscovered{
		RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-A", HardwareID: "HW-A", Channel: 1,
		Name: "Front door", Model: "DS-2CD2143",
	}
	backDiscovered = recorder.CameraDiscovered{
		RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-B", HardwareID: "HW-B", Channel: 2,
		Name: "Back yard", Model: "DS-2CD2143",
	}
	frontOffline  = recorder.CameraWentOffline{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-A"}
	backOffline   = recorder.CameraWentOffline{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-B"}
	backOnline    = recorder.CameraCameOnline{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-B"}
	frontRenamed  = recorder.CameraRenamed{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-A", Name: "Main entrance"}
	backRemoved   = recorder.CameraRemoved{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-B"}
	frontRemoved  = recorder.CameraRemoved{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-A"}
	withTwoCamera = history(registered, frontDiscovered, backDiscovered)
)

// withCameras returns the recorder's history followed by more events.
func withCameras(more ...recorder.Event) []recorder.Event {
	return append(append([]recorder.Event{}, withTwoCamera...), more...)
}

// newRegistration is a valid registration of serial NVR-0001 into Acme; edits make it otherwise.
func newRegistration(edits ...func(*recorder.Register)) recorder.Register {
	cmd := recorder.Register{
		RecorderID: "rec-1", AccountID: "acme", Serial: "NVR-0001", Model: "DS-7608", Firmware: "4.1.0",
		Name: "Lobby NVR", SecretDigest: "digest-1",
	}
	for _, edit := range edits {
		edit(&cmd)
	}
	return cmd
}

func register(cmd recorder.Register) func(recorder.Recorder) ([]recorder.Event, error) {
	return func(existing recorder.Recorder) ([]recorder.Event, error) { return recorder.Decide(existing, cmd) }
}

func rename(name string) func(recorder.Recorder) ([]recorder.Event, error) {
	return func(r recorder.Recorder) ([]recorder.Event, error) { return r.Rename(name) }
}

func deregister(r recorder.Recorder) ([]recorder.Event, error) { return r.Deregister() }

func report(cameras ...recorder.Reported) func(recorder.Recorder) ([]recorder.Event, error) {
	return func(r recorder.Recorder) ([]recorder.Event, error) {
		return r.Report(cameras, recorder.Landing{CameraID: cameraID})
	}
}

func renameCamera(id, name string) func(recorder.Recorder) ([]recorder.Event, error) {
	return func(r recorder.Recorder) ([]recorder.Event, error) { return r.RenameCamera(id, name) }
}

func removeCamera(id string) func(recorder.Recorder) ([]recorder.Event, error) {
	return func(r recorder.Recorder) ([]recorder.Event, error) { return r.RemoveCamera(id) }
}

// reported returns the camera as the recorder reports it, edited.
func reported(c recorder.Reported, edit func(*recorder.Reported)) recorder.Reported {
	edit(&c)
	return c
}

// manyCameras returns a report of n cameras, and the events discovering them on a new recorder.
func manyCameras(n int) ([]recorder.Reported, []recorder.Event) {
	var cameras []recorder.Reported
	var events []recorder.Event
	for i := range n {
		hw := fmt.Sprintf("HW-%04d", i)
		cameras = append(cameras, recorder.Reported{Channel: i, Name: "Cam", Model: "M", HardwareID: hw})
		events = append(events, recorder.CameraDiscovered{RecorderID: "rec-1", AccountID: "acme", CameraID: cameraID(hw),
			HardwareID: hw, Channel: i, Name: "Cam", Model: "M"})
	}
	return cameras, events
}

func TestRegister(t *testing.T) {
	check(t, []rule{
		{
			Name: "a recorder with a new serial is registered into the account",
			When: register(newRegistration()),
			Then: history(registered),
		},
		{
			Name: "the serial is stored trimmed and in upper case",
			When: register(newRegistration(func(c *recorder.Register) { c.Serial = "  nvr-0001\t" })),
			Then: history(registered),
		},
		{
			Name: "the model, firmware and name are stored trimmed",
			When: register(newRegistration(func(c *recorder.Register) {
				c.Model, c.Firmware, c.Name = " DS-7608 ", "\t4.1.0", "Lobby NVR\n"
			})),
			Then: history(registered),
		},
		{
			Name: "a recorder registered without a name is named after its serial",
			When: register(newRegistration(func(c *recorder.Register) { c.Serial, c.Name = "nvr-0001", "" })),
			Then: history(recorder.Registered{
				RecorderID: "rec-1", AccountID: "acme", Serial: "NVR-0001", Model: "DS-7608", Firmware: "4.1.0",
				Name: "NVR-0001", SecretDigest: "digest-1",
			}),
		},
		{
			Name: "a name of white space only is no name: the serial stands in",
			When: register(newRegistration(func(c *recorder.Register) { c.Name = " \t " })),
			Then: history(recorder.Registered{
				RecorderID: "rec-1", AccountID: "acme", Serial: "NVR-0001", Model: "DS-7608", Firmware: "4.1.0",
				Name: "NVR-0001", SecretDigest: "digest-1",
			}),
		},
		{
			Name: "a recorder may not say its model and firmware",
			When: register(newRegistration(func(c *recorder.Register) { c.Model, c.Firmware = "", "" })),
			Then: history(recorder.Registered{
				RecorderID: "rec-1", AccountID: "acme", Serial: "NVR-0001", Name: "Lobby NVR", SecretDigest: "digest-1",
			}),
		},
		{
			Name: "a serial of 64 characters with digits, '-', '_' and '.' is accepted",
			When: register(newRegistration(func(c *recorder.Register) { c.Serial = "a_b.c-" + strings.Repeat("9", 58) })),
			Then: history(recorder.Registered{
				RecorderID: "rec-1", AccountID: "acme", Serial: "A_B.C-" + strings.Repeat("9", 58), Model: "DS-7608",
				Firmware: "4.1.0", Name: "Lobby NVR", SecretDigest: "digest-1",
			}),
		},
		{
			Name:    "a serial of 65 characters is refused",
			When:    register(newRegistration(func(c *recorder.Register) { c.Serial = strings.Repeat("A", 65) })),
			ThenErr: refused("serial"),
		},
		{
			Name:    "a recorder needs a serial",
			When:    register(newRegistration(func(c *recorder.Register) { c.Serial = "" })),
			ThenErr: refused("serial"),
		},
		{
			Name:    "a serial of white space only is no serial",
			When:    register(newRegistration(func(c *recorder.Register) { c.Serial = " \t\n" })),
			ThenErr: refused("serial"),
		},
		{
			Name:    "a serial with a space inside is refused",
			When:    register(newRegistration(func(c *recorder.Register) { c.Serial = "NVR 0001" })),
			ThenErr: refused("serial"),
		},
		{
			Name:    "a serial with a slash is refused",
			When:    register(newRegistration(func(c *recorder.Register) { c.Serial = "NVR/0001" })),
			ThenErr: refused("serial"),
		},
		{
			Name:    "a serial with a letter outside A-Z is refused",
			When:    register(newRegistration(func(c *recorder.Register) { c.Serial = "NVR-Ä001" })),
			ThenErr: refused("serial"),
		},
		{
			Name:    "a serial with a dotless i is refused, not upper-cased into a look-alike of I",
			When:    register(newRegistration(func(c *recorder.Register) { c.Serial = "nvrı-0001" })),
			ThenErr: refused("serial"),
		},
		{
			Name:    "a serial with a long s is refused, not upper-cased into a look-alike of S",
			When:    register(newRegistration(func(c *recorder.Register) { c.Serial = "ſn-0001" })),
			ThenErr: refused("serial"),
		},
		{
			Name:    "a serial with a control character is refused",
			When:    register(newRegistration(func(c *recorder.Register) { c.Serial = "NVR\x00-0001" })),
			ThenErr: refused("serial"),
		},
		{
			Name:    "a model of 101 characters is refused",
			When:    register(newRegistration(func(c *recorder.Register) { c.Model = strings.Repeat("m", 101) })),
			ThenErr: refused("model"),
		},
		{
			Name:    "a firmware of 101 characters is refused",
			When:    register(newRegistration(func(c *recorder.Register) { c.Firmware = strings.Repeat("1", 101) })),
			ThenErr: refused("firmware"),
		},
		{
			Name:    "a name of 101 characters is refused",
			When:    register(newRegistration(func(c *recorder.Register) { c.Name = strings.Repeat("n", 101) })),
			ThenErr: refused("name"),
		},
		{
			Name:    "a name with a line break is refused",
			When:    register(newRegistration(func(c *recorder.Register) { c.Name = "Lobby\nNVR" })),
			ThenErr: refused("name"),
		},
		{
			Name:  "a recorder registering again into its account gets new credentials",
			Given: history(registered),
			When: register(newRegistration(func(c *recorder.Register) {
				c.Firmware, c.SecretDigest = "4.2.0", "digest-2"
			})),
			Then: history(reregistered),
		},
		{
			Name:  "registering again keeps the recorder's ID and the name users gave it",
			Given: history(registered, renamed),
			When: register(newRegistration(func(c *recorder.Register) {
				c.RecorderID, c.Serial, c.Name, c.Firmware, c.SecretDigest = "rec-new", "nvr-0001", "Other", "4.2.0", "digest-2"
			})),
			Then: history(reregistered),
		},
		{
			Name:    "a recorder active in another account is refused",
			Given:   history(registered),
			When:    register(newRegistration(func(c *recorder.Register) { c.AccountID = "globex" })),
			ThenErr: recorder.ErrRegisteredElsewhere,
		},
		{
			Name:    "a deregistered recorder does not register again",
			Given:   history(registered, deregistered),
			When:    register(newRegistration()),
			ThenErr: recorder.ErrDeregistered,
		},
		{
			Name:    "a deregistered recorder does not register again in another account either",
			Given:   history(registered, deregistered),
			When:    register(newRegistration(func(c *recorder.Register) { c.AccountID = "globex" })),
			ThenErr: recorder.ErrDeregistered,
		},
		{
			Name:    "the serial is checked before anything else",
			Given:   history(registered),
			When:    register(newRegistration(func(c *recorder.Register) { c.Serial, c.AccountID = "", "globex" })),
			ThenErr: refused("serial"),
		},
	})
}

// The command layer must choose the ID, account and secret: without them nothing is decided, and
// the error is not blamed on the recorder's input.
func TestRegisterNeedsWhatTheCommandLayerChooses(t *testing.T) {
	for name, edit := range map[string]func(*recorder.Register){
		"no recorder ID": func(c *recorder.Register) { c.RecorderID = "" },
		"no account":     func(c *recorder.Register) { c.AccountID = "" },
		"no secret":      func(c *recorder.Register) { c.SecretDigest = "" },
	} {
		t.Run(name, func(t *testing.T) {
			events, err := recorder.Decide(recorder.Recorder{}, newRegistration(edit))
			if err == nil || events != nil {
				t.Fatalf("Decide = %#v, %v; want an error", events, err)
			}
			if errors.Is(err, field.ErrInvalid) {
				t.Errorf("error = %v, want it not to blame the input", err)
			}
		})
	}
}

func TestNormalizeSerial(t *testing.T) {
	for in, want := range map[string]string{
		"nvr-0001":       "NVR-0001",
		" Ab_9.z ":       "AB_9.Z",
		"0123456789":     "0123456789",
		"\tSERIAL-X\r\n": "SERIAL-X",
	} {
		got, err := recorder.NormalizeSerial(in)
		if err != nil || got != want {
			t.Errorf("NormalizeSerial(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "  ", "NVR 1", "NVR+1", "nvr-é", "nvrı", "ſ", "\u212a", strings.Repeat("9", 65)} {
		if got, err := recorder.NormalizeSerial(in); err == nil {
			t.Errorf("NormalizeSerial(%q) = %q, want an error", in, got)
		} else {
			domaintest.AssertError(t, err, refused("serial"))
		}
	}
}

func TestRegisteredState(t *testing.T) {
	r := given(registered)
	want := recorder.Recorder{
		ID: "rec-1", AccountID: "acme", Serial: "NVR-0001", Model: "DS-7608", Firmware: "4.1.0", Name: "Lobby NVR",
		SecretDigest: "digest-1", Status: recorder.StatusActive, Cameras: map[string]recorder.Camera{}, Exists: true,
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("state =\n\t%#v\nwant\n\t%#v", r, want)
	}

	r = given(registered, frontDiscovered, reregistered)
	if r.SecretDigest != "digest-2" || r.Firmware != "4.2.0" || r.Status != recorder.StatusActive || r.Name != "Lobby NVR" {
		t.Errorf("after re-registration: %#v, want the new digest and firmware, the name kept", r)
	}
	if _, err := r.Camera("rec-1/HW-A"); err != nil {
		t.Errorf("after re-registration the camera is gone: %v", err)
	}

	r = given(registered, deregistered)
	if r.Status != recorder.StatusDeregistered || r.SecretDigest != "" || !r.Exists {
		t.Errorf("after deregistration: %#v, want it deregistered without credentials", r)
	}
}

func TestRename(t *testing.T) {
	check(t, []rule{
		{
			Name:  "a user renames the recorder",
			Given: history(registered),
			When:  rename("Reception NVR"),
			Then:  history(renamed),
		},
		{
			Name:  "the name is stored trimmed",
			Given: history(registered),
			When:  rename("  Reception NVR\t"),
			Then:  history(renamed),
		},
		{
			Name:  "renaming to the same name changes nothing",
			Given: history(registered),
			When:  rename(" Lobby NVR "),
		},
		{
			Name:  "renaming to another case of the name is a rename",
			Given: history(registered),
			When:  rename("LOBBY NVR"),
			Then:  history(recorder.Renamed{RecorderID: "rec-1", AccountID: "acme", Name: "LOBBY NVR"}),
		},
		{
			Name:    "a recorder needs a name",
			Given:   history(registered),
			When:    rename(""),
			ThenErr: refused("name"),
		},
		{
			Name:    "a name of white space only is refused",
			Given:   history(registered),
			When:    rename(" \t "),
			ThenErr: refused("name"),
		},
		{
			Name:    "a name of 101 characters is refused",
			Given:   history(registered),
			When:    rename(strings.Repeat("x", 101)),
			ThenErr: refused("name"),
		},
		{
			Name:    "a deregistered recorder is not renamed",
			Given:   history(registered, deregistered),
			When:    rename("Reception NVR"),
			ThenErr: recorder.ErrDeregistered,
		},
		{
			Name:    "the state is checked before the content: a deregistered recorder wins over a bad name",
			Given:   history(registered, deregistered),
			When:    rename(""),
			ThenErr: recorder.ErrDeregistered,
		},
		{
			Name:    "a recorder that does not exist is not renamed",
			When:    rename("Reception NVR"),
			ThenErr: recorder.ErrNotFound,
		},
	})
}

func TestDeregister(t *testing.T) {
	check(t, []rule{
		{
			Name:  "a user takes the recorder out of its account",
			Given: history(registered),
			When:  deregister,
			Then:  history(deregistered),
		},
		{
			Name:  "a recorder with cameras is deregistered with one event",
			Given: withCameras(frontRenamed, backRemoved),
			When:  deregister,
			Then:  history(deregistered),
		},
		{
			Name:  "a recorder that registered again is deregistered",
			Given: history(registered, reregistered),
			When:  deregister,
			Then:  history(deregistered),
		},
		{
			Name:    "a recorder is deregistered once",
			Given:   history(registered, deregistered),
			When:    deregister,
			ThenErr: recorder.ErrDeregistered,
		},
		{
			Name:    "a recorder that does not exist is not deregistered",
			When:    deregister,
			ThenErr: recorder.ErrNotFound,
		},
	})
}

func TestChooseLandingFolder(t *testing.T) {
	choose := func(folder string) func(recorder.Recorder) ([]recorder.Event, error) {
		return func(r recorder.Recorder) ([]recorder.Event, error) { return r.ChooseLandingFolder(folder) }
	}
	chosen := recorder.LandingFolderChosen{RecorderID: "rec-1", AccountID: "acme", FolderID: "folder-1"}
	check(t, []rule{
		{Name: "a user chooses where the recorder's new cameras land", Given: history(registered), When: choose("folder-1"), Then: history(chosen)},
		{Name: "the folder it has already changes nothing", Given: history(registered, chosen), When: choose("folder-1")},
		{Name: "back to the top level", Given: history(registered, chosen), When: choose(""),
			Then: history(recorder.LandingFolderChosen{RecorderID: "rec-1", AccountID: "acme"})},
		{Name: "not for a deregistered recorder", Given: history(registered, deregistered), When: choose("folder-1"), ThenErr: recorder.ErrDeregistered},
	})
	if got := given(registered, chosen).LandingFolder; got != "folder-1" {
		t.Errorf("landing folder %q after the choice", got)
	}
}

func TestReport(t *testing.T) {
	many, manyDiscovered := manyCameras(recorder.MaxCameras)
	tooMany, _ := manyCameras(recorder.MaxCameras + 1)
	check(t, []rule{
		{
			Name:  "the first report of a recorder discovers its cameras, with IDs the command layer derives",
			Given: history(registered),
			When:  report(frontDoor, backYard),
			Then:  history(frontDiscovered, backDiscovered),
		},
		{
			Name:  "a report of no cameras on a recorder without any changes nothing",
			Given: history(registered),
			When:  report(),
		},
		{
			Name:  "the same report again changes nothing",
			Given: withCameras(),
			When:  report(backYard, frontDoor),
		},
		{
			Name:  "a camera the recorder did not report before is discovered beside the known ones",
			Given: history(registered, frontDiscovered),
			When:  report(frontDoor, backYard),
			Then:  history(backDiscovered),
		},
		{
			Name:  "the reported fields are stored trimmed",
			Given: history(registered),
			When:  report(recorder.Reported{Channel: 1, Name: " Front door ", Model: "\tDS-2CD2143", HardwareID: " HW-A "}),
			Then:  history(frontDiscovered),
		},
		{
			Name:  "a camera reported without a name is called after its channel",
			Given: history(registered),
			When:  report(reported(frontDoor, func(c *recorder.Reported) { c.Channel, c.Name = 7, "" })),
			Then: history(recorder.CameraDiscovered{
				RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-A", HardwareID: "HW-A", Channel: 7,
				Name: "Camera 7", Model: "DS-2CD2143",
			}),
		},
		{
			Name:  "a camera reported without a model is discovered without one",
			Given: history(registered),
			When:  report(reported(frontDoor, func(c *recorder.Reported) { c.Model = "" })),
			Then: history(recorder.CameraDiscovered{
				RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-A", HardwareID: "HW-A", Channel: 1,
				Name: "Front door",
			}),
		},
		{
			Name:  "channel 0 and channel 65535 are channels",
			Given: history(registered),
			When: report(
				reported(frontDoor, func(c *recorder.Reported) { c.Channel = 0 }),
				reported(backYard, func(c *recorder.Reported) { c.Channel = 65535 }),
			),
			Then: history(
				recorder.CameraDiscovered{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-A", HardwareID: "HW-A",
					Channel: 0, Name: "Front door", Model: "DS-2CD2143"},
				recorder.CameraDiscovered{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-B", HardwareID: "HW-B",
					Channel: 65535, Name: "Back yard", Model: "DS-2CD2143"},
			),
		},
		{
			Name:  "given a recorder with two cameras, when a report lists only one, then the other goes offline",
			Given: withCameras(),
			When:  report(frontDoor),
			Then:  history(backOffline),
		},
		{
			Name:  "when a report lists no cameras, then every camera goes offline, in channel order",
			Given: withCameras(),
			When:  report(),
			Then:  history(frontOffline, backOffline),
		},
		{
			Name:  "a camera that went offline does not go offline again",
			Given: withCameras(backOffline),
			When:  report(frontDoor),
		},
		{
			Name:  "a camera listed again comes online",
			Given: withCameras(backOffline),
			When:  report(frontDoor, backYard),
			Then:  history(backOnline),
		},
		{
			Name:  "a camera that comes back on another channel is changed and comes online",
			Given: withCameras(backOffline),
			When:  report(frontDoor, reported(backYard, func(c *recorder.Reported) { c.Channel = 9 })),
			Then: history(
				recorder.CameraChanged{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-B", Channel: 9,
					Name: "Back yard", Model: "DS-2CD2143"},
				backOnline,
			),
		},
		{
			Name:  "a camera on another channel is changed",
			Given: withCameras(),
			When:  report(reported(frontDoor, func(c *recorder.Reported) { c.Channel = 5 }), backYard),
			Then: history(recorder.CameraChanged{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-A", Channel: 5,
				Name: "Front door", Model: "DS-2CD2143"}),
		},
		{
			Name:  "a camera of another model is changed",
			Given: withCameras(),
			When:  report(reported(frontDoor, func(c *recorder.Reported) { c.Model = "DS-2CD2387" }), backYard),
			Then: history(recorder.CameraChanged{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-A", Channel: 1,
				Name: "Front door", Model: "DS-2CD2387"}),
		},
		{
			Name:  "a camera under another name is changed",
			Given: withCameras(),
			When:  report(reported(frontDoor, func(c *recorder.Reported) { c.Name = "Entrance" }), backYard),
			Then: history(recorder.CameraChanged{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-A", Channel: 1,
				Name: "Entrance", Model: "DS-2CD2143"}),
		},
		{
			Name:  "a camera whose name the recorder drops is changed to its channel's name",
			Given: withCameras(),
			When:  report(reported(frontDoor, func(c *recorder.Reported) { c.Name = "" }), backYard),
			Then: history(recorder.CameraChanged{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-A", Channel: 1,
				Name: "Camera 1", Model: "DS-2CD2143"}),
		},
		{
			Name:  "a camera a user renamed is reported under its reported name unchanged: nothing changes",
			Given: withCameras(frontRenamed),
			When:  report(frontDoor, backYard),
		},
		{
			Name:  "a camera a user renamed, reported under another name, records the reported name",
			Given: withCameras(frontRenamed),
			When:  report(reported(frontDoor, func(c *recorder.Reported) { c.Name = "Camera 01" }), backYard),
			Then: history(recorder.CameraChanged{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-A", Channel: 1,
				Name: "Camera 01", Model: "DS-2CD2143"}),
		},
		{
			Name:  "a camera a user removed stays removed when it is reported again",
			Given: withCameras(backRemoved),
			When:  report(frontDoor, backYard),
		},
		{
			Name:  "a camera a user removed stays removed when it is reported changed",
			Given: withCameras(backRemoved),
			When:  report(frontDoor, reported(backYard, func(c *recorder.Reported) { c.Channel, c.Name = 4, "Garden" })),
		},
		{
			Name:  "a camera a user removed does not go offline when it is no longer reported",
			Given: withCameras(backRemoved),
			When:  report(frontDoor),
		},
		{
			Name:  "a removed camera is not discovered again",
			Given: withCameras(frontRemoved, backRemoved),
			When:  report(frontDoor, backYard),
		},
		{
			Name:  "a report of as many cameras as allowed is decided",
			Given: history(registered),
			When:  report(many...),
			Then:  manyDiscovered,
		},
		{
			Name:    "a report of more cameras than allowed is refused",
			Given:   history(registered),
			When:    report(tooMany...),
			ThenErr: refused("cameras"),
		},
		{
			Name:    "a hardware ID listed twice is refused at its second place",
			Given:   history(registered),
			When:    report(frontDoor, reported(backYard, func(c *recorder.Reported) { c.HardwareID = "HW-A" })),
			ThenErr: refused("cameras[1].hardware_id"),
		},
		{
			Name:    "a hardware ID listed twice is refused also with white space around it",
			Given:   withCameras(),
			When:    report(frontDoor, backYard, reported(backYard, func(c *recorder.Reported) { c.HardwareID = " HW-B " })),
			ThenErr: refused("cameras[2].hardware_id"),
		},
		{
			Name:    "a channel listed twice is refused at its second place",
			Given:   history(registered),
			When:    report(frontDoor, reported(backYard, func(c *recorder.Reported) { c.Channel = frontDoor.Channel })),
			ThenErr: refused("cameras[1].channel"),
		},
		{
			Name:  "cameras on no numbered input (channel 0) may be several",
			Given: history(registered),
			When: report(reported(frontDoor, func(c *recorder.Reported) { c.Channel = 0 }),
				reported(backYard, func(c *recorder.Reported) { c.Channel = 0 })),
			Then: []recorder.Event{
				recorder.CameraDiscovered{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-A", HardwareID: "HW-A", Name: "Front door", Model: "DS-2CD2143"},
				recorder.CameraDiscovered{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-B", HardwareID: "HW-B", Name: "Back yard", Model: "DS-2CD2143"},
			},
		},
		{
			Name:    "a camera needs a hardware ID",
			Given:   history(registered),
			When:    report(reported(frontDoor, func(c *recorder.Reported) { c.HardwareID = " " })),
			ThenErr: refused("cameras[0].hardware_id"),
		},
		{
			Name:    "a hardware ID of 101 characters is refused",
			Given:   history(registered),
			When:    report(reported(frontDoor, func(c *recorder.Reported) { c.HardwareID = strings.Repeat("h", 101) })),
			ThenErr: refused("cameras[0].hardware_id"),
		},
		{
			Name:    "a negative channel is refused",
			Given:   history(registered),
			When:    report(reported(frontDoor, func(c *recorder.Reported) { c.Channel = -1 })),
			ThenErr: refused("cameras[0].channel"),
		},
		{
			Name:    "a channel above 65535 is refused",
			Given:   history(registered),
			When:    report(frontDoor, reported(backYard, func(c *recorder.Reported) { c.Channel = 65536 })),
			ThenErr: refused("cameras[1].channel"),
		},
		{
			Name:    "a camera name of 101 characters is refused",
			Given:   history(registered),
			When:    report(reported(frontDoor, func(c *recorder.Reported) { c.Name = strings.Repeat("n", 101) })),
			ThenErr: refused("cameras[0].name"),
		},
		{
			Name:    "a camera name with a bidi control is refused",
			Given:   history(registered),
			When:    report(reported(frontDoor, func(c *recorder.Reported) { c.Name = "Front\u202edoor" })),
			ThenErr: refused("cameras[0].name"),
		},
		{
			Name:    "a camera model of 101 characters is refused",
			Given:   history(registered),
			When:    report(frontDoor, reported(backYard, func(c *recorder.Reported) { c.Model = strings.Repeat("m", 101) })),
			ThenErr: refused("cameras[1].model"),
		},
		{
			Name:    "a report with one bad camera is refused whole, also for the cameras before it",
			Given:   withCameras(),
			When:    report(reported(frontDoor, func(c *recorder.Reported) { c.Channel = 3 }), reported(backYard, func(c *recorder.Reported) { c.Channel = -2 })),
			ThenErr: refused("cameras[1].channel"),
		},
		{
			Name:    "a deregistered recorder's reports are refused",
			Given:   withCameras(deregistered),
			When:    report(frontDoor),
			ThenErr: recorder.ErrDeregistered,
		},
		{
			Name:    "a recorder that does not exist does not report",
			When:    report(frontDoor),
			ThenErr: recorder.ErrNotFound,
		},
	})
}

// A user's name for a camera outlives what the recorder later calls it; the reported name is
// still recorded, so that it is shown again should the user's name ever be dropped.
func TestUserNameOutlivesReports(t *testing.T) {
	state := given(withCameras(frontRenamed)...)
	events, err := state.Report([]recorder.Reported{
		reported(frontDoor, func(c *recorder.Reported) { c.Name, c.Channel = "Camera 01", 3 }), backYard,
	}, recorder.Landing{CameraID: cameraID})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		state = state.Apply(e)
	}
	c, err := state.Camera("rec-1/HW-A")
	if err != nil {
		t.Fatal(err)
	}
	want := recorder.Camera{ID: "rec-1/HW-A", HardwareID: "HW-A", Channel: 3, Model: "DS-2CD2143",
		ReportedName: "Camera 01", Name: "Main entrance", Renamed: true, Online: true}
	if c != want {
		t.Errorf("camera = %#v, want %#v", c, want)
	}

	// A camera nobody renamed takes the name the recorder reports.
	b, _ := given(withCameras(recorder.CameraChanged{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-B",
		Channel: 2, Name: "Garden", Model: "DS-2CD2143"})...).Camera("rec-1/HW-B")
	if b.Name != "Garden" || b.ReportedName != "Garden" || b.Renamed {
		t.Errorf("camera = %#v, want it named Garden as reported", b)
	}
}

func TestCameraStates(t *testing.T) {
	tests := []struct {
		name  string
		given []recorder.Event
		want  recorder.Camera
	}{
		{
			name:  "a discovered camera is online under its reported name",
			given: withCameras(),
			want: recorder.Camera{ID: "rec-1/HW-B", HardwareID: "HW-B", Channel: 2, Model: "DS-2CD2143",
				ReportedName: "Back yard", Name: "Back yard", Online: true},
		},
		{
			name:  "a camera not reported is offline",
			given: withCameras(backOffline),
			want: recorder.Camera{ID: "rec-1/HW-B", HardwareID: "HW-B", Channel: 2, Model: "DS-2CD2143",
				ReportedName: "Back yard", Name: "Back yard"},
		},
		{
			name:  "a camera reported again is online",
			given: withCameras(backOffline, backOnline),
			want: recorder.Camera{ID: "rec-1/HW-B", HardwareID: "HW-B", Channel: 2, Model: "DS-2CD2143",
				ReportedName: "Back yard", Name: "Back yard", Online: true},
		},
		{
			name:  "a removed camera is offline and removed",
			given: withCameras(backRemoved),
			want: recorder.Camera{ID: "rec-1/HW-B", HardwareID: "HW-B", Channel: 2, Model: "DS-2CD2143",
				ReportedName: "Back yard", Name: "Back yard", Removed: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := given(tt.given...).Cameras["rec-1/HW-B"]; got != tt.want {
				t.Errorf("camera = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestLive(t *testing.T) {
	side := recorder.CameraDiscovered{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-0", HardwareID: "HW-0",
		Channel: 2, Name: "Side", Model: "M"}
	r := given(withCameras(side, frontOffline)...)
	var got []string
	for _, c := range r.Live() {
		got = append(got, c.ID)
	}
	want := []string{"rec-1/HW-A", "rec-1/HW-0", "rec-1/HW-B"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("live cameras = %q, want %q (by channel, then hardware ID; offline ones too)", got, want)
	}

	r = r.Apply(backRemoved)
	got = nil
	for _, c := range r.Live() {
		got = append(got, c.ID)
	}
	if want := []string{"rec-1/HW-A", "rec-1/HW-0"}; !reflect.DeepEqual(got, want) {
		t.Errorf("live cameras = %q, want %q (no removed ones)", got, want)
	}
	if _, err := r.Camera("rec-1/HW-B"); !errors.Is(err, recorder.ErrCameraNotFound) {
		t.Errorf("Camera(removed) error = %v, want ErrCameraNotFound", err)
	}
}

func TestRenameCamera(t *testing.T) {
	check(t, []rule{
		{
			Name:  "a user renames a camera",
			Given: withCameras(),
			When:  renameCamera("rec-1/HW-A", "Main entrance"),
			Then:  history(frontRenamed),
		},
		{
			Name:  "the name is stored trimmed",
			Given: withCameras(),
			When:  renameCamera("rec-1/HW-A", " Main entrance\t"),
			Then:  history(frontRenamed),
		},
		{
			Name:  "a user gives a camera its reported name: the name is kept from now on",
			Given: withCameras(),
			When:  renameCamera("rec-1/HW-A", "Front door"),
			Then:  history(recorder.CameraRenamed{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-A", Name: "Front door"}),
		},
		{
			Name:  "renaming a renamed camera to the same name changes nothing",
			Given: withCameras(frontRenamed),
			When:  renameCamera("rec-1/HW-A", "Main entrance "),
		},
		{
			Name:  "a renamed camera is renamed again",
			Given: withCameras(frontRenamed),
			When:  renameCamera("rec-1/HW-A", "Lobby"),
			Then:  history(recorder.CameraRenamed{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-A", Name: "Lobby"}),
		},
		{
			Name:  "an offline camera is renamed",
			Given: withCameras(frontOffline),
			When:  renameCamera("rec-1/HW-A", "Main entrance"),
			Then:  history(frontRenamed),
		},
		{
			Name:    "a camera needs a name",
			Given:   withCameras(),
			When:    renameCamera("rec-1/HW-A", " "),
			ThenErr: refused("name"),
		},
		{
			Name:    "a camera name of 101 characters is refused",
			Given:   withCameras(),
			When:    renameCamera("rec-1/HW-A", strings.Repeat("c", 101)),
			ThenErr: refused("name"),
		},
		{
			Name:    "an unknown camera is not renamed",
			Given:   withCameras(),
			When:    renameCamera("rec-1/HW-Z", "Main entrance"),
			ThenErr: recorder.ErrCameraNotFound,
		},
		{
			Name:    "a removed camera is not renamed",
			Given:   withCameras(frontRemoved),
			When:    renameCamera("rec-1/HW-A", "Main entrance"),
			ThenErr: recorder.ErrCameraNotFound,
		},
		{
			Name:    "the camera is checked before the name",
			Given:   withCameras(),
			When:    renameCamera("rec-1/HW-Z", ""),
			ThenErr: recorder.ErrCameraNotFound,
		},
		{
			Name:    "a deregistered recorder's cameras are not renamed",
			Given:   withCameras(deregistered),
			When:    renameCamera("rec-1/HW-A", "Main entrance"),
			ThenErr: recorder.ErrDeregistered,
		},
		{
			Name:    "a recorder that does not exist has no cameras to rename",
			When:    renameCamera("rec-1/HW-A", "Main entrance"),
			ThenErr: recorder.ErrNotFound,
		},
	})
}

func TestRemoveCamera(t *testing.T) {
	check(t, []rule{
		{
			Name:  "a user removes a camera",
			Given: withCameras(),
			When:  removeCamera("rec-1/HW-B"),
			Then:  history(backRemoved),
		},
		{
			Name:  "an offline camera is removed",
			Given: withCameras(backOffline),
			When:  removeCamera("rec-1/HW-B"),
			Then:  history(backRemoved),
		},
		{
			Name:  "a renamed camera is removed",
			Given: withCameras(frontRenamed),
			When:  removeCamera("rec-1/HW-A"),
			Then:  history(frontRemoved),
		},
		{
			Name:    "a camera is removed once",
			Given:   withCameras(backRemoved),
			When:    removeCamera("rec-1/HW-B"),
			ThenErr: recorder.ErrCameraNotFound,
		},
		{
			Name:    "an unknown camera is not removed",
			Given:   withCameras(),
			When:    removeCamera("rec-1/HW-Z"),
			ThenErr: recorder.ErrCameraNotFound,
		},
		{
			Name:    "a deregistered recorder's cameras are not removed",
			Given:   withCameras(deregistered),
			When:    removeCamera("rec-1/HW-B"),
			ThenErr: recorder.ErrDeregistered,
		},
		{
			Name:    "a recorder that does not exist has no cameras to remove",
			When:    removeCamera("rec-1/HW-B"),
			ThenErr: recorder.ErrNotFound,
		},
	})
}

// A state a caller keeps (a cache, a snapshot, the state a command was decided on) never changes
// when another event is applied to it.
func TestApplyDoesNotChangeAKeptState(t *testing.T) {
	sideDiscovered := recorder.CameraDiscovered{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-C",
		HardwareID: "HW-C", Channel: 3, Name: "Side", Model: "M"}
	for _, e := range []recorder.Event{
		sideDiscovered,
		recorder.CameraChanged{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-A", Channel: 9, Name: "X", Model: "Y"},
		frontOffline,
		backOnline,
		frontRenamed,
		frontRemoved,
		reregistered,
		renamed,
		deregistered,
		registered,
	} {
		t.Run(e.EventType(), func(t *testing.T) {
			kept := given(withCameras(backOffline)...)
			want := given(withCameras(backOffline)...)
			next := kept.Apply(e)
			if !reflect.DeepEqual(kept, want) {
				t.Errorf("kept state changed:\n\t%#v\nwant\n\t%#v", kept, want)
			}
			if reflect.DeepEqual(next, kept) {
				t.Errorf("applying %#v changed nothing", e)
			}
		})
	}
}

func TestEventsListsEveryEventType(t *testing.T) {
	want := []string{
		"recorder.registered.v1", "recorder.reregistered.v1", "recorder.renamed.v1", "recorder.deregistered.v1", "recorder.landing-folder-chosen.v1",
		"recorder.camera-discovered.v1", "recorder.camera-changed.v1", "recorder.camera-went-offline.v1",
		"recorder.camera-came-online.v1", "recorder.camera-renamed.v1", "recorder.camera-removed.v1",
	}
	domaintest.ListsEventTypes(t, recorder.Events(), want)
	seen := map[string]bool{}
	for _, e := range recorder.Events() {
		name := e.EventType()
		if !strings.HasSuffix(name, ".v1") || !strings.HasPrefix(name, "recorder.") {
			t.Errorf("event type %q, want recorder.<name>.v1", name)
		}
		if seen[name] {
			t.Errorf("event type %q is named twice", name)
		}
		seen[name] = true
	}
}

// The recorded JSON is a contract with projections and auditors: its field names must not drift,
// and every event decodes back to itself.
func TestEventsEncodeAsSnakeCaseJSON(t *testing.T) {
	tests := []struct {
		event recorder.Event
		want  string
	}{
		{
			event: registered,
			want: `{"recorder_id":"rec-1","account_id":"acme","serial":"NVR-0001","model":"DS-7608","firmware":"4.1.0",` +
				`"name":"Lobby NVR","secret_digest":"digest-1"}`,
		},
		{
			event: reregistered,
			want:  `{"recorder_id":"rec-1","account_id":"acme","model":"DS-7608","firmware":"4.2.0","secret_digest":"digest-2"}`,
		},
		{
			event: renamed,
			want:  `{"recorder_id":"rec-1","account_id":"acme","name":"Reception NVR"}`,
		},
		{
			event: deregistered,
			want:  `{"recorder_id":"rec-1","account_id":"acme"}`,
		},
		{
			event: frontDiscovered,
			want: `{"recorder_id":"rec-1","account_id":"acme","camera_id":"rec-1/HW-A","hardware_id":"HW-A","channel":1,` +
				`"name":"Front door","model":"DS-2CD2143"}`,
		},
		{
			event: recorder.CameraChanged{RecorderID: "rec-1", AccountID: "acme", CameraID: "rec-1/HW-A", Channel: 0, Name: "Camera 0"},
			want:  `{"recorder_id":"rec-1","account_id":"acme","camera_id":"rec-1/HW-A","channel":0,"name":"Camera 0","model":""}`,
		},
		{
			event: frontOffline,
			want:  `{"recorder_id":"rec-1","account_id":"acme","camera_id":"rec-1/HW-A"}`,
		},
		{
			event: backOnline,
			want:  `{"recorder_id":"rec-1","account_id":"acme","camera_id":"rec-1/HW-B"}`,
		},
		{
			event: frontRenamed,
			want:  `{"recorder_id":"rec-1","account_id":"acme","camera_id":"rec-1/HW-A","name":"Main entrance"}`,
		},
		{
			event: backRemoved,
			want:  `{"recorder_id":"rec-1","account_id":"acme","camera_id":"rec-1/HW-B"}`,
		},
		{
			event: recorder.LandingFolderChosen{RecorderID: "rec-1", AccountID: "acme", FolderID: "folder-1"},
			want:  `{"recorder_id":"rec-1","account_id":"acme","folder_id":"folder-1"}`,
		},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		domaintest.EncodesAs(t, tt.event, tt.want)
		covered[tt.event.EventType()] = true
	}
	for _, e := range recorder.Events() {
		if !covered[e.EventType()] {
			t.Errorf("no JSON test for %s", e.EventType())
		}
	}
}

// Every error a caller acts on is told apart from the others.
func TestErrorsAreDistinct(t *testing.T) {
	errs := []error{recorder.ErrNotFound, recorder.ErrCameraNotFound, recorder.ErrRegisteredElsewhere, recorder.ErrDeregistered}
	for i, a := range errs {
		for j, b := range errs {
			if i != j && errors.Is(a, b) {
				t.Errorf("%v matches %v", a, b)
			}
		}
	}
}
