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

-- What support agents changed under each grant: one row per event appended under a grant (its
-- metadata names the grant and the agent). Reads are in the service's log, not here.
CREATE TABLE support_activity (
    event_id         uuid        PRIMARY KEY,
    grant_id         uuid        NOT NULL,
    account_id       uuid        NOT NULL,
    agent            text        NOT NULL,   -- the agent's user ID
    event_type       text        NOT NULL,
    item_ids         uuid[]      NOT NULL,   -- the folders or cameras it concerns
    recorder_id      uuid,                   -- the recorder it concerns, if any
    request_id       text        NOT NULL,
    commit_position  bigint      NOT NULL,
    prepare_position bigint      NOT NULL,
    at               timestamptz NOT NULL
);
CREATE INDEX support_activity_of_grant ON support_activity (grant_id, commit_position DESC, prepare_position DESC);
