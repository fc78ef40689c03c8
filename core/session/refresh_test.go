package session

import (
	"context"
	"slices"
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

// TestRefusalIsAuditedEvenWhenTheClientHangsUp: a refused refresh is audited although the
// request's context ends at once, and presenting a rotated refresh token revokes its family too.
func TestRefusalIsAuditedEvenWhenTheClientHangsUp(t *testing.T) {
	now := time.Unix(1_800_000_000, 0).UTC()
	earlier := now.Add(-time.Minute)
	for _, tc := range []struct {
		name        string
		token       domain.RefreshToken
		wantRevoked []string
	}{
		{"reuse of a rotated token", domain.RefreshToken{RotatedAt: &earlier}, []string{"f"}},
		{"revoked token", domain.RefreshToken{RevokedAt: &earlier}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := tc.token
			tok.ID, tok.PoolID, tok.ApplicationID, tok.UserID, tok.FamilyID, tok.ExpiresAt = "t1", "p", "a", "u", "f", now.Add(time.Hour)
			store := &ctxRefresh{token: &tok}
			log := &fake.AuditLog{}
			s := &Service{Refresh: store, Tx: fake.Tx{}, Clock: fake.Clock{T: now},
				Audit: audit.Recorder{Log: log, Clock: fake.Clock{T: now}, IDs: &fake.IDs{}}}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, err := s.RefreshGrant(ctx, &domain.Application{ID: "a", PoolID: "p", RefreshTokenEnabled: true}, GrantRequest{RefreshToken: "old"})
			if domain.CodeOf(err) != "invalid_grant" {
				t.Fatalf("answered %v, want invalid_grant", err)
			}
			if !slices.Equal(store.revoked, tc.wantRevoked) || len(log.Events) != 1 || log.Events[0].Result != domain.AuditFailure {
				t.Fatalf("families revoked %v, events %+v", store.revoked, log.Events)
			}
		})
	}
}
