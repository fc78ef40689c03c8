ALTER TABLE otp_challenges DROP COLUMN consumed_by;
