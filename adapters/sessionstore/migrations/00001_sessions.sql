-- +goose Up
-- Sign-in sessions. Operational state, not history: a session is a bearer token's digest with
-- its expiries, created at sign-in and deleted at sign-out, so it is kept outside the event store.
CREATE TABLE sessions (
    id              uuid        PRIMARY KEY,
    token_digest    bytea       NOT NULL UNIQUE, -- SHA-256 of the bearer token; the token is never stored
    user_id         uuid        NOT NULL,
    account_id      uuid        NOT NULL,
    created_at      timestamptz NOT NULL,
    last_seen_at    timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,        -- absolute expiry
    user_agent      text        NOT NULL DEFAULT '',
    client_address  text        NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

-- +goose Down
DROP TABLE sessions;
