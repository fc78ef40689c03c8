CREATE TABLE auth_sources (
    id            TEXT      NOT NULL PRIMARY KEY,
    pool_id       TEXT      NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    type          TEXT      NOT NULL,
    name          TEXT      NOT NULL,
    icon_image_id TEXT      NULL,
    attribute     TEXT      NOT NULL,
    description   TEXT      NOT NULL DEFAULT '',
    enabled       BOOLEAN   NOT NULL,
    policy        TEXT      NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
--bun:split
CREATE UNIQUE INDEX auth_sources_pool_name_key ON auth_sources (pool_id, name);
--bun:split
CREATE INDEX auth_sources_pool_type_idx ON auth_sources (pool_id, type, created_at);
--bun:split
CREATE TABLE applications (
    id                    TEXT      NOT NULL PRIMARY KEY,
    pool_id               TEXT      NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    type                  TEXT      NOT NULL,
    name                  TEXT      NOT NULL,
    icon_image_id         TEXT      NULL,
    industry              TEXT      NOT NULL DEFAULT '',
    description           TEXT      NOT NULL DEFAULT '',
    client_id             TEXT      NOT NULL,
    secret_hash           TEXT      NOT NULL DEFAULT '',
    enabled               BOOLEAN   NOT NULL,
    redirect_uris         TEXT      NOT NULL,
    logout_redirect_uris  TEXT      NOT NULL,
    access_token_ttl      INTEGER   NOT NULL,
    refresh_token_enabled BOOLEAN   NOT NULL,
    refresh_token_ttl     INTEGER   NOT NULL,
    signing_alg           TEXT      NOT NULL,
    claims                TEXT      NOT NULL,
    process               TEXT      NOT NULL,
    cors_origins          TEXT      NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL
);
--bun:split
CREATE UNIQUE INDEX applications_client_id_key ON applications (client_id);
--bun:split
CREATE INDEX applications_pool_created_idx ON applications (pool_id, created_at, id);
--bun:split
CREATE INDEX applications_pool_enabled_idx ON applications (pool_id, enabled);
--bun:split
CREATE INDEX applications_pool_type_idx ON applications (pool_id, type);
--bun:split
CREATE INDEX applications_pool_name_idx ON applications (pool_id, name);
