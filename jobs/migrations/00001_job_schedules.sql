-- +goose Up
-- Periodic jobs, one row each, shared by every instance: next_try is when the job is due, or
-- when the lease of the instance running it ends. Operational state, not history.
CREATE TABLE job_schedules (
    name       text        PRIMARY KEY,
    attempts   integer     NOT NULL DEFAULT 0, -- runs started since the last success
    next_try   timestamptz NOT NULL DEFAULT now(),
    last_done  timestamptz,
    last_error text
);

-- +goose Down
DROP TABLE job_schedules;
