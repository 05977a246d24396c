package recorder

import (
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/domain/field"
)

// The outcomes a caller acts on; test for them with errors.Is.
var (
	// ErrNotFound: no such recorder (or one deregistered, for the commands that need it active).
	ErrNotFound = fault.New(fault.NotFound, "recorder not found")
	// ErrCameraNotFound: the recorder has no such camera, or it was removed.
	ErrCameraNotFound = fault.New(fault.NotFound, "camera not found")
	// ErrRegisteredElsewhere: the serial is registered in another account; it must be
	// deregistered there first.
	ErrRegisteredElsewhere = fault.New(fault.Taken, "the recorder is registered in another account").With(fault.Problem{
		Type: "recorder-registered-elsewhere", Title: "Recorder registered elsewhere", Field: "serial",
		Detail: "this serial number is registered in another account; deregister it there first",
	})
	// ErrDeregistered: the recorder was deregistered; it cannot act or be changed.
	ErrDeregistered = fault.New(fault.State, "the recorder is deregistered").With(fault.Problem{
		Type: "recorder-deregistered", Title: "Recorder deregistered",
	})
)

func invalid(name, problem string) *field.Error { return field.Invalid(name, problem) }
