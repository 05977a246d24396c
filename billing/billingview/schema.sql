-- The per-day camera usage read model: one row per camera and day, the last report (by the
-- recorder's sequence) winning. Billing jobs read it through the camera_usage_daily view (the
-- contract the README documents), never through this table.
CREATE TABLE camera_usage_days (
    account_id       uuid        NOT NULL,
    camera_id        uuid        NOT NULL,
    day              date        NOT NULL,
    recorder_id      uuid        NOT NULL,
    sequence         bigint      NOT NULL,   -- the recorder's sequence of the report that set it
    batch_id         text        NOT NULL,
    in_service       boolean     NOT NULL,
    recorded_seconds integer     NOT NULL,
    stored_bytes     bigint      NOT NULL,
    -- As the recorders read model had them when the day was reported (NULL when it did not have
    -- the camera yet): the day's names and path for a report sent on the day or the next.
    camera_name      text,
    item_path        text,
    recorder_serial  text,
    recorder_name    text,
    reported_at      timestamptz NOT NULL,
    PRIMARY KEY (camera_id, day)
);
CREATE INDEX camera_usage_days_account ON camera_usage_days (account_id, day, camera_id);
