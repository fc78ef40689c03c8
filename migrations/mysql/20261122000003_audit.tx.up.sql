-- audit_logs holds every pool's audit log: sign-in events and administrative changes.
-- Each index leads with pool_id (every query is scoped to one pool), then the filter column,
-- then (occurred_at, id) so "newest first" is a backward range scan that stops after one page.
-- The filter indexes end with the other filter columns, so a combination of filters (type and
-- result, say) is checked and counted inside one index without reading the table.
CREATE TABLE audit_logs (
    id             CHAR(36)      NOT NULL PRIMARY KEY,
    pool_id        CHAR(36)      NOT NULL,
    occurred_at    DATETIME(6)   NOT NULL,
    type           VARCHAR(32)   NOT NULL,
    action         VARCHAR(64)   NOT NULL DEFAULT '',
    result         VARCHAR(16)   NOT NULL,
    actor          VARCHAR(64)   NOT NULL DEFAULT '',
    object_type    VARCHAR(64)   NOT NULL DEFAULT '',
    object_id      VARCHAR(64)   NOT NULL DEFAULT '',
    details        VARCHAR(1024) NOT NULL DEFAULT '',
    auth_source_id VARCHAR(36)   NOT NULL DEFAULT '',
    application_id VARCHAR(36)   NOT NULL DEFAULT '',
    user_id        VARCHAR(36)   NOT NULL DEFAULT '',
    ip             VARCHAR(45)   NOT NULL DEFAULT '',
    user_agent     VARCHAR(512)  NOT NULL DEFAULT '',
    before_json    TEXT          NULL,
    after_json     TEXT          NULL,
    KEY audit_logs_pool_time_idx (pool_id, occurred_at, id),
    KEY audit_logs_pool_type_idx (pool_id, type, occurred_at, id, result, application_id, auth_source_id),
    KEY audit_logs_pool_result_idx (pool_id, result, occurred_at, id, type, application_id, auth_source_id),
    KEY audit_logs_pool_app_idx (pool_id, application_id, occurred_at, id, type, result, auth_source_id),
    KEY audit_logs_pool_source_idx (pool_id, auth_source_id, occurred_at, id, type, result, application_id),
    CONSTRAINT audit_logs_pool_fk FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
