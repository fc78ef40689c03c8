DROP INDEX IF EXISTS refresh_tokens_expiry_idx;
