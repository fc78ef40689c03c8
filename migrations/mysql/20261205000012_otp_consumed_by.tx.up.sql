ALTER TABLE otp_challenges ADD COLUMN consumed_by CHAR(36) NULL AFTER consumed_at;
