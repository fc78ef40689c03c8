CREATE TABLE otp_challenges (
    id               TEXT      NOT NULL PRIMARY KEY,
    pool_id          TEXT      NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    application_id   TEXT      NOT NULL,
    auth_source_id   TEXT      NOT NULL,
    channel          TEXT      NOT NULL,
    recipient        TEXT      NOT NULL,
    otp_usage        TEXT      NOT NULL,
    code_hmac        TEXT      NOT NULL,
    token_hash       TEXT      NOT NULL,
    attempts         INTEGER   NOT NULL DEFAULT 0,
    code_expires_at  TIMESTAMP NOT NULL,
    token_expires_at TIMESTAMP NOT NULL,
    consumed_at      TIMESTAMP NULL,
    burned_at        TIMESTAMP NULL,
    created_at       TIMESTAMP NOT NULL
);
--bun:split
CREATE UNIQUE INDEX otp_challenges_token_key ON otp_challenges (token_hash);
--bun:split
CREATE INDEX otp_challenges_expiry_idx ON otp_challenges (token_expires_at);
--bun:split
CREATE INDEX otp_challenges_recipient_idx ON otp_challenges (pool_id, recipient);
--bun:split
CREATE TABLE rate_counters (
    pool_id      TEXT      NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    counter_key  TEXT      NOT NULL,
    window_start INTEGER   NOT NULL,
    hits         INTEGER   NOT NULL,
    expires_at   INTEGER   NOT NULL,
    PRIMARY KEY (pool_id, counter_key, window_start)
);
--bun:split
CREATE INDEX rate_counters_expiry_idx ON rate_counters (expires_at);
--bun:split
CREATE TABLE otp_settings (
    pool_id                    TEXT      NOT NULL PRIMARY KEY REFERENCES pools (id) ON DELETE CASCADE,
    recipient_cooldown_seconds INTEGER   NOT NULL,
    recipient_hourly_limit     INTEGER   NOT NULL,
    recipient_daily_limit      INTEGER   NOT NULL,
    ip_limit                   INTEGER   NOT NULL,
    ip_window_seconds          INTEGER   NOT NULL,
    pool_daily_limit           INTEGER   NOT NULL,
    blocked_email_domains      TEXT      NOT NULL,
    updated_at                 TIMESTAMP NOT NULL
);
