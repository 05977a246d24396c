-- camera_usage_daily: the contract billing jobs read (documented in the README). Its columns keep
-- their names and meanings; new ones may be added at the end.
CREATE VIEW camera_usage_daily AS
SELECT account_id,
       camera_id,
       day,
       recorder_id,
       recorder_serial,
       recorder_name,
       camera_name,
       item_path,
       in_service,
       recorded_seconds,
       stored_bytes,
       plan_id,
       plan_name,
       daily_price_minor,
       currency,
       reported_at
FROM camera_usage_days;
