-- +goose Up
-- Where each read model stands in the event store's global order. A read model's rows and its
-- checkpoint change in the same transaction, so a replayed event is recognised and skipped.
CREATE TABLE projection_checkpoints (
    name       text        PRIMARY KEY,
    version    integer     NOT NULL,
    commit     bigint      NOT NULL DEFAULT 0,
    prepare    bigint      NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE projection_checkpoints;
