-- +goose Up
-- Event bodies are compressed with lz4 instead of pglz when the server was built with it (as
-- the Debian and PGDG packages are): a usage batch's event is hundreds of kilobytes of JSON,
-- and pglz took most of an append's time to compress it. lz4 compresses several times faster
-- to about the same size, and reads back faster. Stored events keep their compression until
-- they are rewritten; a server without lz4 keeps pglz.
-- +goose StatementBegin
DO $$
BEGIN
    ALTER TABLE events ALTER COLUMN data SET COMPRESSION lz4, ALTER COLUMN metadata SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'eventstore: this server has no lz4; event bodies stay compressed with pglz';
END
$$;
-- +goose StatementEnd

-- +goose Down
ALTER TABLE events ALTER COLUMN data SET COMPRESSION default, ALTER COLUMN metadata SET COMPRESSION default;
