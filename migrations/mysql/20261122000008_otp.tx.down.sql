DROP TABLE IF EXISTS otp_settings;
--bun:split
DROP TABLE IF EXISTS rate_counters;
--bun:split
DROP TABLE IF EXISTS otp_challenges;
