package esdb

import "testing"

func TestNormalizeScheme(t *testing.T) {
	cases := []struct{ in, want string }{
		{"esdb://localhost:2113?tls=false", "esdb://localhost:2113?tls=false"},
		{"esdb+discover://cluster.local:2113", "esdb+discover://cluster.local:2113"},
		{"kurrentdb://admin:changeit@localhost:2113", "esdb://admin:changeit@localhost:2113"},
		{"KurrentDB+discover://cluster.local", "esdb+discover://cluster.local"},
		{"kurrent://a:2113,b:2113", "esdb://a:2113,b:2113"},
		{"kdb://localhost", "esdb://localhost"},
	}
	for _, c := range cases {
		got, err := normalizeScheme(c.in)
		if err != nil || got != c.want {
			t.Errorf("normalizeScheme(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"localhost:2113", "postgres://localhost", "tcp://localhost:1113"} {
		if got, err := normalizeScheme(bad); err == nil {
			t.Errorf("normalizeScheme(%q) = %q, want an error", bad, got)
		}
	}
}
