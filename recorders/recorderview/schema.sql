-- The recorders read model: recorders with their credentials' digest, and the item tree of each
-- account (folders and cameras, with their paths).
CREATE TABLE recorders (
    id            uuid        PRIMARY KEY,
    account_id    uuid        NOT NULL,
    serial        text        NOT NULL,
    model         text        NOT NULL,
    firmware      text        NOT NULL,
    name          text        NOT NULL,
    status        text        NOT NULL,
    secret_digest text        NOT NULL,
    landing_folder_id uuid,               -- where its new cameras land; NULL: the top level
    revision      bigint      NOT NULL,
    registered_at timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
-- An account's recorders in name order, for keyset pagination.
CREATE INDEX recorders_by_name ON recorders (account_id, name, id);

-- Every item of every account's tree: folders and cameras. ancestors lists the folders from the
-- top level down to the item's parent, so "everything below folder F" is one index lookup
-- (ancestors @> ARRAY[F]) and a rename or a move of F is one set-based update of the rows below
-- it. path is the names of the ancestors and the item joined with " / ".
CREATE TABLE items (
    id          uuid        PRIMARY KEY,
    account_id  uuid        NOT NULL,
    kind        text        NOT NULL,    -- folder or camera
    parent_id   uuid,                    -- NULL: the top level
    name        text        NOT NULL,
    ancestors   uuid[]      NOT NULL,
    path        text        NOT NULL,
    recorder_id uuid,                    -- cameras only, from here on
    hardware_id text,
    channel     integer,
    model       text,
    online      boolean,
    renamed     boolean     NOT NULL DEFAULT false,
    revision    bigint      NOT NULL,    -- of the stream that last changed the item's own fields
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX items_children ON items (account_id, parent_id, kind, name, id);
CREATE INDEX items_below ON items USING gin (ancestors);
CREATE INDEX items_of_recorder ON items (recorder_id);

-- The revision of each account's tree stream: the ETag of its folders.
CREATE TABLE item_trees (
    account_id uuid   PRIMARY KEY,
    revision   bigint NOT NULL
);
