CREATE TABLE connectors (
    id             TEXT      NOT NULL PRIMARY KEY,
    pool_id        TEXT      NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    type           TEXT      NOT NULL,
    channel        TEXT      NOT NULL,
    name           TEXT      NOT NULL,
    config_json    TEXT      NOT NULL,
    secrets_sealed BLOB      NULL,
    secrets_set    TEXT      NOT NULL,
    templates_json TEXT      NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
--bun:split
CREATE UNIQUE INDEX connectors_pool_name_key ON connectors (pool_id, name);
--bun:split
CREATE INDEX connectors_pool_created_idx ON connectors (pool_id, created_at);
