-- +goose Up
-- Attempt budgets (sign-in, current-password checks, anonymous password-reset mails, invitation
-- resends) shared by every instance. Operational state, not history. One row per key whose budget
-- is not full: full_at is when it is full again (the generic cell rate algorithm's "theoretical
-- arrival time"). A row past its full_at means nothing and is deleted, a few per request.
CREATE TABLE attempt_budgets (
    key      text        PRIMARY KEY, -- what is limited, e.g. sign-in:user:<username>
    full_at  timestamptz NOT NULL,
    every    interval    NOT NULL,    -- one attempt comes back every this long
    span     interval    NOT NULL     -- burst × every: how far ahead of now full_at may go
);
CREATE INDEX attempt_budgets_full_at ON attempt_budgets (full_at);

-- +goose Down
DROP TABLE attempt_budgets;
