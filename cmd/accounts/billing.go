package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/billing/billingcmd"
	"github.com/camcloud/accounts/billing/billingview"
	"github.com/camcloud/accounts/billing/invoice"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/recorders/recorderview"
)

// billing runs `accounts billing close --period YYYY-MM [--account ID]` and
// `accounts billing mark-overdue`.
func billing(ctx context.Context, cfg config, logger *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("billing: give close or mark-overdue")
	}
	flags := flag.NewFlagSet("billing "+args[0], flag.ContinueOnError)
	period := flags.String("period", "", "the month to invoice, YYYY-MM")
	accountID := flags.String("account", "", "invoice only this account")
	if err := flags.Parse(args[1:]); err != nil {
		return err
	}
	// A billing job bills what is there: it never makes a database of its own. A job run without
	// ACCOUNTS_DATABASE_URL away from the service's private cluster would otherwise bill an empty
	// new one and report success.
	if private := filepath.Join(cfg.DataDir, "postgres"); cfg.DatabaseURL == "" {
		if _, err := os.Stat(filepath.Join(private, "PG_VERSION")); err != nil {
			return fmt.Errorf("billing %s: no database: set ACCOUNTS_DATABASE_URL, or run it where the service keeps its private PostgreSQL (none in %s)", args[0], private)
		}
	}
	svc, err := open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer svc.close()
	// The usage read model must hold every event stored before the job began.
	if err := svc.pipeline.CatchUp(ctx); err != nil {
		return fmt.Errorf("bring the read models up to date: %w", err)
	}
	queries := billingview.NewQueries(svc.readModels)
	cmds := billingcmd.New(command.NewHandler(svc.events, svc.codec), access.NewAuthorizer(nil), recorderview.NewQueries(svc.readModels))
	switch args[0] {
	case "close":
		if *period == "" {
			return errors.New("billing close: give --period YYYY-MM")
		}
		return closePeriod(ctx, cmds, queries, svc.pipeline.CatchUp, *period, *accountID, cfg.InvoiceTerms, stdout)
	case "mark-overdue":
		return markOverdue(ctx, cmds, queries, stdout)
	}
	return fmt.Errorf("billing: unknown subcommand %q", args[0])
}

// closePeriod issues the period's invoices, one per account with usage, showing its progress: a
// bar (accounts done of total, rate, time left) on a terminal, a line every 100 accounts
// otherwise. An account whose invoice cannot be issued is reported and the others go on.
//
// A period is invoiced once it has ended, and an account's invoice bills all the usage its
// recorders had reported when the account's period was closed: first every account with usage
// has its period closed (usage of its days is refused from then on), then the usage read model
// catches up with the store (catchUp), and only then is the usage read and invoiced. Accounts
// whose first usage of the period arrived meanwhile go round again.
func closePeriod(ctx context.Context, cmds *billingcmd.Commands, queries *billingview.Queries, catchUp func(context.Context) error,
	period, accountID string, terms time.Duration, stdout io.Writer) error {
	if err := invoice.ClosablePeriod(period, time.Now()); err != nil {
		return fmt.Errorf("billing close --period %s: %w", period, err)
	}
	if accountID != "" {
		if _, err := uuid.Parse(accountID); err != nil {
			return fmt.Errorf("billing close --account %q: not an account ID", accountID)
		}
	}
	origin := command.Service("billing-close")
	closed := map[string]bool{}
	var usage []billingview.AccountUsage
	for {
		var err error
		if usage, err = queries.PeriodUsage(ctx, period, accountID); err != nil {
			return err
		}
		fresh := 0
		for _, u := range usage {
			if closed[u.AccountID] {
				continue
			}
			if _, err := cmds.ClosePeriod(ctx, origin, u.AccountID, period); err != nil {
				return err
			}
			closed[u.AccountID] = true
			fresh++
		}
		if fresh == 0 {
			break
		}
		if err := catchUp(ctx); err != nil {
			return fmt.Errorf("bring the usage read model up to date: %w", err)
		}
	}
	progress := newJobProgress(stdout, len(usage), "invoicing "+period)
	var issued, before, nothing, failed int
	for _, u := range usage {
		res, err := cmds.IssueInvoice(ctx, origin, u.AccountID, period, u.Usage, terms, u.TaxRateBP)
		switch {
		case errors.Is(err, invoice.ErrNoUsage):
			nothing++ // usage on no plan only: nothing to bill
		case err != nil:
			failed++
			progress.note(fmt.Sprintf("account %s: %v", u.AccountID, err))
		case res.New:
			issued++
		default:
			before++
		}
		progress.step()
	}
	progress.done()
	// The job ends once the invoices are in the read models: a listing right after it shows them.
	if err := catchUp(ctx); err != nil {
		return fmt.Errorf("bring the read models up to date: %w", err)
	}
	fmt.Fprintf(stdout, "billing close %s: %d invoices issued, %d issued before, %d with nothing to bill, %d failed, of %d accounts with usage\n",
		period, issued, before, nothing, failed, len(usage))
	if failed > 0 {
		return fmt.Errorf("billing close %s: %d accounts failed", period, failed)
	}
	return nil
}

// markOverdue marks every issued invoice past its due date as overdue.
func markOverdue(ctx context.Context, cmds *billingcmd.Commands, queries *billingview.Queries, stdout io.Writer) error {
	marked, err := overdue(cmds, queries)(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "billing mark-overdue: %d invoices marked overdue\n", marked)
	return nil
}

// overdue is the work of marking the issued invoices past their due date overdue: the
// mark-overdue command's, and the daily job's of serve. Marking one twice changes nothing.
func overdue(cmds *billingcmd.Commands, queries *billingview.Queries) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		ids, err := queries.DueBefore(ctx, time.Now().UTC().Format(time.DateOnly))
		if err != nil {
			return 0, err
		}
		origin := command.Service("billing-overdue")
		for _, id := range ids {
			if _, err := cmds.MarkOverdue(ctx, origin, id); err != nil {
				return 0, fmt.Errorf("mark %s overdue: %w", id, err)
			}
		}
		return len(ids), nil
	}
}

// jobProgress shows a job's progress on a terminal as a bar, elsewhere as plain lines.
type jobProgress struct {
	bar   *progressbar.ProgressBar // nil when not a terminal
	out   io.Writer
	total int
	n     int
	start time.Time
}

func newJobProgress(out io.Writer, total int, what string) *jobProgress {
	p := &jobProgress{out: out, total: total, start: time.Now()}
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(out), progressbar.OptionSetDescription(what),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("accounts"),
			progressbar.OptionSetPredictTime(true), progressbar.OptionFullWidth())
		return p
	}
	fmt.Fprintf(out, "%s: %d accounts\n", what, total)
	return p
}

func (p *jobProgress) step() {
	p.n++
	if p.bar != nil {
		_ = p.bar.Add(1)
		return
	}
	if p.n%100 == 0 || p.n == p.total {
		elapsed := time.Since(p.start)
		rate := float64(p.n) / elapsed.Seconds()
		left := time.Duration(float64(p.total-p.n)/rate) * time.Second
		fmt.Fprintf(p.out, "%d/%d accounts, %.0f/s, %s left\n", p.n, p.total, rate, left.Round(time.Second))
	}
}

func (p *jobProgress) note(line string) {
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	fmt.Fprintln(p.out, line)
}

func (p *jobProgress) done() {
	if p.bar != nil {
		_ = p.bar.Finish()
		fmt.Fprintln(p.out)
	}
}
