package ports

import (
	"context"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// OTPStore keeps OTP challenges. Every lookup filters by pool.
type OTPStore interface {
	// Create stores a challenge and, in the same commit, the audit event of the send that made
	// it (complete; nil when none is recorded with it).
	Create(ctx context.Context, c *domain.OTPChallenge, sent *domain.AuditEvent) error
	// GetByToken finds the challenge of an otp_token hash in the pool (not found otherwise).
	GetByToken(ctx context.Context, poolID, tokenHash string) (*domain.OTPChallenge, error)
	// GetByTokenWithUser is GetByToken plus the users row (as UserStore.FindRow reads it) of
	// the pool's user whose key (ByPhone or ByEmail) is the challenge's recipient, nil when
	// there is none, in one read.
	GetByTokenWithUser(ctx context.Context, poolID, tokenHash string, key UserKey) (*domain.OTPChallenge, *domain.User, error)
	// Fail counts a wrong code on a live challenge and burns it at the attempt limit; false when
	// the challenge was no longer live.
	Fail(ctx context.Context, id string, maxAttempts int, now time.Time) (bool, error)
	// Consume marks a live challenge used, atomically: of concurrent calls at most one gets
	// true. Live means not consumed, not burned, below maxAttempts and its code not expired.
	Consume(ctx context.Context, id string, maxAttempts int, now time.Time) (bool, error)
	// CommitLogin is an existing user's OTP login, in one commit: it consumes the live challenge
	// and, when (and only when) it consumed it, records the user's login (as
	// domain.User.RecordLogin describes it, the status following the row's lock and freeze flags
	// as they are when it is written, so a lock made meanwhile is kept) and stores the login's
	// audit event and refresh token. Of concurrent calls with one challenge at most one gets
	// true; false, with nothing written, when the challenge was not live or the user is gone. It
	// runs on every sign-in, so it is one commit, not several.
	CommitLogin(ctx context.Context, l LoginCommit) (bool, error)
}

// LoginCommit is what an existing user's OTP login writes.
type LoginCommit struct {
	ChallengeID string
	MaxAttempts int
	PoolID      string
	UserID      string
	At          time.Time
	// Event is the login's audit event, complete (its ID marks the consumption it records).
	Event *domain.AuditEvent
	// RefreshToken is the refresh token issued with the login; nil when none is.
	RefreshToken *domain.RefreshToken
}

// OTPSettingsStore keeps each pool's OTP send limits; Get of a pool without its own returns
// domain.DefaultOTPSettings.
type OTPSettingsStore interface {
	Get(ctx context.Context, poolID string) (*domain.OTPSettings, error)
	Put(ctx context.Context, s *domain.OTPSettings) error
}

// RateLimiter keeps counters shared by every server instance. Both methods are atomic: of
// concurrent calls no more than the limit are allowed.
type RateLimiter interface {
	// Hit counts one event in the fixed window of length window containing now; allowed is
	// false (and nothing counted) when limit events are already in it, and retryAfter then
	// tells when the window ends.
	Hit(ctx context.Context, poolID, key string, window time.Duration, limit int, now time.Time) (allowed bool, retryAfter time.Duration, err error)
	// Throttle counts one event of key against a cooldown and two fixed windows together, in
	// one atomic step: allowed when the last allowed event is at least t.Cooldown ago and both
	// windows have room. A refusal counts nothing; retryAfter tells when the refusing limit
	// would pass.
	Throttle(ctx context.Context, poolID, key string, t Throttle, now time.Time) (allowed bool, retryAfter time.Duration, err error)
}

// Throttle is the limits of one key counted together (a recipient's cooldown, hourly and
// daily caps), so checking them costs one statement rather than one each.
type Throttle struct {
	Cooldown time.Duration
	Windows  [2]Window
}

// Window is a fixed window of Length (aligned to the Unix epoch) allowing Limit events.
type Window struct {
	Length time.Duration
	Limit  int
}
