-- The per-day camera usage read model: one row per camera and day, the last report (by the
-- recorder's sequence) winning. Billing jobs read it through the camera_usage_daily view (the
-- contract the README documents), never through this table.
CREATE TABLE camera_usage_days (
    account_id       uuid        NOT NULL,
    camera_id        uuid        NOT NULL,
    day              date        NOT NULL,
    recorder_id      uuid        NOT NULL,
    sequence         bigint      NOT NULL,   -- the recorder's sequence of the report that set it
    batch_id         text        NOT NULL,
    in_service       boolean     NOT NULL,
    recorded_seconds integer     NOT NULL,
    stored_bytes     bigint      NOT NULL,
    -- As the recorders read model had them when the day was reported (NULL when it did not have
    -- the camera yet): the day's names and path for a report sent on the day or the next.
    camera_name      text,
    item_path        text,
    recorder_serial  text,
    recorder_name    text,
    -- The plan the camera was on that day and its price then (NULL: on no plan).
    plan_id          uuid,
    plan_name        text,
    daily_price_minor bigint,
    currency         text,
    reported_at      timestamptz NOT NULL,
    -- One index: a camera belongs to one account for good (its ID is made from its recorder's),
    -- so (camera, day) is unique as this is, and every row costs one index insert, not two.
    PRIMARY KEY (account_id, day, camera_id)
);

-- The plan catalogue, its prices over time, and which plan each account's cameras are on.
CREATE TABLE plans (
    plan_id    uuid        PRIMARY KEY,
    name       text        NOT NULL,
    currency   text        NOT NULL,
    revision   bigint      NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE TABLE plan_prices (
    plan_id           uuid   NOT NULL,
    effective_from    date   NOT NULL,
    daily_price_minor bigint NOT NULL,
    PRIMARY KEY (plan_id, effective_from)
);
-- An account's default plan (camera_id NULL) or one camera's (plan_id NULL: back to the account's),
-- from effective_from on; seq orders changes made for the same day.
CREATE TABLE plan_assignments (
    seq            bigserial PRIMARY KEY,
    account_id     uuid      NOT NULL,
    camera_id      uuid,
    plan_id        uuid,
    effective_from date      NOT NULL
);
CREATE INDEX plan_assignments_camera ON plan_assignments (camera_id, effective_from) WHERE camera_id IS NOT NULL;
CREATE INDEX plan_assignments_account ON plan_assignments (account_id, effective_from) WHERE camera_id IS NULL;

-- Invoices, newest first per account.
CREATE TABLE invoices (
    invoice_id     uuid        PRIMARY KEY,
    account_id     uuid        NOT NULL,
    number         text        NOT NULL UNIQUE,
    period         text        NOT NULL,
    issue_date     date        NOT NULL,
    due_date       date        NOT NULL,
    currency       text        NOT NULL,
    lines          jsonb       NOT NULL,
    subtotal_minor bigint      NOT NULL,
    tax_rate_bp    bigint      NOT NULL,
    tax_minor      bigint      NOT NULL,
    total_minor    bigint      NOT NULL,
    status         text        NOT NULL,
    void_reason    text,
    revision       bigint      NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX invoices_account ON invoices (account_id, issue_date DESC, number DESC);
CREATE INDEX invoices_due ON invoices (due_date) WHERE status = 'issued';

-- Each account's billing details, and what the accounts above it set.
CREATE TABLE billing_details (
    account_id   uuid        PRIMARY KEY,
    company_name text        NOT NULL DEFAULT '',
    address      jsonb,
    tax_id       text        NOT NULL DEFAULT '',
    email        text        NOT NULL DEFAULT '',
    assigned     jsonb       NOT NULL DEFAULT '[]',   -- billing addresses assigned from above
    tax_rate_bp  bigint      NOT NULL DEFAULT 0,
    revision     bigint      NOT NULL,
    updated_at   timestamptz NOT NULL
);
