package metrics

import "github.com/camcloud/accounts/jobs"

const (
	mailSent   = "sent"
	mailFailed = "failed"
)

// Jobs returns a jobs.Counter that counts every job's outcomes.
func (m *Metrics) Jobs() jobs.Counter { return jobCounter{m} }

// Mails returns the jobs.Counter of the mail dispatcher: it counts the job's outcomes like Jobs,
// and each handed-over mail as sent (done) or failed (retry or dead). A skipped item (its link
// expired before it went out) was no attempt to send, and counts as no mail.
func (m *Metrics) Mails() jobs.Counter { return mailCounter{jobCounter{m}} }

type jobCounter struct{ m *Metrics }

func (c jobCounter) Count(job string, o jobs.Outcome) {
	c.m.jobs.WithLabelValues(job, string(o)).Inc()
}

type mailCounter struct{ jobCounter }

func (c mailCounter) Count(job string, o jobs.Outcome) {
	c.jobCounter.Count(job, o)
	switch o {
	case jobs.Done:
		c.m.mails.WithLabelValues(mailSent).Inc()
	case jobs.Retry, jobs.Dead:
		c.m.mails.WithLabelValues(mailFailed).Inc()
	}
}
