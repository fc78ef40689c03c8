CREATE TABLE message_settings (
    pool_id            TEXT      NOT NULL PRIMARY KEY REFERENCES pools (id) ON DELETE CASCADE,
    sms_connector_id   TEXT      NULL REFERENCES connectors (id) ON DELETE SET NULL,
    email_connector_id TEXT      NULL REFERENCES connectors (id) ON DELETE SET NULL,
    sms_templates      TEXT      NOT NULL,
    email_templates    TEXT      NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
--bun:split
CREATE TABLE message_quota_usage (
    pool_id TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    channel TEXT    NOT NULL,
    used    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (pool_id, channel)
);
