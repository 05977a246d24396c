package usage_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/camcloud/accounts/billing/usage"
	"github.com/camcloud/accounts/domain/domaintest"
)

const today = "2026-10-31"

var cameras = map[string]usage.Camera{"cam-1": {Since: "2026-10-01"}, "cam-2": {}}

func entry(camera, day string, seconds int64) usage.Entry {
	return usage.Entry{CameraID: camera, Day: day, InService: true, RecordedSeconds: seconds, StoredBytes: 1 << 30}
}

func TestDecide(t *testing.T) {
	good := usage.Report{BatchID: "b-1", Sequence: 7, Entries: []usage.Entry{entry("cam-1", "2026-10-30", 86_400), entry("cam-2", "2026-09-01", 0)}}
	decide := func(r usage.Report) func(usage.Batch) ([]usage.Event, error) {
		return func(b usage.Batch) ([]usage.Event, error) {
			return usage.Decide(b, "acme", "rec-1", r, cameras, today, nil)
		}
	}
	domaintest.Decide(t, "a batch of good entries is one event", usage.Batch{}, decide(good),
		[]usage.Event{usage.Reported{BatchPart: usage.BatchPart{AccountID: "acme", RecorderID: "rec-1", BatchID: "b-1", Sequence: 7, Part: 1, Parts: 1}, Columns: usage.Columns{
			Cameras: []string{"cam-1", "cam-2"}, Days: []string{"2026-10-30", "2026-09-01"}, Camera: []int{0, 1}, Day: []int{0, 1},
			InService: []bool{true, true}, RecordedSeconds: []int64{86_400, 0}, StoredBytes: []int64{1 << 30, 1 << 30}}}}, nil)
	domaintest.Decide(t, "a batch reported already adds nothing", usage.Batch{Reported: true}, decide(good), nil, nil)
	domaintest.Decide(t, "a bad batch ID", usage.Batch{}, decide(usage.Report{BatchID: "b 1", Entries: good.Entries}), nil, domaintest.Refused("batch_id"))
	domaintest.Decide(t, "no entries", usage.Batch{}, decide(usage.Report{BatchID: "b-1"}), nil, domaintest.Refused("entries"))
}

// TestBadEntriesRefuseTheBatch: every bad entry is named, and none of the batch is kept.
func TestBadEntriesRefuseTheBatch(t *testing.T) {
	r := usage.Report{BatchID: "b-2", Entries: []usage.Entry{
		entry("cam-1", "2026-10-30", 100),    // fine
		entry("cam-9", "2026-10-30", 100),    // not the recorder's
		entry("cam-1", "2026-11-01", 100),    // future
		entry("cam-1", "2026-09-30", 100),    // before the camera was first seen
		entry("cam-2", "2026-10-30", 86_401), // more than a day
		entry("cam-2", "2026-10-30", -1),     // negative
		entry("cam-2", "31/10/2026", 10),     // not a date
		entry("cam-1", "2026-10-30", 50),     // repeats the first
		{CameraID: "cam-2", Day: "2026-10-29", StoredBytes: -5},
		entry("cam-2", "2026-09-30", 10), // in a closed (invoiced) period
	}}
	_, err := usage.Decide(usage.Batch{}, "acme", "rec-1", r, cameras, today, []string{"2026-08", "2026-09"})
	var bad *usage.InvalidBatchError
	if !errors.As(err, &bad) || !errors.Is(err, usage.ErrInvalidBatch) {
		t.Fatalf("err = %v, want an InvalidBatchError", err)
	}
	var fields []string
	for _, e := range bad.Entries {
		fields = append(fields, e.Field)
	}
	want := []string{"entries[1].camera_id", "entries[2].day", "entries[3].day", "entries[4].recorded_seconds",
		"entries[5].recorded_seconds", "entries[6].day", "entries[7].day", "entries[8].stored_bytes", "entries[9].day"}
	if fmt.Sprint(fields) != fmt.Sprint(want) || bad.Total != len(want) {
		t.Errorf("bad entries %v (total %d), want %v", fields, bad.Total, want)
	}
}

// TestPeriods: the months a batch's days fall in, each once, in order of first entry.
func TestPeriods(t *testing.T) {
	if got := usage.Periods([]usage.Entry{entry("a", "2026-10-30", 1), entry("a", "2026-09-01", 1), entry("b", "2026-10-01", 1), entry("c", "bad", 1)}); fmt.Sprint(got) != "[2026-10 2026-09]" {
		t.Errorf("periods %v", got)
	}
}

// TestLargeBatchesAreFewEvents: 12,001 entries are three events, in order.
func TestLargeBatchesAreFewEvents(t *testing.T) {
	many := map[string]usage.Camera{}
	var entries []usage.Entry
	for i := range 12_001 {
		cam := fmt.Sprintf("cam-%d", i)
		many[cam] = usage.Camera{}
		entries = append(entries, entry(cam, "2026-10-30", 60))
	}
	events, err := usage.Decide(usage.Batch{}, "acme", "rec-1", usage.Report{BatchID: "big", Entries: entries}, many, today, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 {
		t.Fatalf("%d events, want 3", len(events))
	}
	var b usage.Batch
	for i, e := range events {
		r := e.(usage.Reported)
		if r.Part != i+1 || r.Parts != 3 {
			t.Errorf("event %d is part %d of %d", i, r.Part, r.Parts)
		}
		b = b.Apply(e)
	}
	if !b.Reported || b.Entries != 12_001 {
		t.Errorf("batch folded to %+v", b)
	}
	if err := usage.ValidBatchID(string(make([]byte, 65))); err == nil {
		t.Error("a 65-byte batch ID was accepted")
	}
}

// TestColumns: entries go into columns with each camera and day named once, in their order;
// columns that do not make entries are refused.
func TestColumns(t *testing.T) {
	entries := []usage.Entry{entry("cam-1", "2026-10-01", 1), entry("cam-2", "2026-10-01", 2), entry("cam-1", "2026-10-02", 3),
		{CameraID: "cam-2", Day: "2026-10-02", RecordedSeconds: 4, StoredBytes: 5}}
	c := usage.ColumnsOf(entries)
	want := usage.Columns{Cameras: []string{"cam-1", "cam-2"}, Days: []string{"2026-10-01", "2026-10-02"},
		Camera: []int{0, 1, 0, 1}, Day: []int{0, 0, 1, 1}, InService: []bool{true, true, true, false},
		RecordedSeconds: []int64{1, 2, 3, 4}, StoredBytes: []int64{1 << 30, 1 << 30, 1 << 30, 5}}
	if err := c.Check(); err != nil || !reflect.DeepEqual(c, want) {
		t.Errorf("columns %+v, %v; want %+v", c, err, want)
	}
	for name, broken := range map[string]func(*usage.Columns){
		"a column short":         func(c *usage.Columns) { c.StoredBytes = c.StoredBytes[:3] },
		"a camera out of range":  func(c *usage.Columns) { c.Camera[2] = 2 },
		"a negative day":         func(c *usage.Columns) { c.Day[0] = -1 },
		"a day list short":       func(c *usage.Columns) { c.Days = c.Days[:1] },
		"a flag column too long": func(c *usage.Columns) { c.InService = append(c.InService, true) },
	} {
		c := usage.ColumnsOf(entries)
		broken(&c)
		if c.Check() == nil {
			t.Errorf("%s: passed the check", name)
		}
	}
}

// TestReportedV1IsRead: a part stored as one object an entry folds, and upcasts to the same part
// in columns.
func TestReportedV1IsRead(t *testing.T) {
	old := usage.ReportedV1{BatchPart: usage.BatchPart{AccountID: "acme", RecorderID: "rec-1", BatchID: "b-1", Sequence: 7, Part: 1, Parts: 1},
		Entries: []usage.Entry{entry("cam-1", "2026-10-30", 5), entry("cam-2", "2026-10-30", 6)}}
	up := old.Upcast()
	if up.BatchPart != old.BatchPart || !reflect.DeepEqual(up.Columns, usage.ColumnsOf(old.Entries)) {
		t.Errorf("upcast to %+v", up)
	}
	if b := (usage.Batch{}).Apply(old); !b.Reported || b.Entries != 2 || b.AccountID != "acme" {
		t.Errorf("folded to %+v", b)
	}
}
