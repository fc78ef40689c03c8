CREATE TABLE message_settings (
    pool_id            CHAR(36)    NOT NULL PRIMARY KEY,
    sms_connector_id   CHAR(36)    NULL,
    email_connector_id CHAR(36)    NULL,
    sms_templates      MEDIUMTEXT  NOT NULL,
    email_templates    MEDIUMTEXT  NOT NULL,
    updated_at         DATETIME(6) NOT NULL,
    CONSTRAINT message_settings_pool_fk FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE,
    CONSTRAINT message_settings_sms_fk FOREIGN KEY (sms_connector_id) REFERENCES connectors (id) ON DELETE SET NULL,
    CONSTRAINT message_settings_email_fk FOREIGN KEY (email_connector_id) REFERENCES connectors (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
--bun:split
CREATE TABLE message_quota_usage (
    pool_id CHAR(36)    NOT NULL,
    channel VARCHAR(16) NOT NULL,
    used    INT         NOT NULL DEFAULT 0,
    PRIMARY KEY (pool_id, channel),
    CONSTRAINT message_quota_usage_pool_fk FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
