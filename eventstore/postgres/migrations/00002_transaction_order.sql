-- +goose Up
-- Appends no longer take one lock for the global order. An event's position is
-- (commit_position, prepare_position): the first is its transaction's ID (pg_current_xact_id),
-- mapped by eventstore_commit_position so that it sorts after every position handed out before
-- this migration; the second numbers the events within their transaction. Readers take only events
-- whose transaction is older than every transaction still running
-- (pg_snapshot_xmin(pg_current_snapshot())), so a transaction that commits late can never land
-- behind a position a reader already passed.
--
-- Events stored before keep their position N as (N, N): Position{N, N} in Go, "N" as text, so
-- the read models' checkpoints (projection_checkpoints) still name the same event and compare
-- correctly with the new positions.
ALTER TABLE events RENAME COLUMN position TO prepare_position;
ALTER TABLE events ADD COLUMN commit_position bigint;
UPDATE events SET commit_position = prepare_position;
ALTER TABLE events ALTER COLUMN commit_position SET NOT NULL;
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD PRIMARY KEY (commit_position, prepare_position);

-- One row per stream with its last revision: an append updates it (the row lock orders appends
-- to one stream and makes the expected revision hold), a check-only write of a multi-stream
-- append locks it FOR SHARE. A stream only checked while it had no event gets revision -1, so
-- that the check has a row to lock.
CREATE TABLE streams (
    stream   text   PRIMARY KEY,
    revision bigint NOT NULL
);
INSERT INTO streams (stream, revision) SELECT stream, max(revision) FROM events GROUP BY stream;

-- The base is fixed here, once: the largest position handed out so far, so that every new
-- transaction (whose ID is at least 1) sorts after every stored event.
-- +goose StatementBegin
DO $$
DECLARE
    base bigint := (SELECT coalesce(max(prepare_position), 0) FROM events);
BEGIN
    EXECUTE format(
        'CREATE FUNCTION eventstore_commit_position(xid xid8) RETURNS bigint
         LANGUAGE sql IMMUTABLE PARALLEL SAFE
         RETURN xid::text::bigint + %s', base);
END
$$;
-- +goose StatementEnd

-- +goose Down
-- Positions are no longer dense: going back would renumber every event and invalidate the read
-- models' checkpoints. Restore a backup instead.
-- +goose StatementBegin
DO $$ BEGIN RAISE EXCEPTION 'eventstore: migration 2 cannot be undone'; END $$;
-- +goose StatementEnd
