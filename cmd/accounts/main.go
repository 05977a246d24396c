// Command accounts is the camcloud accounts service: one binary that serves the API, migrates
// the databases and rebuilds read models.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usageCommands = `accounts: the camcloud account service.

Usage:
  accounts serve                         serve the HTTP API and run the projectors
  accounts migrate                       create or update the event store and read model tables
  accounts projections rebuild [NAME...] rebuild read models (all when no NAME) from the first
                                         event into new tables, swapped in when caught up (a
                                         running server keeps serving the old ones until then)
  accounts billing close --period YYYY-MM [--account ID]
                                         issue the month's invoices from the usage read model,
                                         once (a second run, or two at once, issue nothing twice)
  accounts billing mark-overdue          mark the issued invoices past their due date overdue
  accounts help                          show this help

With no database configured, serve, migrate and projections start a private PostgreSQL in
$ACCOUNTS_DATA_DIR/postgres (default .data/postgres) from the machine's PostgreSQL binaries;
billing jobs use that cluster only if it exists (they never make one).

Environment (README.md says more):
`

// writeUsage writes the help: the commands, and the variables as config's tags describe them.
func writeUsage(w io.Writer) {
	fmt.Fprint(w, usageCommands)
	if err := writeEnvironmentHelp(w); err != nil {
		fmt.Fprintln(w, "  (cannot list them:", err, ")")
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "accounts:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		writeUsage(stderr)
		return errors.New("no command given")
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		writeUsage(stdout)
		return flag.ErrHelp
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return serve(ctx, cfg, logger, stdout)
	case "migrate":
		return migrate(ctx, cfg, logger)
	case "billing":
		return billing(ctx, cfg, logger, rest, stdout)
	case "projections":
		if len(rest) == 0 || rest[0] != "rebuild" {
			writeUsage(stderr)
			return errors.New("projections: the only subcommand is rebuild")
		}
		return rebuild(ctx, cfg, logger, rest[1:])
	default:
		writeUsage(stderr)
		return fmt.Errorf("unknown command %q", cmd)
	}
}
