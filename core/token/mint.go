package token

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// MintRequest says what to put in a sign-in's tokens. The grant that authenticated the user
// fills it from the application and the user.
type MintRequest struct {
	PoolID   string
	ClientID string
	// Alg is the application's signing algorithm: RS256 (default), ES256 or EdDSA.
	Alg string
	// AccessTTL and IDTokenTTL are the tokens' lifetimes (default one hour each, at most the
	// server's maximum token lifetime).
	AccessTTL  time.Duration
	IDTokenTTL time.Duration
	Subject    string   // the user's id
	Scope      []string // granted scopes, e.g. ["openid"]
	AMR        []string // authentication methods, e.g. ["otp", "sms"]
	AuthTime   time.Time
	// ExtraClaims are the application's configured claims, added to both tokens. A registered
	// claim name (see ReservedClaims) is dropped: the server's value always wins.
	ExtraClaims map[string]any
	// Nonce is echoed into the ID token when the client sent one.
	Nonce string
}

// Tokens is the token response of a sign-in.
type Tokens struct {
	AccessToken string
	TokenType   string // always "Bearer"
	ExpiresIn   int    // access token lifetime, seconds
	Scope       string // space-separated
	IDToken     string
}

// ReservedClaims are the claims the server sets itself; configured claims never replace them,
// and an application cannot name them as claims.
var ReservedClaims = map[string]bool{
	"iss": true, "sub": true, "aud": true, "azp": true, "exp": true, "iat": true, "nbf": true, "jti": true,
	"scope": true, "amr": true, "auth_time": true, "nonce": true, "client_id": true, "acr": true,
	"at_hash": true, "c_hash": true, "s_hash": true, "sid": true, "cnf": true, "typ": true,
}

// Mint signs an access token and an ID token for a sign-in.
func (s *Service) Mint(ctx context.Context, req MintRequest) (*Tokens, error) {
	return s.mint(ctx, req, true)
}

// MintAccessOnly signs an access token alone: a client acting for itself (client credentials)
// gets no ID token, since no user signed in. Subject is then the client's id.
func (s *Service) MintAccessOnly(ctx context.Context, req MintRequest) (*Tokens, error) {
	return s.mint(ctx, req, false)
}

func (s *Service) mint(ctx context.Context, req MintRequest, withIDToken bool) (*Tokens, error) {
	if req.Alg == "" {
		req.Alg = domain.AlgRS256
	}
	if req.AccessTTL == 0 {
		req.AccessTTL = DefaultAccessTTL
	}
	if req.IDTokenTTL == 0 {
		req.IDTokenTTL = DefaultIDTokenTTL
	}
	var p domain.Problems
	if req.PoolID == "" {
		p.Add("pool_id", "is required")
	}
	if req.ClientID == "" {
		p.Add("client_id", "is required")
	}
	if req.Subject == "" {
		p.Add("subject", "is required")
	}
	if !domain.ValidSigningAlg(req.Alg) {
		p.Add("alg", "must be one of RS256, ES256, EdDSA")
	}
	max := s.maxTTL()
	if req.AccessTTL < time.Second || req.AccessTTL > max {
		p.Add("access_ttl", "must be between 1 second and "+max.String())
	}
	if req.IDTokenTTL < time.Second || req.IDTokenTTL > max {
		p.Add("id_token_ttl", "must be between 1 second and "+max.String())
	}
	if err := p.Err(); err != nil {
		return nil, err
	}

	now := s.Clock.Now()
	iat := now.Unix()
	iss := s.Issuer(req.PoolID)
	scope := strings.Join(req.Scope, " ")
	common := func(ttl time.Duration) map[string]any {
		c := make(map[string]any, len(req.ExtraClaims)+12)
		for k, v := range req.ExtraClaims {
			if !ReservedClaims[k] {
				c[k] = v
			}
		}
		c["iss"] = iss
		c["sub"] = req.Subject
		c["aud"] = req.ClientID
		c["iat"] = iat
		c["nbf"] = iat
		c["exp"] = now.Add(ttl).Unix()
		c["jti"] = newJTI()
		if len(req.AMR) > 0 {
			c["amr"] = req.AMR
		}
		if !req.AuthTime.IsZero() {
			c["auth_time"] = req.AuthTime.Unix()
		}
		return c
	}

	access := common(req.AccessTTL)
	access["client_id"] = req.ClientID
	if scope != "" {
		access["scope"] = scope
	}
	at, err := s.Signer.Sign(ctx, req.PoolID, req.Alg, access)
	if err != nil {
		return nil, err
	}
	out := &Tokens{AccessToken: at, TokenType: "Bearer", ExpiresIn: int(req.AccessTTL / time.Second), Scope: scope}
	if !withIDToken {
		return out, nil
	}
	id := common(req.IDTokenTTL)
	id["azp"] = req.ClientID
	if req.Nonce != "" {
		id["nonce"] = req.Nonce
	}
	if out.IDToken, err = s.Signer.Sign(ctx, req.PoolID, req.Alg, id); err != nil {
		return nil, err
	}
	return out, nil
}

// newJTI is a random token id (128 bits): unlike a time-ordered id it reveals nothing.
func newJTI() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}
