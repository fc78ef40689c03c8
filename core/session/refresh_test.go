package session

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/internal/fake"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// ctxRefresh is a refresh token store that, like a database driver, fails a write whose ctx
// has ended.
type ctxRefresh struct {
	ports.RefreshTokenStore
	token   *domain.RefreshToken
	revoked []string
}

func (r *ctxRefresh) GetByHashWithUser(context.Context, string, string) (*domain.RefreshToken, *domain.User, error) {
	t := *r.token
	return &t, &domain.User{ID: t.UserID}, nil
}

func (r *ctxRefresh) RevokeFamily(ctx context.Context, familyID string, _ time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.revoked = append(r.revoked, familyID)
	return nil
}

// TestReuseRevokesTheFamilyEvenWhenTheClientHangsUp: presenting a rotated refresh token revokes
// its family and is audited although the request's context ends at once.
func TestReuseRevokesTheFamilyEvenWhenTheClientHangsUp(t *testing.T) {
	now := time.Unix(1_800_000_000, 0).UTC()
	rotated := now.Add(-time.Minute)
	store := &ctxRefresh{token: &domain.RefreshToken{ID: "t1", PoolID: "p", ApplicationID: "a", UserID: "u", FamilyID: "f",
		RotatedAt: &rotated, ExpiresAt: now.Add(time.Hour)}}
	log := &fake.AuditLog{}
	s := &Service{Refresh: store, Tx: fake.Tx{}, Clock: fake.Clock{T: now}, Audit: audit.Recorder{Log: log, Clock: fake.Clock{T: now}, IDs: &fake.IDs{}}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.RefreshGrant(ctx, &domain.Application{ID: "a", PoolID: "p", RefreshTokenEnabled: true}, GrantRequest{RefreshToken: "old"})
	if domain.CodeOf(err) != "invalid_grant" {
		t.Fatalf("reuse answered %v, want invalid_grant", err)
	}
	if len(store.revoked) != 1 || store.revoked[0] != "f" || len(log.Events) != 1 || log.Events[0].Result != domain.AuditFailure {
		t.Fatalf("families revoked %v, events %+v", store.revoked, log.Events)
	}
}
