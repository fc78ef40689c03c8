package token

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"math"
	"strings"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Verify checks a token of the pool: its signature against the pool's published keys, its
// issuer, and exp and nbf against the clock. It returns the token's claims (numbers as
// float64, as JSON decodes them). It does not check the audience: that is the caller's policy.
func (s *Service) Verify(ctx context.Context, poolID, tok string) (map[string]any, error) {
	claims, err := s.Signer.Verify(ctx, poolID, tok)
	if err != nil {
		return nil, err
	}
	if iss, _ := claims["iss"].(string); iss != s.Issuer(poolID) {
		return nil, domain.Unauthenticated("invalid_token", "The token was not issued by this pool.")
	}
	now := float64(s.Clock.Now().Unix())
	exp, ok := claims["exp"].(float64)
	if !ok || math.IsNaN(exp) || now >= exp {
		return nil, domain.Unauthenticated("invalid_token", "The token has expired.")
	}
	if nbf, ok := claims["nbf"].(float64); ok && now < nbf {
		return nil, domain.Unauthenticated("invalid_token", "The token is not valid yet.")
	}
	return claims, nil
}

// PoolOf reads, WITHOUT verifying anything, which pool a JWT claims to come from: the pool id
// at the end of its iss claim when that is one of this server's issuers. Endpoints at the
// server root use it only to choose the pool whose keys then Verify the token properly.
func (s *Service) PoolOf(tok string) (string, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || len(parts[1]) > 16<<10 {
		return "", false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", false
	}
	var claims struct {
		Iss string `json:"iss"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return "", false
	}
	prefix := s.Issuer("")
	id, ok := strings.CutPrefix(claims.Iss, prefix)
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", false
	}
	return id, true
}
