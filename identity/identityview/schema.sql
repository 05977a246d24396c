-- The identity read model: users and groups of every account, for listings and authentication.
CREATE TABLE identity_groups (
    id          uuid        PRIMARY KEY,
    account_id  uuid        NOT NULL,
    name        text        NOT NULL,
    permissions text[]      NOT NULL,
    builtin     boolean     NOT NULL DEFAULT false, -- the Administrator group: every permission, fixed
    revision    bigint      NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX identity_groups_account ON identity_groups (account_id, name, id);

CREATE TABLE identity_users (
    id                    uuid        PRIMARY KEY,
    account_id            uuid        NOT NULL,
    username              text        NOT NULL,
    email                 text        NOT NULL,
    status                text        NOT NULL,
    group_ids             uuid[]      NOT NULL,
    time_format           text        NOT NULL,
    time_zone             text        NOT NULL,
    invitation_expires_at timestamptz,
    revision              bigint      NOT NULL,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL
);
CREATE INDEX identity_users_account ON identity_users (account_id, username, id);
