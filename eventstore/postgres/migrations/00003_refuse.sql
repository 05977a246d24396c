-- +goose Up
-- eventstore_refuse raises the error that rolls back a multi-stream append whose expectation
-- failed: the writes of such an append go in one pipelined batch, which PostgreSQL runs as one
-- implicit transaction (no BEGIN and COMMIT round trips), so a refusal must be an error to undo
-- the writes before it. SQLSTATE ES409 names it; DETAIL names the stream.
-- +goose StatementBegin
CREATE FUNCTION eventstore_refuse(stream text) RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'expected revision not met' USING ERRCODE = 'ES409', DETAIL = stream;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION eventstore_refuse(text);
