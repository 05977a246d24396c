// Package usage holds a usage batch: what a recorder reports of its cameras' service, per camera
// and day (in service or not, seconds recorded, bytes stored). A batch has an ID the recorder
// chooses, so sending it again adds nothing; and a sequence number of the recorder's, so that of
// two reports for one camera and day the later one (by sequence, not by arrival) wins. A batch
// is decided whole: one bad entry refuses it, with every bad entry named.
//
// The package is pure: decisions are functions from the folded state and a command to events or
// a typed error.
package usage

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/domain/field"
)

// Entry is one camera's service on one day.
type Entry struct {
	CameraID        string `json:"camera_id"`
	Day             string `json:"day"` // YYYY-MM-DD, UTC
	InService       bool   `json:"in_service"`
	RecordedSeconds int64  `json:"recorded_seconds"`
	StoredBytes     int64  `json:"stored_bytes"`
}

// Reported records entries of a batch. A batch of many entries is several Reported events (parts)
// in the batch's stream, appended at once. Its entries are stored column by column, each camera
// and day of the part named once: a tenth of a million entries is a few megabytes less JSON to
// write, compress, read and decode than one object an entry (usage.reported.v1, still read).
type Reported struct {
	BatchPart
	Columns
}

// BatchPart names a part of a batch: whose it is, the recorder's sequence, and which part of
// how many.
type BatchPart struct {
	AccountID  string `json:"account_id"`
	RecorderID string `json:"recorder_id"`
	BatchID    string `json:"batch_id"`
	Sequence   uint64 `json:"sequence"`
	Part       int    `json:"part"`
	Parts      int    `json:"parts"`
}

// EventType implements the event interface.
func (Reported) EventType() string { return "usage.reported.v2" }

// Columns are entries column by column: entry i is camera Cameras[Camera[i]] on day
// Days[Day[i]], with InService[i], RecordedSeconds[i] and StoredBytes[i].
type Columns struct {
	Cameras         []string `json:"cameras"` // each camera of the entries once
	Days            []string `json:"days"`    // each day of the entries once
	Camera          []int    `json:"camera"`
	Day             []int    `json:"day"`
	InService       []bool   `json:"in_service"`
	RecordedSeconds []int64  `json:"recorded_seconds"`
	StoredBytes     []int64  `json:"stored_bytes"`
}

// ColumnsOf returns entries column by column, in their order.
func ColumnsOf(entries []Entry) Columns {
	n := len(entries)
	c := Columns{Camera: make([]int, n), Day: make([]int, n), InService: make([]bool, n),
		RecordedSeconds: make([]int64, n), StoredBytes: make([]int64, n)}
	cameras, days := map[string]int{}, map[string]int{}
	index := func(of map[string]int, names *[]string, name string) int {
		i, ok := of[name]
		if !ok {
			i = len(*names)
			of[name] = i
			*names = append(*names, name)
		}
		return i
	}
	for i, e := range entries {
		c.Camera[i], c.Day[i] = index(cameras, &c.Cameras, e.CameraID), index(days, &c.Days, e.Day)
		c.InService[i], c.RecordedSeconds[i], c.StoredBytes[i] = e.InService, e.RecordedSeconds, e.StoredBytes
	}
	return c
}

// Len is the number of entries.
func (c Columns) Len() int { return len(c.Camera) }

// Check reports columns that do not make entries: of unequal lengths, or an index out of range.
// Columns from ColumnsOf pass; a stored event that fails was not written by this package.
func (c Columns) Check() error {
	n := len(c.Camera)
	if len(c.Day) != n || len(c.InService) != n || len(c.RecordedSeconds) != n || len(c.StoredBytes) != n {
		return fmt.Errorf("usage columns of unequal lengths (%d, %d, %d, %d, %d)", n, len(c.Day), len(c.InService), len(c.RecordedSeconds), len(c.StoredBytes))
	}
	for i := range n {
		if c.Camera[i] < 0 || c.Camera[i] >= len(c.Cameras) || c.Day[i] < 0 || c.Day[i] >= len(c.Days) {
			return fmt.Errorf("usage entry %d names camera %d of %d, day %d of %d", i, c.Camera[i], len(c.Cameras), c.Day[i], len(c.Days))
		}
	}
	return nil
}

// ReportedV1 is how Reported was stored before its entries went in columns: an object an entry.
// Events of this type are read, never written.
type ReportedV1 struct {
	BatchPart
	Entries []Entry `json:"entries"`
}

// EventType implements the event interface.
func (ReportedV1) EventType() string { return "usage.reported.v1" }

// Upcast returns the event as it is written today.
func (e ReportedV1) Upcast() Reported {
	return Reported{BatchPart: e.BatchPart, Columns: ColumnsOf(e.Entries)}
}

// Event is a fact about a usage batch.
type Event interface{ EventType() string }

// Events returns a zero value of every event type of this package, to register with a codec.
func Events() []Event { return []Event{Reported{}, ReportedV1{}} }

// Batch is a batch's stream, folded: whether it was reported, and how many entries it held.
type Batch struct {
	AccountID string
	Reported  bool
	Entries   int
}

// Apply returns the batch after e.
func (b Batch) Apply(e Event) Batch {
	switch e := e.(type) {
	case Reported:
		b.AccountID, b.Reported = e.AccountID, true
		b.Entries += e.Len()
	case ReportedV1:
		b.AccountID, b.Reported = e.AccountID, true
		b.Entries += len(e.Entries)
	}
	return b
}

const (
	// MaxEntries bounds one batch.
	MaxEntries = 100_000
	// PartSize is how many entries one event holds: a batch of tens of thousands of entries is a
	// few events, not one per entry, and no event grows past a few hundred kilobytes.
	PartSize = 5_000
	// SecondsADay bounds what a camera records in a day.
	SecondsADay = 86_400
	// maxErrors bounds the bad entries an answer names.
	maxErrors = 100
)

// Report is what a recorder sends.
type Report struct {
	BatchID  string
	Sequence uint64
	Entries  []Entry
}

// Camera is what a batch's decision knows of a camera of the recorder: the day it was first
// seen ("" when not recorded).
type Camera struct {
	Since string
}

// InvalidEntry names one bad entry of a batch.
type InvalidEntry struct {
	Index   int    `json:"index"`
	Field   string `json:"field"`
	Problem string `json:"problem"`
}

// InvalidBatchError refuses a batch with one or more bad entries; nothing of it is kept.
type InvalidBatchError struct {
	Entries []InvalidEntry // the first maxErrors bad entries
	Total   int            // how many entries are bad
}

func (e *InvalidBatchError) Error() string {
	return fmt.Sprintf("%d bad entries; the batch is refused whole", e.Total)
}

// Kind makes it a refusal of bad input.
func (e *InvalidBatchError) Kind() fault.Kind { return fault.Invalid }

// Describe names the bad entries.
func (e *InvalidBatchError) Describe() fault.Problem {
	return fault.Problem{Type: "invalid-usage", Title: "Invalid usage entries", Field: "entries",
		Detail:     e.Error() + ": fix the entries named and send the batch again",
		Extensions: map[string]any{"invalid_entries": e.Entries, "invalid_count": e.Total}}
}

// Add names entry i's bad field.
func (e *InvalidBatchError) Add(i int, field, problem string) {
	e.Total++
	if len(e.Entries) < maxErrors {
		e.Entries = append(e.Entries, InvalidEntry{Index: i, Field: fmt.Sprintf("entries[%d].%s", i, field), Problem: problem})
	}
}

// Err is the refusal, or nil when no entry is bad.
func (e *InvalidBatchError) Err() error {
	if e.Total == 0 {
		return nil
	}
	return e
}

// ErrInvalidBatch is matched by every *InvalidBatchError.
var ErrInvalidBatch = fault.New(fault.Invalid, "invalid usage batch")

// Is makes errors.Is(err, ErrInvalidBatch) true.
func (e *InvalidBatchError) Is(target error) bool { return target == ErrInvalidBatch }

// Periods returns the periods (months, "2026-10") the entries' days fall in, each once: the
// periods whose invoices the decision must know of.
func Periods(entries []Entry) []string {
	var out []string
	for _, e := range entries {
		if len(e.Day) >= len("2026-10") && !slices.Contains(out, e.Day[:7]) {
			out = append(out, e.Day[:7])
		}
	}
	return out
}

// Decide decides a report on the batch's stream. A batch reported already changes nothing (the
// caller answers as the first time). cameras are the recorder's cameras, today the current day
// (UTC), closed the periods of the account that are invoiced, or being invoiced: their usage is
// settled, and a day of theirs is refused (it would change the usage an invoice is made of).
func Decide(b Batch, accountID, recorderID string, r Report, cameras map[string]Camera, today string, closed []string) ([]Event, error) {
	if b.Reported {
		return nil, nil
	}
	if err := ValidBatchID(r.BatchID); err != nil {
		return nil, err
	}
	if len(r.Entries) == 0 {
		return nil, field.Invalid("entries", "must hold at least one entry")
	}
	if len(r.Entries) > MaxEntries {
		return nil, field.Invalid("entries", fmt.Sprintf("must hold at most %d entries, got %d", MaxEntries, len(r.Entries)))
	}
	bad := &InvalidBatchError{}
	note := bad.Add
	seen := make(map[[2]string]int, len(r.Entries))
	for i, e := range r.Entries {
		cam, ok := cameras[e.CameraID]
		day, err := time.Parse(time.DateOnly, e.Day)
		switch {
		case !ok:
			note(i, "camera_id", "is not a camera of this recorder")
		case err != nil || day.Format(time.DateOnly) != e.Day:
			note(i, "day", "must be a date like 2026-10-31")
		case e.Day > today:
			note(i, "day", "is in the future")
		case cam.Since != "" && e.Day < cam.Since:
			note(i, "day", "is before the camera was first seen ("+cam.Since+")")
		case slices.Contains(closed, e.Day[:7]):
			note(i, "day", "is in "+e.Day[:7]+", a period already invoiced: its usage is settled")
		case e.RecordedSeconds < 0 || e.RecordedSeconds > SecondsADay:
			note(i, "recorded_seconds", fmt.Sprintf("must be from 0 to %d", SecondsADay))
		case e.StoredBytes < 0:
			note(i, "stored_bytes", "must not be negative")
		default:
			key := [2]string{e.CameraID, e.Day}
			if first, dup := seen[key]; dup {
				note(i, "day", fmt.Sprintf("repeats entries[%d] (the same camera and day)", first))
			}
			seen[key] = i
		}
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	parts := (len(r.Entries) + PartSize - 1) / PartSize
	events := make([]Event, 0, parts)
	for p := range parts {
		end := min((p+1)*PartSize, len(r.Entries))
		events = append(events, Reported{BatchPart: BatchPart{AccountID: accountID, RecorderID: recorderID, BatchID: r.BatchID,
			Sequence: r.Sequence, Part: p + 1, Parts: parts}, Columns: ColumnsOf(r.Entries[p*PartSize : end])})
	}
	return events, nil
}

// ValidBatchID checks a batch ID: 1 to 64 letters, digits, '-', '_' or '.'.
func ValidBatchID(id string) error {
	if id == "" || len(id) > 64 || strings.IndexFunc(id, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_' || r == '.')
	}) >= 0 {
		return field.Invalid("batch_id", "must be 1 to 64 letters, digits, '-', '_' or '.'")
	}
	return nil
}
