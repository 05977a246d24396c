package main

import "testing"

// TestDatabaseMaxConns: the pool size has a default that grows with the CPUs, and the setting
// wins when it is a positive whole number.
func TestDatabaseMaxConns(t *testing.T) {
	for _, tc := range []struct {
		name, env string
		want      int
		fails     bool
	}{
		{name: "default"},
		{name: "set", env: "32", want: 32},
		{name: "zero", env: "0", fails: true},
		{name: "not a number", env: "many", fails: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("ACCOUNTS_DATABASE_MAX_CONNS", tc.env)
			cfg, err := loadConfig()
			if tc.fails {
				if err == nil {
					t.Fatalf("ACCOUNTS_DATABASE_MAX_CONNS=%q accepted", tc.env)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.env == "" {
				tc.want = defaultMaxConns(runtimeProcs())
			}
			if cfg.MaxConns != tc.want {
				t.Errorf("MaxConns = %d, want %d", cfg.MaxConns, tc.want)
			}
		})
	}
	for procs, want := range map[int]int{1: 8, 2: 8, 4: 16, 16: 64} {
		if got := defaultMaxConns(procs); got != want {
			t.Errorf("defaultMaxConns(%d) = %d, want %d", procs, got, want)
		}
	}
}
