package storage

import (
	"context"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

type refreshTokenRow struct {
	bun.BaseModel `bun:"table:refresh_tokens"`

	ID            string     `bun:"id,pk"`
	PoolID        string     `bun:"pool_id"`
	ApplicationID string     `bun:"application_id"`
	UserID        string     `bun:"user_id"`
	FamilyID      string     `bun:"family_id"`
	TokenHash     string     `bun:"token_hash"`
	Scope         string     `bun:"scope"`
	AMR           string     `bun:"amr"`
	AuthTime      time.Time  `bun:"auth_time"`
	ExpiresAt     time.Time  `bun:"expires_at"`
	CreatedAt     time.Time  `bun:"created_at"`
	RotatedAt     *time.Time `bun:"rotated_at"`
	RevokedAt     *time.Time `bun:"revoked_at"`
}

// RefreshTokenStore implements ports.RefreshTokenStore.
type RefreshTokenStore struct {
	db      *DB
	inserts *writeBatcher[*refreshTokenRow]
}

func newRefreshTokenStore(db *DB) *RefreshTokenStore {
	s := &RefreshTokenStore{db: db}
	s.inserts = newWriteBatcher(db, insertRows[*refreshTokenRow]("refresh token"))
	return s
}

var _ ports.RefreshTokenStore = (*RefreshTokenStore)(nil)

func refreshTokenToRow(t *domain.RefreshToken) *refreshTokenRow {
	return &refreshTokenRow{ID: t.ID, PoolID: t.PoolID, ApplicationID: t.ApplicationID, UserID: t.UserID, FamilyID: t.FamilyID,
		TokenHash: t.TokenHash, Scope: t.Scope, AMR: strings.Join(t.AMR, " "), AuthTime: t.AuthTime.UTC(),
		ExpiresAt: t.ExpiresAt.UTC(), CreatedAt: t.CreatedAt.UTC()}
}

// Insert stores a sign-in's first refresh token; concurrent sign-ins share one INSERT.
func (s *RefreshTokenStore) Insert(ctx context.Context, t *domain.RefreshToken) error {
	if err := s.inserts.Write(ctx, refreshTokenToRow(t)); err != nil {
		return err
	}
	s.db.maybeSweepRefreshTokens(ctx, t.CreatedAt)
	return nil
}

func (s *RefreshTokenStore) InsertMany(ctx context.Context, ts []*domain.RefreshToken) error {
	if len(ts) == 0 {
		return nil
	}
	rows := make([]*refreshTokenRow, len(ts))
	for i, t := range ts {
		rows[i] = refreshTokenToRow(t)
	}
	if err := s.inserts.write(ctx, s.db.idb(ctx), rows); err != nil {
		return err
	}
	s.db.maybeSweepRefreshTokens(ctx, ts[0].CreatedAt)
	return nil
}

// maybeSweepRefreshTokens deletes expired refresh tokens about once in sweepOdds inserts, and
// never inside a caller's transaction: a failed DELETE there (a deadlock rolls the transaction
// back) would be the caller's, although a sweep's error is dropped.
func (db *DB) maybeSweepRefreshTokens(ctx context.Context, now time.Time) {
	if !inTx(ctx) && rand.IntN(sweepOdds) == 0 {
		db.sweepRefreshTokens(ctx, now)
	}
}

// sweepRefreshTokens deletes tokens expired before now: every rotation adds a row, and an
// expired token is refused alike whether its row is there or not.
func (db *DB) sweepRefreshTokens(ctx context.Context, now time.Time) {
	_, _ = db.idb(ctx).NewDelete().Model((*refreshTokenRow)(nil)).Where("expires_at < ?", now.UTC()).Exec(ctx)
}

func (s *RefreshTokenStore) RotateMany(ctx context.Context, ids []string, at time.Time) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var live []string
	q := s.db.idb(ctx).NewSelect().Model((*refreshTokenRow)(nil)).Column("id").
		Where("id IN (?) AND rotated_at IS NULL AND revoked_at IS NULL", bun.In(ids))
	if err := s.db.forUpdate(q).Scan(ctx, &live); err != nil {
		return nil, mapErr(err, "refresh token")
	}
	if len(live) == 0 {
		return nil, nil
	}
	_, err := s.db.idb(ctx).NewUpdate().Model((*refreshTokenRow)(nil)).Set("rotated_at = ?", at.UTC()).
		Where("id IN (?)", bun.In(live)).Exec(ctx)
	if err != nil {
		return nil, mapErr(err, "refresh token")
	}
	return live, nil
}

func (s *RefreshTokenStore) GetByHash(ctx context.Context, poolID, hash string) (*domain.RefreshToken, error) {
	var r refreshTokenRow
	if err := s.db.idb(ctx).NewSelect().Model(&r).Where("token_hash = ? AND pool_id = ?", hash, poolID).Scan(ctx); err != nil {
		return nil, mapErr(err, "refresh token")
	}
	return r.domain(), nil
}

func (r *refreshTokenRow) domain() *domain.RefreshToken {
	return &domain.RefreshToken{ID: r.ID, PoolID: r.PoolID, ApplicationID: r.ApplicationID, UserID: r.UserID, FamilyID: r.FamilyID,
		TokenHash: r.TokenHash, Scope: r.Scope, AMR: strings.Fields(r.AMR), AuthTime: r.AuthTime.UTC(),
		ExpiresAt: r.ExpiresAt.UTC(), CreatedAt: r.CreatedAt.UTC(), RotatedAt: utcOrNil(r.RotatedAt), RevokedAt: utcOrNil(r.RevokedAt)}
}

// refreshTokenWithUser is a token row joined with its user's row (nil when the user is gone).
type refreshTokenWithUser struct {
	bun.BaseModel `bun:"table:refresh_tokens,alias:rt"`
	refreshTokenRow

	User *userRow `bun:"rel:belongs-to,join:user_id=id"`
}

// GetByHashWithUser is GetByHash and the users row of the token's user in one statement: a
// refresh needs both, and one round trip fewer is a seventh of its cost.
func (s *RefreshTokenStore) GetByHashWithUser(ctx context.Context, poolID, hash string) (*domain.RefreshToken, *domain.User, error) {
	var r refreshTokenWithUser
	err := s.db.lookup(ctx, s.db.reader(ctx).NewSelect().Model(&r).Relation("User").Where("rt.pool_id = ?", poolID),
		"rt.token_hash", hash)
	if err != nil {
		return nil, nil, mapErr(err, "refresh token")
	}
	t := r.refreshTokenRow.domain()
	if r.User == nil || r.User.ID == "" || r.User.PoolID != poolID {
		return t, nil, nil
	}
	return t, r.User.alone(), nil
}

func (s *RefreshTokenStore) RevokeFamily(ctx context.Context, familyID string, at time.Time) error {
	_, err := s.db.idb(ctx).NewUpdate().Model((*refreshTokenRow)(nil)).Set("revoked_at = ?", at.UTC()).
		Where("family_id = ? AND revoked_at IS NULL", familyID).Exec(ctx)
	return mapErr(err, "refresh token")
}

func utcOrNil(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
