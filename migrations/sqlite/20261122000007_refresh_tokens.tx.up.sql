CREATE TABLE refresh_tokens (
    id             TEXT      NOT NULL PRIMARY KEY,
    pool_id        TEXT      NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    application_id TEXT      NOT NULL,
    user_id        TEXT      NOT NULL,
    family_id      TEXT      NOT NULL,
    token_hash     TEXT      NOT NULL,
    scope          TEXT      NOT NULL,
    amr            TEXT      NOT NULL,
    auth_time      TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    rotated_at     TIMESTAMP NULL,
    revoked_at     TIMESTAMP NULL
);
--bun:split
CREATE UNIQUE INDEX refresh_tokens_hash_key ON refresh_tokens (token_hash);
--bun:split
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
--bun:split
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (pool_id, user_id);
