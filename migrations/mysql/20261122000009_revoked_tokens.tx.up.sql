CREATE TABLE revoked_tokens (
    pool_id    CHAR(36)    NOT NULL,
    jti        VARCHAR(64) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    revoked_at DATETIME(6) NOT NULL,
    PRIMARY KEY (pool_id, jti),
    KEY revoked_tokens_expiry_idx (expires_at),
    CONSTRAINT revoked_tokens_pool_fk FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
