DROP INDEX refresh_tokens_expiry_idx ON refresh_tokens;
