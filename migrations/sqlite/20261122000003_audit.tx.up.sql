-- audit_logs holds every pool's audit log: sign-in events and administrative changes.
-- Each index leads with pool_id, then the filter column, then (occurred_at, id): id is listed
-- explicitly because SQLite indexes carry the rowid, not the TEXT primary key, and the list is
-- ordered by (occurred_at, id). The filter indexes end with the other filter columns, so a
-- combination of filters is checked and counted inside one index without reading the table.
CREATE TABLE audit_logs (
    id             TEXT      NOT NULL PRIMARY KEY,
    pool_id        TEXT      NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    occurred_at    TIMESTAMP NOT NULL,
    type           TEXT      NOT NULL,
    action         TEXT      NOT NULL DEFAULT '',
    result         TEXT      NOT NULL,
    actor          TEXT      NOT NULL DEFAULT '',
    object_type    TEXT      NOT NULL DEFAULT '',
    object_id      TEXT      NOT NULL DEFAULT '',
    details        TEXT      NOT NULL DEFAULT '',
    auth_source_id TEXT      NOT NULL DEFAULT '',
    application_id TEXT      NOT NULL DEFAULT '',
    user_id        TEXT      NOT NULL DEFAULT '',
    ip             TEXT      NOT NULL DEFAULT '',
    user_agent     TEXT      NOT NULL DEFAULT '',
    before_json    TEXT      NULL,
    after_json     TEXT      NULL
);
--bun:split
CREATE INDEX audit_logs_pool_time_idx ON audit_logs (pool_id, occurred_at, id);
--bun:split
CREATE INDEX audit_logs_pool_type_idx ON audit_logs (pool_id, type, occurred_at, id, result, application_id, auth_source_id);
--bun:split
CREATE INDEX audit_logs_pool_result_idx ON audit_logs (pool_id, result, occurred_at, id, type, application_id, auth_source_id);
--bun:split
CREATE INDEX audit_logs_pool_app_idx ON audit_logs (pool_id, application_id, occurred_at, id, type, result, auth_source_id);
--bun:split
CREATE INDEX audit_logs_pool_source_idx ON audit_logs (pool_id, auth_source_id, occurred_at, id, type, result, application_id);
