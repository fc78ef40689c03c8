package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/migrations"
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

// Create is one unit of statements (see DB.execUnit): on MySQL statements of a round shared
// with other sign-ins' writes, so a send waits for one commit.
func (s *OTPStore) Create(ctx context.Context, c *domain.OTPChallenge, sent *domain.AuditEvent) error {
	row := &otpChallengeRow{ID: c.ID, PoolID: c.PoolID, ApplicationID: c.ApplicationID, AuthSourceID: c.AuthSourceID,
		Channel: c.Channel, Recipient: c.Recipient, Usage: c.Usage, CodeHMAC: c.CodeHMAC, TokenHash: c.TokenHash,
		CodeExpiresAt: c.CodeExpiresAt.UTC(), TokenExpiresAt: c.TokenExpiresAt.UTC(), CreatedAt: c.CreatedAt.UTC()}
	queries := []statement{s.db.insertValues(row)}
	if sent != nil {
		event, err := auditToRow(sent)
		if err != nil {
			return err
		}
		queries = append(queries, s.db.insertValues(event))
	}
	if _, err := s.db.execUnit(ctx, queries...); err != nil {
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
	return r.domain(), nil
}

func (r *otpChallengeRow) domain() *domain.OTPChallenge {
	return &domain.OTPChallenge{ID: r.ID, PoolID: r.PoolID, ApplicationID: r.ApplicationID, AuthSourceID: r.AuthSourceID,
		Channel: r.Channel, Recipient: r.Recipient, Usage: r.Usage, CodeHMAC: r.CodeHMAC, TokenHash: r.TokenHash,
		Attempts: r.Attempts, CodeExpiresAt: r.CodeExpiresAt.UTC(), TokenExpiresAt: r.TokenExpiresAt.UTC(),
		ConsumedAt: utcOrNil(r.ConsumedAt), BurnedAt: utcOrNil(r.BurnedAt), CreatedAt: r.CreatedAt.UTC()}
}

// otpChallengeWithUser is a challenge row joined with the row of the pool's user whose phone
// number or email (one relation each) is the challenge's recipient.
type otpChallengeWithUser struct {
	bun.BaseModel `bun:"table:otp_challenges,alias:c"`
	otpChallengeRow

	ByPhone *userRow `bun:"rel:belongs-to,join:pool_id=pool_id,join:recipient=phone_number"`
	ByEmail *userRow `bun:"rel:belongs-to,join:pool_id=pool_id,join:recipient=email"`
}

// recipientRelations names the relation of otpChallengeWithUser joining the user by each key.
var recipientRelations = map[ports.UserKey]string{ports.ByPhone: "ByPhone", ports.ByEmail: "ByEmail"}

// GetByTokenWithUser is GetByToken and the recipient's users row in one statement: the OTP
// grant needs both, and a round trip fewer matters on every sign-in.
func (s *OTPStore) GetByTokenWithUser(ctx context.Context, poolID, tokenHash string, key ports.UserKey) (*domain.OTPChallenge, *domain.User, error) {
	relation, ok := recipientRelations[key]
	if !ok {
		return nil, nil, domain.Internal("otp challenge with user", errUnknownKey(key))
	}
	var r otpChallengeWithUser
	err := s.db.lookup(ctx, s.db.reader(ctx).NewSelect().Model(&r).Relation(relation).Where("c.pool_id = ?", poolID),
		"c.token_hash", tokenHash)
	if err != nil {
		return nil, nil, mapErr(err, "otp challenge")
	}
	u := r.ByPhone
	if key == ports.ByEmail {
		u = r.ByEmail
	}
	if u == nil || u.ID == "" {
		return r.otpChallengeRow.domain(), nil, nil
	}
	return r.otpChallengeRow.domain(), u.alone(), nil
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
	res, err := s.db.shared(ctx).NewRaw(`UPDATE otp_challenges AS c SET consumed_at = ? WHERE id = ? AND `+consumeLive,
		now.UTC(), id, maxAttempts, now.UTC()).Exec(ctx)
	return affected(res, err)
}

// consumeLive is the condition a challenge c consumed at now must meet.
const consumeLive = `c.consumed_at IS NULL AND c.burned_at IS NULL AND c.attempts < ? AND c.code_expires_at > ?`

// The SET lists that record a login in a users row as domain.User.RecordLogin does (with the
// arguments of recordLoginArgs), the row named u or not named.
var (
	recordLoginSet       = loginSet("")
	recordLoginJoinedSet = loginSet("u.")
)

func loginSet(prefix string) string {
	return strings.NewReplacer("$", prefix).Replace(`$already_first_login = TRUE, $error_count = 0, $last_login_at = ?,
		$updated_at = ?, $status = CASE WHEN $frozen THEN ? WHEN $lock_type <> ? THEN ? ELSE ? END`)
}

func recordLoginArgs(at time.Time) []any {
	return []any{at, at, domain.UserFrozen, domain.LockNone, domain.UserLocked, domain.UserEnabled}
}

// CommitLogin is one unit of statements (see DB.execUnit): on MySQL statements of a round
// shared with other sign-ins' writes, so a login waits for one commit. The consumption
// marks the challenge with the event's ID, and the statements after it insert their rows only
// from a challenge so marked: they apply exactly when the consumption did. On MySQL the
// consumption and the login record are one multi-table UPDATE, which applies only where the
// user's row exists; SQLite, which updates one table per statement, consumes only while the
// user exists and records the login on the challenge's mark, in its serialized transaction.
func (s *OTPStore) CommitLogin(ctx context.Context, l ports.LoginCommit) (bool, error) {
	if l.Event == nil || l.Event.ID == "" {
		return false, domain.Internal("commit login", errors.New("storage: a login commit without its event"))
	}
	at, marker := l.At.UTC(), l.Event.ID
	gen := s.db.DB.QueryGen()
	format := func(query string, args ...any) statement { return statement{sql: gen.FormatQuery(query, args...)} }
	var queries []statement
	if s.db.Dialect == migrations.MySQL {
		args := append(append([]any{l.PoolID, l.UserID, at, marker}, recordLoginArgs(at)...), l.ChallengeID, l.MaxAttempts, at)
		queries = append(queries, format(`UPDATE otp_challenges AS c JOIN users AS u ON u.pool_id = ? AND u.id = ?
			SET c.consumed_at = ?, c.consumed_by = ?, `+recordLoginJoinedSet+` WHERE c.id = ? AND `+consumeLive, args...))
	} else {
		queries = append(queries,
			format(`UPDATE otp_challenges AS c SET consumed_at = ?, consumed_by = ? WHERE id = ? AND `+consumeLive+`
				AND EXISTS (SELECT 1 FROM users WHERE pool_id = ? AND id = ?)`, at, marker, l.ChallengeID, l.MaxAttempts, at, l.PoolID, l.UserID),
			format(`UPDATE users SET `+recordLoginSet+` WHERE pool_id = ? AND id = ?
				AND EXISTS (SELECT 1 FROM otp_challenges WHERE id = ? AND consumed_by = ?)`,
				append(recordLoginArgs(at), l.PoolID, l.UserID, l.ChallengeID, marker)...))
	}
	consumedBy := "otp_challenges WHERE id = ? AND consumed_by = ?"
	event, err := auditToRow(l.Event)
	if err != nil {
		return false, err
	}
	queries = append(queries, s.db.insertFrom(event, consumedBy, l.ChallengeID, marker).following(0))
	if l.RefreshToken != nil {
		queries = append(queries, s.db.insertFrom(refreshTokenToRow(l.RefreshToken), consumedBy, l.ChallengeID, marker).following(0))
	}
	affected, err := s.db.execUnit(ctx, queries...)
	if err != nil {
		return false, mapErr(err, "login commit")
	}
	if l.RefreshToken != nil {
		s.db.maybeSweepRefreshTokens(ctx, at)
	}
	won := affected[0] > 0
	for i, n := range affected[1:] {
		if (n > 0) != won {
			return false, domain.Internal("commit login", fmt.Errorf("storage: statement %d of a login commit changed %d rows, the consumption %d", i+1, n, affected[0]))
		}
	}
	return won, nil
}

// affected reports whether a statement changed any row.
func affected(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, mapErr(err, "otp challenge")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, domain.Internal("rows affected", err)
	}
	return n > 0, nil
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

// Get returns the pool's settings; a pool without a row has the defaults.
func (s *OTPSettingsStore) Get(ctx context.Context, poolID string) (*domain.OTPSettings, error) {
	var r otpSettingsRow
	err := s.db.idb(ctx).NewSelect().Model(&r).Where("pool_id = ?", poolID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.DefaultOTPSettings(poolID), nil
	}
	if err != nil {
		return nil, mapErr(err, "otp settings")
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
	domains, err := storedJSON(orEmptySlice(o.BlockedEmailDomains))
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
//
// A large limit (a pool's daily cap, a generous address limit) would otherwise cost a statement
// and a wait on one hot row for every event. Instead an instance leases a slice of it (a
// 64th, at most 1 024 events) with one statement and counts the slice down in memory. The
// database still counts every event handed out, so a limit is never exceeded; at worst other
// instances' unspent leases (or leases dropped from a full lease table) make it refuse early.
// Leases are taken outside the caller's transaction, so a rollback cannot hand out events twice.
type RateLimiter struct {
	db *DB

	mu     sync.Mutex
	leases map[leaseKey]*lease
}

type leaseKey struct{ pool, key string }

// lease is what is left of this instance's slice of a window's limit.
type lease struct {
	windowStart, windowEnd int64
	left                   int
}

const (
	leaseDivisor = 64
	maxLease     = 1024
	// maxLeases bounds the lease table: past it, leases of ended windows are dropped first.
	maxLeases = 10_000
)

var _ ports.RateLimiter = (*RateLimiter)(nil)

// The upserts count n events when the window has room for all of them. They report one
// affected row for an insert on SQLite and on MySQL, two for a changed row on MySQL and one on
// SQLite, and none when the condition kept the row as it was.
const (
	hitMySQL = `INSERT INTO rate_counters (pool_id, counter_key, window_start, hits, expires_at) VALUES (?, ?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE hits = IF(hits + VALUES(hits) <= ?, hits + VALUES(hits), hits)`
	hitSQLite = `INSERT INTO rate_counters (pool_id, counter_key, window_start, hits, expires_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (pool_id, counter_key, window_start) DO UPDATE SET hits = hits + excluded.hits
		WHERE rate_counters.hits + excluded.hits <= ?`
)

func (r *RateLimiter) Hit(ctx context.Context, poolID, key string, window time.Duration, limit int, now time.Time) (bool, time.Duration, error) {
	start, end := windowAt(now.UnixMilli(), window)
	retry := time.Duration(end-now.UnixMilli()) * time.Millisecond
	if limit <= 0 {
		return false, retry, nil
	}
	// SQLite has one writer: inside a transaction it holds the lock a lease statement would
	// wait for, so there the event is counted in the transaction.
	if size := min(limit/leaseDivisor, maxLease); size > 1 && !(inTx(ctx) && r.db.Dialect == migrations.SQLite) {
		if r.fromLease(poolID, key, start) {
			return true, 0, nil
		}
		// A lease is its own statement, outside the caller's transaction: a rollback there
		// must not return to the database events this instance goes on handing out.
		ok, err := r.count(context.WithoutCancel(ctx), r.db.autocommit(), poolID, key, start, end, limit, size, now)
		if err != nil {
			return false, 0, err
		}
		if ok {
			r.addLease(poolID, key, start, end, size-1, now)
			return true, 0, nil
		}
		// Less than a lease is left: the rest goes one event at a time.
	}
	ok, err := r.count(ctx, r.db.shared(ctx), poolID, key, start, end, limit, 1, now)
	r.maybeSweep(ctx, r.db.idb(ctx), now)
	if err != nil || !ok {
		return false, retry, err
	}
	return true, 0, nil
}

// count adds n events to a window's counter if they fit under limit.
func (r *RateLimiter) count(ctx context.Context, db bun.IDB, poolID, key string, start, end int64, limit, n int, now time.Time) (bool, error) {
	query := hitSQLite
	if r.db.Dialect == "mysql" {
		query = hitMySQL
	}
	res, err := db.ExecContext(ctx, query, poolID, key, start, n, end, limit)
	if err != nil {
		return false, mapErr(err, "rate counter")
	}
	affected, err := res.RowsAffected()
	if err != nil {
		return false, domain.Internal("rows affected", err)
	}
	return affected > 0, nil
}

// windowAt is the fixed window of length d (aligned to the Unix epoch) that holds nowMS, in
// milliseconds, the counters' unit; a length under a millisecond counts as one.
func windowAt(nowMS int64, d time.Duration) (start, end int64) {
	length := max(d.Milliseconds(), 1)
	start = nowMS / length * length
	return start, start + length
}

// fromLease takes one event from this instance's lease on the window, if it has one left.
func (r *RateLimiter) fromLease(poolID, key string, windowStart int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.leases[leaseKey{poolID, key}]
	if l == nil || l.windowStart != windowStart || l.left == 0 {
		return false
	}
	l.left--
	return true
}

func (r *RateLimiter) addLease(poolID, key string, windowStart, windowEnd int64, n int, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.leases == nil {
		r.leases = map[leaseKey]*lease{}
	}
	k := leaseKey{poolID, key}
	if l := r.leases[k]; l != nil && l.windowStart == windowStart {
		l.left += n // concurrent callers leased at once: both slices are this instance's
		return
	}
	if len(r.leases) >= maxLeases {
		for k, l := range r.leases {
			if l.windowEnd <= now.UnixMilli() || l.left == 0 {
				delete(r.leases, k)
			}
		}
		// Still full of live leases (many keys, say client addresses, in long windows): drop
		// arbitrary ones down to 7/8. Their events stay counted, so those keys may only refuse
		// early, never allow more.
		for k := range r.leases {
			if len(r.leases) < maxLeases-maxLeases/8 {
				break
			}
			delete(r.leases, k)
		}
	}
	r.leases[k] = &lease{windowStart: windowStart, windowEnd: windowEnd, left: n}
}

// Throttle verdicts, stored in recipient_counters.verdict by the statement that decides them.
const (
	throttleAllowed = 1 + iota
	throttleCooldown
	throttleWindow1
	throttleWindow2
)

// throttleVerdict decides on the row as it was; ?0 is now, ?2/?4 the windows' starts and ?3/?5
// their limits (see throttleArgs).
const throttleVerdict = `CASE WHEN cool_until > ?0 THEN 2 WHEN w1_start = ?2 AND w1_hits >= ?3 THEN 3
	WHEN w2_start = ?4 AND w2_hits >= ?5 THEN 4 ELSE 1 END`

// The throttle upserts insert a first event, or else decide and count in one statement. MySQL
// evaluates ON DUPLICATE KEY UPDATE assignments left to right, each seeing the ones before:
// verdict is decided first, on the row as it was, and the other columns follow it; the
// verdict comes back as the statement's insert id (LAST_INSERT_ID(expr); 0 after an insert).
// SQLite evaluates every assignment on the old row, so each repeats the decision, and
// RETURNING gives the verdict.
var (
	throttleMySQL = `INSERT INTO recipient_counters (pool_id, counter_key, verdict, cool_until, w1_start, w1_hits, w2_start, w2_hits, expires_at)
		VALUES (?6, ?7, 1, ?1, ?2, 1, ?4, 1, ?8)
		ON DUPLICATE KEY UPDATE verdict = LAST_INSERT_ID(` + throttleVerdict + `),
		w1_hits = IF(verdict = 1, IF(w1_start = ?2, w1_hits + 1, 1), w1_hits), w1_start = IF(verdict = 1, ?2, w1_start),
		w2_hits = IF(verdict = 1, IF(w2_start = ?4, w2_hits + 1, 1), w2_hits), w2_start = IF(verdict = 1, ?4, w2_start),
		cool_until = IF(verdict = 1, ?1, cool_until), expires_at = IF(verdict = 1, ?8, expires_at)`
	throttleSQLite = `INSERT INTO recipient_counters (pool_id, counter_key, verdict, cool_until, w1_start, w1_hits, w2_start, w2_hits, expires_at)
		VALUES (?6, ?7, 1, ?1, ?2, 1, ?4, 1, ?8)
		ON CONFLICT (pool_id, counter_key) DO UPDATE SET verdict = (` + throttleVerdict + `),
		w1_hits = CASE WHEN (` + throttleVerdict + `) = 1 THEN (CASE WHEN w1_start = ?2 THEN w1_hits + 1 ELSE 1 END) ELSE w1_hits END,
		w1_start = CASE WHEN (` + throttleVerdict + `) = 1 THEN ?2 ELSE w1_start END,
		w2_hits = CASE WHEN (` + throttleVerdict + `) = 1 THEN (CASE WHEN w2_start = ?4 THEN w2_hits + 1 ELSE 1 END) ELSE w2_hits END,
		w2_start = CASE WHEN (` + throttleVerdict + `) = 1 THEN ?4 ELSE w2_start END,
		cool_until = CASE WHEN (` + throttleVerdict + `) = 1 THEN ?1 ELSE cool_until END,
		expires_at = CASE WHEN (` + throttleVerdict + `) = 1 THEN ?8 ELSE expires_at END
		RETURNING verdict`
)

func (r *RateLimiter) Throttle(ctx context.Context, poolID, key string, t ports.Throttle, now time.Time) (bool, time.Duration, error) {
	nowMS := now.UnixMilli()
	var starts, ends [2]int64
	for i, w := range t.Windows {
		starts[i], ends[i] = windowAt(nowMS, w.Length)
		if w.Limit <= 0 {
			return false, time.Duration(ends[i]-nowMS) * time.Millisecond, nil
		}
	}
	coolUntil := nowMS + t.Cooldown.Milliseconds()
	args := []any{nowMS, coolUntil, starts[0], t.Windows[0].Limit, starts[1], t.Windows[1].Limit, poolID, key,
		max(coolUntil, ends[0], ends[1])}
	db := r.db.idb(ctx)
	verdict := int64(throttleAllowed)
	if r.db.Dialect == "mysql" {
		res, err := r.db.shared(ctx).ExecContext(ctx, throttleMySQL, args...)
		if err != nil {
			return false, 0, mapErr(err, "rate counter")
		}
		if verdict, err = res.LastInsertId(); err != nil {
			return false, 0, domain.Internal("throttle verdict", err)
		}
	} else if err := db.NewRaw(throttleSQLite, args...).Scan(ctx, &verdict); err != nil {
		return false, 0, mapErr(err, "rate counter")
	}
	r.maybeSweep(ctx, db, now)
	switch verdict {
	case 0, throttleAllowed: // 0: MySQL's insert id after inserting the key's first event
		return true, 0, nil
	case throttleWindow1, throttleWindow2:
		return false, time.Duration(ends[verdict-throttleWindow1]-nowMS) * time.Millisecond, nil
	}
	var until int64
	if err := db.NewRaw("SELECT cool_until FROM recipient_counters WHERE pool_id = ? AND counter_key = ?", poolID, key).
		Scan(ctx, &until); err != nil {
		return false, 0, mapErr(err, "rate counter")
	}
	return false, time.Duration(until-nowMS) * time.Millisecond, nil
}

// maybeSweep deletes a batch of expired counters now and then.
func (r *RateLimiter) maybeSweep(ctx context.Context, db bun.IDB, now time.Time) {
	if rand.IntN(sweepOdds*5) != 0 {
		return
	}
	_, _ = db.ExecContext(ctx, "DELETE FROM rate_counters WHERE expires_at < ?", now.UnixMilli())
	_, _ = db.ExecContext(ctx, "DELETE FROM recipient_counters WHERE expires_at < ?", now.UnixMilli())
}
