CREATE TABLE refresh_tokens (
    id             CHAR(36)     NOT NULL PRIMARY KEY,
    pool_id        CHAR(36)     NOT NULL,
    application_id CHAR(36)     NOT NULL,
    user_id        CHAR(36)     NOT NULL,
    family_id      CHAR(36)     NOT NULL,
    token_hash     CHAR(64)     NOT NULL,
    scope          VARCHAR(512) NOT NULL,
    amr            VARCHAR(255) NOT NULL,
    auth_time      DATETIME(6)  NOT NULL,
    expires_at     DATETIME(6)  NOT NULL,
    created_at     DATETIME(6)  NOT NULL,
    rotated_at     DATETIME(6)  NULL,
    revoked_at     DATETIME(6)  NULL,
    UNIQUE KEY refresh_tokens_hash_key (token_hash),
    KEY refresh_tokens_family_idx (family_id),
    KEY refresh_tokens_user_idx (pool_id, user_id),
    CONSTRAINT refresh_tokens_pool_fk FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
