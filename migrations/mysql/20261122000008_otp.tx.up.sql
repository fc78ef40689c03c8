CREATE TABLE otp_challenges (
    id               CHAR(36)     NOT NULL PRIMARY KEY,
    pool_id          CHAR(36)     NOT NULL,
    application_id   CHAR(36)     NOT NULL,
    auth_source_id   VARCHAR(36)  NOT NULL,
    channel          VARCHAR(8)   NOT NULL,
    recipient        VARCHAR(254) NOT NULL,
    otp_usage        VARCHAR(32)  NOT NULL,
    code_hmac        CHAR(64)     NOT NULL,
    token_hash       CHAR(64)     NOT NULL,
    attempts         INT          NOT NULL DEFAULT 0,
    code_expires_at  DATETIME(6)  NOT NULL,
    token_expires_at DATETIME(6)  NOT NULL,
    consumed_at      DATETIME(6)  NULL,
    burned_at        DATETIME(6)  NULL,
    created_at       DATETIME(6)  NOT NULL,
    UNIQUE KEY otp_challenges_token_key (token_hash),
    KEY otp_challenges_expiry_idx (token_expires_at),
    KEY otp_challenges_recipient_idx (pool_id, recipient),
    CONSTRAINT otp_challenges_pool_fk FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
--bun:split
CREATE TABLE rate_counters (
    pool_id      CHAR(36)     NOT NULL,
    counter_key  VARCHAR(191) NOT NULL,
    window_start BIGINT       NOT NULL,
    hits         INT          NOT NULL,
    expires_at   BIGINT       NOT NULL,
    PRIMARY KEY (pool_id, counter_key, window_start),
    KEY rate_counters_expiry_idx (expires_at),
    CONSTRAINT rate_counters_pool_fk FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
--bun:split
CREATE TABLE otp_settings (
    pool_id                    CHAR(36)    NOT NULL PRIMARY KEY,
    recipient_cooldown_seconds INT         NOT NULL,
    recipient_hourly_limit     INT         NOT NULL,
    recipient_daily_limit      INT         NOT NULL,
    ip_limit                   INT         NOT NULL,
    ip_window_seconds          INT         NOT NULL,
    pool_daily_limit           INT         NOT NULL,
    blocked_email_domains      MEDIUMTEXT  NOT NULL,
    updated_at                 DATETIME(6) NOT NULL,
    CONSTRAINT otp_settings_pool_fk FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
