-- +goose Up
-- The event store a checkpoint's position belongs to (its kind and something stable about it):
-- a position means nothing on another store. NULL for checkpoints recorded before stores were
-- told apart; they are taken to belong to the store configured at the next start.
ALTER TABLE projection_checkpoints ADD COLUMN store text;

-- +goose Down
ALTER TABLE projection_checkpoints DROP COLUMN store;
