CREATE TABLE connectors (
    id             CHAR(36)     NOT NULL PRIMARY KEY,
    pool_id        CHAR(36)     NOT NULL,
    type           VARCHAR(64)  NOT NULL,
    channel        VARCHAR(16)  NOT NULL,
    name           VARCHAR(128) NOT NULL,
    config_json    TEXT         NOT NULL,
    secrets_sealed BLOB         NULL,
    secrets_set    TEXT         NOT NULL,
    templates_json MEDIUMTEXT   NOT NULL,
    created_at     DATETIME(6)  NOT NULL,
    updated_at     DATETIME(6)  NOT NULL,
    UNIQUE KEY connectors_pool_name_key (pool_id, name),
    KEY connectors_pool_created_idx (pool_id, created_at),
    CONSTRAINT connectors_pool_fk FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
