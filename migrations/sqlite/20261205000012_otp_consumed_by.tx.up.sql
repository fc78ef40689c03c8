ALTER TABLE otp_challenges ADD COLUMN consumed_by TEXT NULL;
