package main

// The bench report (`go tool task bench`): the project's figures beside raw pgx references, in
// one process and one run on the test PostgreSQL, so that the ratios hold whatever the machine.
// It is a benchmark, so `go test` (and `go tool task test`) never runs it.

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"
)

// benchSettings are the report's knobs, from the environment so that the task can pass them.
type benchSettings struct {
	phase  time.Duration // how long each throughput figure runs, per round
	rounds int           // rounds; a reference and its figure alternate in each
	events int           // events in the log the catch-up figures read
	parts  string        // which parts run: "store,catchup,http" (all) or some of them
}

func (s benchSettings) runs(part string) bool {
	return slices.Contains(strings.Split(s.parts, ","), part)
}

func loadBenchSettings(b *testing.B) benchSettings {
	s := benchSettings{phase: 2 * time.Second, rounds: 2, events: 100_000, parts: "store,catchup,http,billing"}
	if v := os.Getenv("ACCOUNTS_BENCH_PARTS"); v != "" {
		s.parts = v
	}
	if v := os.Getenv("ACCOUNTS_BENCH_PHASE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			b.Fatalf("ACCOUNTS_BENCH_PHASE=%q: want a duration", v)
		}
		s.phase = d
	}
	for _, v := range []struct {
		name string
		dst  *int
	}{{"ACCOUNTS_BENCH_ROUNDS", &s.rounds}, {"ACCOUNTS_BENCH_EVENTS", &s.events}} {
		if raw := os.Getenv(v.name); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil || n < 1 {
				b.Fatalf("%s=%q: want a positive whole number", v.name, raw)
			}
			*v.dst = n
		}
	}
	return s
}

// BenchmarkReport prints the table of issue 8: each figure, its raw reference measured in the
// same run, the ratio, latencies where they matter, and the process's peak memory while the
// figure ran. Run it with -benchtime 1x; the figures are in the table, not in ns/op.
func BenchmarkReport(b *testing.B) {
	settings := loadBenchSettings(b)
	ctx := b.Context()
	start := time.Now()
	var rep report
	rep.header = append(rep.header,
		fmt.Sprintf("GOMAXPROCS %d, %d s per figure and round, %d rounds, catch-up of %d events", runtime.GOMAXPROCS(0), int(settings.phase.Seconds()), settings.rounds, settings.events),
		"load average at start: "+loadAverage())

	if settings.runs("store") || settings.runs("http") {
		storeFigures(ctx, b, settings, &rep) // the HTTP figures' reference too
	}
	if settings.runs("catchup") {
		catchUpFigures(ctx, b, settings, &rep)
	}
	if settings.runs("http") {
		httpFigures(ctx, b, settings, &rep)
	}
	if settings.runs("billing") {
		billingFigures(ctx, b, &rep)
	}

	rep.header = append(rep.header, "load average at end: "+loadAverage())
	rep.footer = append(rep.footer, fmt.Sprintf("whole report: %s", time.Since(start).Round(time.Second)))
	rep.print(os.Stdout)
}

// progress tells on stderr what the report is doing, since it prints its table only at the end.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

// figure is one line of the report.
type figure struct {
	name      string
	value     float64 // per second
	reference *figure // nil for a reference itself
	target    string  // e.g. ">= 0.5x"; "" for none
	latencies bool    // show p50/p99
	p50, p99  time.Duration
	peakRSS   uint64 // bytes
	errors    int
	note      string
}

type report struct {
	header, footer []string
	figures        []*figure
	raw16          *figure // the reference of the HTTP figures
}

func (r *report) add(f *figure) *figure {
	r.figures = append(r.figures, f)
	return f
}

func (r *report) print(out io.Writer) {
	fmt.Fprintln(out)
	for _, h := range r.header {
		fmt.Fprintln(out, "#", h)
	}
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "figure\tvalue/s\treference/s\tratio\ttarget\tp50\tp99\tpeak RSS\terrors\t")
	for _, f := range r.figures {
		ref, ratio := "", ""
		if f.reference != nil {
			ref = fmt.Sprintf("%.0f", f.reference.value)
			if f.reference.value > 0 {
				ratio = fmt.Sprintf("%.3f", f.value/f.reference.value)
			}
		}
		p50, p99 := "", ""
		if f.latencies {
			p50, p99 = ms(f.p50), ms(f.p99)
		}
		fmt.Fprintf(w, "%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t\n", f.name, f.value, ref, ratio, f.target, p50, p99, mib(f.peakRSS), f.errors)
	}
	_ = w.Flush()
	for _, f := range r.figures {
		if f.note != "" {
			fmt.Fprintf(out, "# %s: %s\n", f.name, f.note)
		}
	}
	for _, l := range r.footer {
		fmt.Fprintln(out, "#", l)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

func mib(n uint64) string {
	if n == 0 {
		return "?"
	}
	return fmt.Sprintf("%dMiB", n>>20)
}

// measurement accumulates a figure over rounds.
type measurement struct {
	ops       int
	elapsed   time.Duration
	latencies []time.Duration
	peak      uint64
	errors    int
	firstErr  error
}

// into writes the measurement into f.
func (m *measurement) into(f *figure) {
	if m.elapsed > 0 {
		f.value = float64(m.ops) / m.elapsed.Seconds()
	}
	if len(m.latencies) > 0 {
		slices.Sort(m.latencies)
		f.p50 = m.latencies[len(m.latencies)*50/100]
		f.p99 = m.latencies[min(len(m.latencies)-1, len(m.latencies)*99/100)]
	}
	f.peakRSS = m.peak
	f.errors = m.errors
	if m.firstErr != nil {
		f.note = "first error: " + m.firstErr.Error()
	}
}

// median runs op runs times, each as once does after an untimed prepare, and keeps the median
// run (with every run's errors): a reference measured once moved by up to 40% from one run of
// the report to the next on this shared machine, and every ratio against it with it.
func (m *measurement) median(n, runs int, prepare, op func() error) {
	each := make([]measurement, runs)
	errors := 0
	for i := range each {
		if err := prepare(); err != nil {
			each[i].errors, each[i].firstErr = 1, err
		} else {
			each[i].once(n, op)
		}
		errors += each[i].errors
	}
	slices.SortFunc(each, func(a, b measurement) int { return cmp.Compare(a.elapsed, b.elapsed) })
	*m = each[runs/2]
	m.errors = errors
}

// run calls op from workers goroutines for d and adds what it saw to m. A failed op counts as an
// error, not as done; op gets its worker number and its count within that worker.
func (m *measurement) run(ctx context.Context, workers int, d time.Duration, op func(ctx context.Context, worker, i int) error) {
	resetPeakRSS()
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		stop = time.Now().Add(d)
	)
	started := time.Now()
	for w := range workers {
		wg.Go(func() {
			var lat []time.Duration
			ops, errs := 0, 0
			var firstErr error
			for i := 0; time.Now().Before(stop) && ctx.Err() == nil; i++ {
				t0 := time.Now()
				if err := op(ctx, w, i); err != nil {
					errs++
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				lat = append(lat, time.Since(t0))
				ops++
			}
			mu.Lock()
			defer mu.Unlock()
			m.ops += ops
			m.errors += errs
			m.latencies = append(m.latencies, lat...)
			if m.firstErr == nil {
				m.firstErr = firstErr
			}
		})
	}
	wg.Wait()
	m.elapsed += time.Since(started)
	m.peak = max(m.peak, peakRSS())
}

// once times one run of op (a catch-up) and adds it to m as n operations.
func (m *measurement) once(n int, op func() error) {
	resetPeakRSS()
	t0 := time.Now()
	if err := op(); err != nil {
		m.errors++
		if m.firstErr == nil {
			m.firstErr = err
		}
		return
	}
	m.elapsed += time.Since(t0)
	m.ops += n
	m.peak = max(m.peak, peakRSS())
}

// resetPeakRSS starts a new peak of the process's resident memory (Linux: clear_refs 5), so each
// figure reports its own peak; elsewhere the peak is the process's so far.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS is the process's peak resident memory (VmHWM) since the last reset, in bytes.
func peakRSS() uint64 {
	if f, err := os.Open("/proc/self/status"); err == nil {
		defer f.Close()
		s := bufio.NewScanner(f)
		for s.Scan() {
			if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
				kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				if err == nil {
					return kb << 10
				}
			}
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		return uint64(ru.Maxrss) << 10
	}
	return 0
}

// loadAverage says how busy the machine was (other work skews both sides of a ratio alike, but
// widens the spread).
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	fields := strings.Fields(string(raw))
	if len(fields) < 3 {
		return "unknown"
	}
	return strings.Join(fields[:3], " ")
}
