-- +goose Up
-- The key that signs e-mailed links (invitation, password reset, e-mail change), used when
-- ACCOUNTS_TOKEN_KEY is not set. One row: every instance on this database reads the same key, so
-- a link mailed by one instance opens on any other. The first instance to start inserts it.
CREATE TABLE link_key (
    id         boolean     PRIMARY KEY DEFAULT true CHECK (id), -- at most one row
    key        bytea       NOT NULL CHECK (octet_length(key) >= 32),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE link_key;
