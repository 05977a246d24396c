-- Technical support access grants of every account.
CREATE TABLE support_grants (
    id          uuid        PRIMARY KEY,
    account_id  uuid        NOT NULL,
    items       uuid[]      NOT NULL,   -- empty: the whole account
    ends_at     timestamptz,            -- NULL: permanent
    note        text        NOT NULL,
    granted_by  text        NOT NULL,
    granted_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    expired_at  timestamptz,            -- when the service recorded the end it reached
    revision    bigint      NOT NULL
);
CREATE INDEX support_grants_account ON support_grants (account_id, granted_at DESC, id);
CREATE INDEX support_grants_ending ON support_grants (ends_at) WHERE revoked_at IS NULL AND expired_at IS NULL;
