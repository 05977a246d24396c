-- The accounts read model: every account with its place in the partner tree.
CREATE TABLE accounts (
    id                uuid        PRIMARY KEY,
    parent_id         uuid        REFERENCES accounts (id),
    kind              text        NOT NULL,
    name              text        NOT NULL,
    address           jsonb       NOT NULL,
    registration_code text        NOT NULL UNIQUE,
    -- The account's own status: active, suspended or closed. Its effective status (closed or
    -- suspended when it or an ancestor is) is read through account_tree at query time.
    status            text        NOT NULL DEFAULT 'active',
    revision          bigint      NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
-- Children of an account in name order, for keyset pagination.
CREATE INDEX accounts_children ON accounts (parent_id, name, id);

-- The transitive closure of the tree: one row per (ancestor, descendant) pair, including each
-- account with itself at depth 0, so "this account and everything below it" is one index scan.
CREATE TABLE account_tree (
    ancestor_id   uuid    NOT NULL REFERENCES accounts (id),
    descendant_id uuid    NOT NULL REFERENCES accounts (id),
    depth         integer NOT NULL,
    PRIMARY KEY (ancestor_id, descendant_id)
);
CREATE INDEX account_tree_descendant ON account_tree (descendant_id, depth);
