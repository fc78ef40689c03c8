package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

type otpChallengeRow struct {
	bun.BaseModel `bun:"table:otp_challenges"`

	ID             string     `bun:"id,pk"`
	PoolID         string     `bun:"pool_id"`
	ApplicationID  string     `bun:"application_id"`
	AuthSourceID   string     `bun:"auth_source_id"`
	Channel        string     `bun:"channel"`
	Recipient      string     `bun:"recipient"`
	Usage          string     `bun:"otp_usage"`
	CodeHMAC       string     `bun:"code_hmac"`
	TokenHash      string     `bun:"token_hash"`
	Attempts       int        `bun:"attempts"`
	CodeExpiresAt  time.Time  `bun:"code_expires_at"`
	TokenExpiresAt time.Time  `bun:"token_expires_at"`
	ConsumedAt     *time.Time `bun:"consumed_at"`
	BurnedAt       *time.Time `bun:"burned_at"`
	CreatedAt      time.Time  `bun:"created_at"`
}

// OTPStore implements ports.OTPStore.
type OTPStore struct{ db *DB }

var _ ports.OTPStore = (*OTPStore)(nil)

// sweepOdds: about one insert in sweepOdds also deletes a batch of long-dead rows, so the
// tables stay small without a background job.
const sweepOdds = 200

func (s *OTPStore) Create(ctx context.Context, c *domain.OTPChallenge) error {
	row := &otpChallengeRow{ID: c.ID, PoolID: c.PoolID, ApplicationID: c.ApplicationID, AuthSourceID: c.AuthSourceID,
		Channel: c.Channel, Recipient: c.Recipient, Usage: c.Usage, CodeHMAC: c.CodeHMAC, TokenHash: c.TokenHash,
		CodeExpiresAt: c.CodeExpiresAt.UTC(), TokenExpiresAt: c.TokenExpiresAt.UTC(), CreatedAt: c.CreatedAt.UTC()}
	if _, err := s.db.idb(ctx).NewInsert().Model(row).Exec(ctx); err != nil {
		return mapErr(err, "otp challenge")
	}
	if rand.IntN(sweepOdds) == 0 {
		// Keep a day of dead challenges for investigations; the rest goes.
		_, _ = s.db.idb(ctx).NewRaw("DELETE FROM otp_challenges WHERE token_expires_at < ?", c.CreatedAt.UTC().Add(-24*time.Hour)).Exec(ctx)
	}
	return nil
}

func (s *OTPStore) GetByToken(ctx context.Context, poolID, tokenHash string) (*domain.OTPChallenge, error) {
	var r otpChallengeRow
	if err := s.db.idb(ctx).NewSelect().Model(&r).Where("token_hash = ? AND pool_id = ?", tokenHash, poolID).Scan(ctx); err != nil {
		return nil, mapErr(err, "otp challenge")
	}
	return &domain.OTPChallenge{ID: r.ID, PoolID: r.PoolID, ApplicationID: r.ApplicationID, AuthSourceID: r.AuthSourceID,
		Channel: r.Channel, Recipient: r.Recipient, Usage: r.Usage, CodeHMAC: r.CodeHMAC, TokenHash: r.TokenHash,
		Attempts: r.Attempts, CodeExpiresAt: r.CodeExpiresAt.UTC(), TokenExpiresAt: r.TokenExpiresAt.UTC(),
		ConsumedAt: utcOrNil(r.ConsumedAt), BurnedAt: utcOrNil(r.BurnedAt), CreatedAt: r.CreatedAt.UTC()}, nil
}

func (s *OTPStore) Fail(ctx context.Context, id string, maxAttempts int, now time.Time) (bool, error) {
	// One statement: the attempt counts and, at the limit, the challenge burns, even when
	// several wrong codes arrive at once.
	// burned_at is set before attempts: MySQL evaluates SET assignments left to right with
	// the values already assigned, SQLite with the old row; this order reads the old count on both.
	res, err := s.db.idb(ctx).NewRaw(`UPDATE otp_challenges SET burned_at = CASE WHEN attempts + 1 >= ? THEN ? ELSE burned_at END,
		attempts = attempts + 1
		WHERE id = ? AND consumed_at IS NULL AND burned_at IS NULL AND attempts < ?`,
		maxAttempts, now.UTC(), id, maxAttempts).Exec(ctx)
	return affected(res, err)
}

func (s *OTPStore) Consume(ctx context.Context, id string, maxAttempts int, now time.Time) (bool, error) {
	res, err := s.db.idb(ctx).NewRaw(`UPDATE otp_challenges SET consumed_at = ?
		WHERE id = ? AND consumed_at IS NULL AND burned_at IS NULL AND attempts < ? AND code_expires_at > ?`,
		now.UTC(), id, maxAttempts, now.UTC()).Exec(ctx)
	return affected(res, err)
}

func (s *OTPStore) Burn(ctx context.Context, id string, now time.Time) error {
	_, err := s.db.idb(ctx).NewRaw("UPDATE otp_challenges SET burned_at = ? WHERE id = ? AND burned_at IS NULL", now.UTC(), id).Exec(ctx)
	return mapErr(err, "otp challenge")
}

func affected(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, mapErr(err, "otp challenge")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, domain.Internal("rows affected", err)
	}
	return n == 1, nil
}

type otpSettingsRow struct {
	bun.BaseModel `bun:"table:otp_settings"`

	PoolID                   string    `bun:"pool_id,pk"`
	RecipientCooldownSeconds int       `bun:"recipient_cooldown_seconds"`
	RecipientHourlyLimit     int       `bun:"recipient_hourly_limit"`
	RecipientDailyLimit      int       `bun:"recipient_daily_limit"`
	IPLimit                  int       `bun:"ip_limit"`
	IPWindowSeconds          int       `bun:"ip_window_seconds"`
	PoolDailyLimit           int       `bun:"pool_daily_limit"`
	BlockedEmailDomains      string    `bun:"blocked_email_domains"`
	UpdatedAt                time.Time `bun:"updated_at"`
}

// OTPSettingsStore implements ports.OTPSettingsStore.
type OTPSettingsStore struct{ db *DB }

var _ ports.OTPSettingsStore = (*OTPSettingsStore)(nil)

func (s *OTPSettingsStore) Get(ctx context.Context, poolID string) (*domain.OTPSettings, error) {
	r, err := s.getRow(ctx, poolID)
	if err != nil {
		return nil, err
	}
	return otpSettingsOf(poolID, r)
}

// getRow returns the pool's row, nil when it has none.
func (s *OTPSettingsStore) getRow(ctx context.Context, poolID string) (*otpSettingsRow, error) {
	var r otpSettingsRow
	err := s.db.idb(ctx).NewSelect().Model(&r).Where("pool_id = ?", poolID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, mapErr(err, "otp settings")
	}
	return &r, nil
}

// otpSettingsOf decodes a pool's row; no row means the defaults.
func otpSettingsOf(poolID string, r *otpSettingsRow) (*domain.OTPSettings, error) {
	if r == nil {
		return domain.DefaultOTPSettings(poolID), nil
	}
	out := &domain.OTPSettings{PoolID: r.PoolID, RecipientCooldownSeconds: r.RecipientCooldownSeconds,
		RecipientHourlyLimit: r.RecipientHourlyLimit, RecipientDailyLimit: r.RecipientDailyLimit, IPLimit: r.IPLimit,
		IPWindowSeconds: r.IPWindowSeconds, PoolDailyLimit: r.PoolDailyLimit, UpdatedAt: r.UpdatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.BlockedEmailDomains), &out.BlockedEmailDomains); err != nil {
		return nil, domain.Internal("decode blocked email domains", err)
	}
	return out, nil
}

func (s *OTPSettingsStore) Put(ctx context.Context, o *domain.OTPSettings) error {
	domains, err := json.Marshal(orEmptySlice(o.BlockedEmailDomains))
	if err != nil {
		return domain.Internal("encode blocked email domains", err)
	}
	row := &otpSettingsRow{PoolID: o.PoolID, RecipientCooldownSeconds: o.RecipientCooldownSeconds,
		RecipientHourlyLimit: o.RecipientHourlyLimit, RecipientDailyLimit: o.RecipientDailyLimit, IPLimit: o.IPLimit,
		IPWindowSeconds: o.IPWindowSeconds, PoolDailyLimit: o.PoolDailyLimit, BlockedEmailDomains: string(domains),
		UpdatedAt: o.UpdatedAt.UTC()}
	return mapErr(s.db.upsert(ctx, row, []string{"pool_id"}, []string{"recipient_cooldown_seconds", "recipient_hourly_limit",
		"recipient_daily_limit", "ip_limit", "ip_window_seconds", "pool_daily_limit", "blocked_email_domains", "updated_at"}), "pool")
}

// RateLimiter implements ports.RateLimiter with one table of counters: each statement is a
// single atomic conditional upsert, so instances sharing the database share the limits.
// Windows and expiries are Unix milliseconds.
type RateLimiter struct{ db *DB }

var _ ports.RateLimiter = (*RateLimiter)(nil)

// The upserts report one affected row for an insert on SQLite and on MySQL, two for a changed
// row on MySQL and one on SQLite, and none when the condition kept the row as it was.
const (
	hitMySQL = `INSERT INTO rate_counters (pool_id, counter_key, window_start, hits, expires_at) VALUES (?, ?, ?, 1, ?)
		ON DUPLICATE KEY UPDATE hits = IF(hits < ?, hits + 1, hits)`
	hitSQLite = `INSERT INTO rate_counters (pool_id, counter_key, window_start, hits, expires_at) VALUES (?, ?, ?, 1, ?)
		ON CONFLICT (pool_id, counter_key, window_start) DO UPDATE SET hits = hits + 1 WHERE rate_counters.hits < ?`
	coolMySQL = `INSERT INTO rate_counters (pool_id, counter_key, window_start, hits, expires_at) VALUES (?, ?, 0, 1, ?)
		ON DUPLICATE KEY UPDATE hits = IF(expires_at <= ?, hits + 1, hits), expires_at = IF(expires_at <= ?, VALUES(expires_at), expires_at)`
	coolSQLite = `INSERT INTO rate_counters (pool_id, counter_key, window_start, hits, expires_at) VALUES (?, ?, 0, 1, ?)
		ON CONFLICT (pool_id, counter_key, window_start) DO UPDATE SET hits = hits + 1, expires_at = excluded.expires_at
		WHERE rate_counters.expires_at <= ?`
)

func (r *RateLimiter) Hit(ctx context.Context, poolID, key string, window time.Duration, limit int, now time.Time) (bool, time.Duration, error) {
	w := window.Milliseconds()
	start := now.UnixMilli() / w * w
	end := start + w
	retry := time.Duration(end-now.UnixMilli()) * time.Millisecond
	if limit <= 0 {
		return false, retry, nil
	}
	var res sql.Result
	var err error
	if r.db.Dialect == "mysql" {
		res, err = r.db.idb(ctx).ExecContext(ctx, hitMySQL, poolID, key, start, end, limit)
	} else {
		res, err = r.db.idb(ctx).ExecContext(ctx, hitSQLite, poolID, key, start, end, limit)
	}
	if err != nil {
		return false, 0, mapErr(err, "rate counter")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, 0, domain.Internal("rows affected", err)
	}
	r.maybeSweep(ctx, now)
	if n == 0 {
		return false, retry, nil
	}
	return true, 0, nil
}

func (r *RateLimiter) Cooldown(ctx context.Context, poolID, key string, period time.Duration, now time.Time) (bool, time.Duration, error) {
	nowMS := now.UnixMilli()
	until := nowMS + period.Milliseconds()
	var res sql.Result
	var err error
	if r.db.Dialect == "mysql" {
		res, err = r.db.idb(ctx).ExecContext(ctx, coolMySQL, poolID, key, until, nowMS, nowMS)
	} else {
		res, err = r.db.idb(ctx).ExecContext(ctx, coolSQLite, poolID, key, until, nowMS)
	}
	if err != nil {
		return false, 0, mapErr(err, "rate counter")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, 0, domain.Internal("rows affected", err)
	}
	if n > 0 {
		return true, 0, nil
	}
	var expires int64
	if err := r.db.idb(ctx).NewRaw("SELECT expires_at FROM rate_counters WHERE pool_id = ? AND counter_key = ? AND window_start = 0",
		poolID, key).Scan(ctx, &expires); err != nil {
		return false, 0, mapErr(err, "rate counter")
	}
	return false, max(time.Duration(expires-nowMS)*time.Millisecond, time.Second), nil
}

// maybeSweep deletes a batch of expired counters now and then.
func (r *RateLimiter) maybeSweep(ctx context.Context, now time.Time) {
	if rand.IntN(sweepOdds*5) != 0 {
		return
	}
	_, _ = r.db.idb(ctx).ExecContext(ctx, "DELETE FROM rate_counters WHERE expires_at < ?", now.UnixMilli())
}
