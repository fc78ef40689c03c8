DROP TABLE IF EXISTS message_quota_usage;
--bun:split
DROP TABLE IF EXISTS message_settings;
