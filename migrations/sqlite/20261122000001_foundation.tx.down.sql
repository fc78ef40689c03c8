DROP TABLE IF EXISTS user_group_members;
--bun:split
DROP TABLE IF EXISTS user_groups;
--bun:split
DROP TABLE IF EXISTS user_attribute_values;
--bun:split
DROP TABLE IF EXISTS users;
--bun:split
DROP TABLE IF EXISTS attributes;
--bun:split
DROP TABLE IF EXISTS images;
--bun:split
DROP TABLE IF EXISTS pools;
--bun:split
DROP TABLE IF EXISTS server_settings;
