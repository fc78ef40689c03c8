-- One row per token signing key (id = JWK kid). active_slot is '<pool_id>:<alg>' while the key
-- is active and NULL once retired: its unique index lets at most one key per pool and algorithm
-- be active, even when several instances create a pool's first key at the same moment.
CREATE TABLE signing_keys (
    id             TEXT      NOT NULL PRIMARY KEY,
    pool_id        TEXT      NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    alg            TEXT      NOT NULL,
    private_sealed BLOB      NOT NULL,
    public_jwk     TEXT      NOT NULL,
    status         TEXT      NOT NULL,
    active_slot    TEXT      NULL,
    created_at     TIMESTAMP NOT NULL,
    retired_at     TIMESTAMP NULL,
    expires_at     TIMESTAMP NULL
);
--bun:split
CREATE UNIQUE INDEX signing_keys_active_slot_key ON signing_keys (active_slot);
--bun:split
CREATE INDEX signing_keys_pool_alg_status_idx ON signing_keys (pool_id, alg, status);
