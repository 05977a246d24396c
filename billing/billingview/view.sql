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

-- Billing jobs read the view as members of camcloud_billing_reader, when the operator made that
-- role (README): a view reads with its owner's rights, so the role reads this view and nothing
-- else of the database (no keys, sessions or events). Granted here, so a rebuilt view keeps it.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'camcloud_billing_reader') THEN
        GRANT SELECT ON camera_usage_daily TO camcloud_billing_reader;
    END IF;
END $$;
