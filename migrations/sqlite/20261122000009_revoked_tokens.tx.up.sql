CREATE TABLE revoked_tokens (
    pool_id    TEXT      NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    jti        TEXT      NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (pool_id, jti)
);
--bun:split
CREATE INDEX revoked_tokens_expiry_idx ON revoked_tokens (expires_at);
