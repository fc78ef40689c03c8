CREATE TABLE server_settings (
    name       TEXT      NOT NULL PRIMARY KEY,
    value      TEXT      NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
--bun:split
CREATE TABLE pools (
    id            TEXT      NOT NULL PRIMARY KEY,
    name          TEXT      NOT NULL,
    logo_image_id TEXT      NULL,
    is_default    BOOLEAN   NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
--bun:split
CREATE UNIQUE INDEX pools_name_key ON pools (name);
--bun:split
CREATE TABLE images (
    id           TEXT      NOT NULL PRIMARY KEY,
    pool_id      TEXT      NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    content_type TEXT      NOT NULL,
    data         BLOB      NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX images_pool_idx ON images (pool_id);
--bun:split
CREATE TABLE attributes (
    id          TEXT      NOT NULL PRIMARY KEY,
    pool_id     TEXT      NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    name        TEXT      NOT NULL,
    label       TEXT      NOT NULL,
    source      TEXT      NOT NULL,
    field_type  TEXT      NOT NULL,
    options     TEXT      NULL,
    mask_rule   TEXT      NOT NULL,
    mask_first  INTEGER   NOT NULL DEFAULT 0,
    mask_last   INTEGER   NOT NULL DEFAULT 0,
    regex       TEXT      NOT NULL DEFAULT '',
    regex_error TEXT      NOT NULL DEFAULT '',
    enabled     BOOLEAN   NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
--bun:split
CREATE UNIQUE INDEX attributes_pool_name_key ON attributes (pool_id, name);
--bun:split
CREATE TABLE users (
    id                  TEXT      NOT NULL PRIMARY KEY,
    pool_id             TEXT      NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    user_name           TEXT      NULL,
    email               TEXT      NULL,
    phone_number        TEXT      NULL,
    password_hash       TEXT      NOT NULL DEFAULT '',
    status              TEXT      NOT NULL,
    source              TEXT      NOT NULL,
    already_first_login BOOLEAN   NOT NULL DEFAULT FALSE,
    error_count         INTEGER   NOT NULL DEFAULT 0,
    lock_type           TEXT      NOT NULL DEFAULT '',
    lock_time           TIMESTAMP NULL,
    frozen              BOOLEAN   NOT NULL DEFAULT FALSE,
    last_login_at       TIMESTAMP NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
--bun:split
CREATE UNIQUE INDEX users_pool_user_name_key ON users (pool_id, user_name);
--bun:split
CREATE UNIQUE INDEX users_pool_email_key ON users (pool_id, email);
--bun:split
CREATE UNIQUE INDEX users_pool_phone_key ON users (pool_id, phone_number);
--bun:split
CREATE INDEX users_pool_status_idx ON users (pool_id, status, id);
--bun:split
CREATE TABLE user_attribute_values (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pool_id TEXT NOT NULL,
    name    TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (user_id, name)
);
--bun:split
CREATE INDEX user_attribute_values_pool_name_idx ON user_attribute_values (pool_id, name);
--bun:split
CREATE TABLE user_groups (
    id          TEXT      NOT NULL PRIMARY KEY,
    pool_id     TEXT      NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    name        TEXT      NOT NULL,
    description TEXT      NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
--bun:split
CREATE UNIQUE INDEX user_groups_pool_name_key ON user_groups (pool_id, name);
--bun:split
CREATE TABLE user_group_members (
    group_id   TEXT      NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    user_id    TEXT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pool_id    TEXT      NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
--bun:split
CREATE INDEX user_group_members_user_idx ON user_group_members (user_id);
