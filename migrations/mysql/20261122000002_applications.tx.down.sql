DROP TABLE IF EXISTS applications;
--bun:split
DROP TABLE IF EXISTS auth_sources;
