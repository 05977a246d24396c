-- Service clients: programs calling with an API key (only its digest is kept).
CREATE TABLE service_clients (
    id            uuid        PRIMARY KEY,
    account_id    uuid        NOT NULL,
    name          text        NOT NULL,
    scopes        text[]      NOT NULL,
    expires_at    timestamptz,
    secret_digest text        NOT NULL,
    revoked       boolean     NOT NULL DEFAULT false,
    revision      bigint      NOT NULL,
    created_at    timestamptz NOT NULL
);
CREATE INDEX service_clients_account ON service_clients (account_id, name, id);
