CREATE TABLE recipient_counters (
    pool_id     TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    counter_key TEXT    NOT NULL,
    verdict     INTEGER NOT NULL,
    cool_until  INTEGER NOT NULL,
    w1_start    INTEGER NOT NULL,
    w1_hits     INTEGER NOT NULL,
    w2_start    INTEGER NOT NULL,
    w2_hits     INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (pool_id, counter_key)
);
--bun:split
CREATE INDEX recipient_counters_expiry_idx ON recipient_counters (expires_at);
