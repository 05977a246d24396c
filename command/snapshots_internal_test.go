package command

import (
	"fmt"
	"testing"
)

// TestSnapshotsStayWithinTheirWeight: kept states weigh at most maxSnapshotWeight together (a
// few trees of many cameras do not pin gigabytes), and a state kept again replaces its weight.
func TestSnapshotsStayWithinTheirWeight(t *testing.T) {
	c := snapshots{m: map[string]snapshot{}}
	heavy := maxSnapshotWeight / 4
	for i := range 10 {
		c.put(fmt.Sprint("tree-", i), snapshot{revision: 1, weight: heavy})
		if c.weight > maxSnapshotWeight {
			t.Fatalf("after %d trees: weight %d over %d", i+1, c.weight, maxSnapshotWeight)
		}
		sum := 0
		for _, s := range c.m {
			sum += s.weight
		}
		if sum != c.weight {
			t.Fatalf("after %d trees: weight %d, the states weigh %d", i+1, c.weight, sum)
		}
	}
	c.put("tree-9", snapshot{revision: 2, weight: 1})
	if s := c.m["tree-9"]; s.revision != 2 || c.weight != heavy*(len(c.m)-1)+1 {
		t.Errorf("kept again: %+v, weight %d with %d states", s, c.weight, len(c.m))
	}
}
