CREATE TABLE server_settings (
    name       VARCHAR(64)  NOT NULL PRIMARY KEY,
    value      TEXT         NOT NULL,
    updated_at DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
--bun:split
CREATE TABLE pools (
    id            CHAR(36)     NOT NULL PRIMARY KEY,
    name          VARCHAR(128) NOT NULL,
    logo_image_id CHAR(36)     NULL,
    is_default    BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at    DATETIME(6)  NOT NULL,
    updated_at    DATETIME(6)  NOT NULL,
    UNIQUE KEY pools_name_key (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
--bun:split
CREATE TABLE images (
    id           CHAR(36)    NOT NULL PRIMARY KEY,
    pool_id      CHAR(36)    NOT NULL,
    content_type VARCHAR(32) NOT NULL,
    data         MEDIUMBLOB  NOT NULL,
    created_at   DATETIME(6) NOT NULL,
    KEY images_pool_idx (pool_id),
    CONSTRAINT images_pool_fk FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
--bun:split
CREATE TABLE attributes (
    id          CHAR(36)     NOT NULL PRIMARY KEY,
    pool_id     CHAR(36)     NOT NULL,
    name        VARCHAR(64)  NOT NULL,
    label       VARCHAR(128) NOT NULL,
    source      VARCHAR(16)  NOT NULL,
    field_type  VARCHAR(16)  NOT NULL,
    options     TEXT         NULL,
    mask_rule   VARCHAR(16)  NOT NULL,
    mask_first  INT          NOT NULL DEFAULT 0,
    mask_last   INT          NOT NULL DEFAULT 0,
    regex       VARCHAR(512) NOT NULL DEFAULT '',
    regex_error VARCHAR(256) NOT NULL DEFAULT '',
    enabled     BOOLEAN      NOT NULL,
    created_at  DATETIME(6)  NOT NULL,
    updated_at  DATETIME(6)  NOT NULL,
    UNIQUE KEY attributes_pool_name_key (pool_id, name),
    CONSTRAINT attributes_pool_fk FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
--bun:split
CREATE TABLE users (
    id                  CHAR(36)     NOT NULL PRIMARY KEY,
    pool_id             CHAR(36)     NOT NULL,
    user_name           VARCHAR(128) NULL,
    email               VARCHAR(254) NULL,
    phone_number        VARCHAR(20)  NULL,
    password_hash       VARCHAR(255) NOT NULL DEFAULT '',
    status              VARCHAR(16)  NOT NULL,
    source              VARCHAR(32)  NOT NULL,
    already_first_login BOOLEAN      NOT NULL DEFAULT FALSE,
    error_count         INT          NOT NULL DEFAULT 0,
    lock_type           VARCHAR(16)  NOT NULL DEFAULT '',
    lock_time           DATETIME(6)  NULL,
    frozen              BOOLEAN      NOT NULL DEFAULT FALSE,
    last_login_at       DATETIME(6)  NULL,
    created_at          DATETIME(6)  NOT NULL,
    updated_at          DATETIME(6)  NOT NULL,
    UNIQUE KEY users_pool_user_name_key (pool_id, user_name),
    UNIQUE KEY users_pool_email_key (pool_id, email),
    UNIQUE KEY users_pool_phone_key (pool_id, phone_number),
    KEY users_pool_status_idx (pool_id, status, id),
    CONSTRAINT users_pool_fk FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
--bun:split
CREATE TABLE user_attribute_values (
    user_id CHAR(36)    NOT NULL,
    pool_id CHAR(36)    NOT NULL,
    name    VARCHAR(64) NOT NULL,
    value   TEXT        NOT NULL,
    PRIMARY KEY (user_id, name),
    KEY user_attribute_values_pool_name_idx (pool_id, name),
    CONSTRAINT user_attribute_values_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
--bun:split
CREATE TABLE user_groups (
    id          CHAR(36)     NOT NULL PRIMARY KEY,
    pool_id     CHAR(36)     NOT NULL,
    name        VARCHAR(128) NOT NULL,
    description VARCHAR(128) NOT NULL DEFAULT '',
    created_at  DATETIME(6)  NOT NULL,
    updated_at  DATETIME(6)  NOT NULL,
    UNIQUE KEY user_groups_pool_name_key (pool_id, name),
    CONSTRAINT user_groups_pool_fk FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
--bun:split
CREATE TABLE user_group_members (
    group_id   CHAR(36)    NOT NULL,
    user_id    CHAR(36)    NOT NULL,
    pool_id    CHAR(36)    NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (group_id, user_id),
    KEY user_group_members_user_idx (user_id),
    CONSTRAINT user_group_members_group_fk FOREIGN KEY (group_id) REFERENCES user_groups (id) ON DELETE CASCADE,
    CONSTRAINT user_group_members_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
