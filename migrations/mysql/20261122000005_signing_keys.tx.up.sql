-- One row per token signing key (id = JWK kid). active_slot is '<pool_id>:<alg>' while the key
-- is active and NULL once retired: its unique index lets at most one key per pool and algorithm
-- be active, even when several instances create a pool's first key at the same moment.
CREATE TABLE signing_keys (
    id             CHAR(36)     NOT NULL PRIMARY KEY,
    pool_id        CHAR(36)     NOT NULL,
    alg            VARCHAR(16)  NOT NULL,
    private_sealed BLOB         NOT NULL,
    public_jwk     TEXT         NOT NULL,
    status         VARCHAR(16)  NOT NULL,
    active_slot    VARCHAR(64)  NULL,
    created_at     DATETIME(6)  NOT NULL,
    retired_at     DATETIME(6)  NULL,
    expires_at     DATETIME(6)  NULL,
    UNIQUE KEY signing_keys_active_slot_key (active_slot),
    KEY signing_keys_pool_alg_status_idx (pool_id, alg, status),
    CONSTRAINT signing_keys_pool_fk FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
