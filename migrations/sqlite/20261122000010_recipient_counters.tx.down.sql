DROP TABLE IF EXISTS recipient_counters;
