CREATE TABLE recipient_counters (
    pool_id     CHAR(36)     NOT NULL,
    counter_key VARCHAR(191) NOT NULL,
    verdict     INT          NOT NULL,
    cool_until  BIGINT       NOT NULL,
    w1_start    BIGINT       NOT NULL,
    w1_hits     INT          NOT NULL,
    w2_start    BIGINT       NOT NULL,
    w2_hits     INT          NOT NULL,
    expires_at  BIGINT       NOT NULL,
    PRIMARY KEY (pool_id, counter_key),
    KEY recipient_counters_expiry_idx (expires_at),
    CONSTRAINT recipient_counters_pool_fk FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
