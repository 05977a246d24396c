-- +goose Up
-- One row per event. Appends take a transaction-scoped advisory lock before they read the last
-- position, so positions are gapless and commit in order: a reader that sees position N has
-- already seen every position below N.
CREATE TABLE events (
    position    bigint      PRIMARY KEY,
    id          uuid        NOT NULL UNIQUE,
    stream      text        NOT NULL,
    revision    bigint      NOT NULL,
    type        text        NOT NULL,
    data        json        NOT NULL, -- json, not jsonb: the bytes an auditor verifies stay as written
    metadata    jsonb       NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream, revision)
);

-- +goose Down
DROP TABLE events;
