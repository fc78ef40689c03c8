package token_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/token"
	"github.com/gatehouse-iam/gatehouse/ports"
)

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// recordingSigner keeps the claims it was asked to sign; its "token" is an index into them.
type recordingSigner struct {
	ports.TokenSigner
	signed []map[string]any
	algs   []string
	err    error
}

func (r *recordingSigner) Sign(_ context.Context, _, alg string, claims map[string]any) (string, error) {
	if r.err != nil {
		return "", r.err
	}
	r.signed = append(r.signed, claims)
	r.algs = append(r.algs, alg)
	return string(rune('0' + len(r.signed) - 1)), nil
}

func (r *recordingSigner) Verify(_ context.Context, _, tok string) (map[string]any, error) {
	// As a real signer: the claims come back JSON-decoded (numbers as float64).
	raw, _ := json.Marshal(r.signed[tok[0]-'0'])
	var claims map[string]any
	return claims, json.Unmarshal(raw, &claims)
}

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func TestMintClaims(t *testing.T) {
	sig := &recordingSigner{}
	s := &token.Service{Signer: sig, Clock: fixedClock(now), PublicURL: "https://id.example.com/"}
	toks, err := s.Mint(context.Background(), token.MintRequest{PoolID: "p1", ClientID: "c1", Subject: "u1",
		Scope: []string{"openid", "email"}, AMR: []string{"otp"}, AuthTime: now.Add(-time.Minute), Nonce: "n",
		AccessTTL: 5 * time.Minute, ExtraClaims: map[string]any{"tenant": "acme", "exp": 1, "aud": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if toks.TokenType != "Bearer" || toks.ExpiresIn != 300 || toks.Scope != "openid email" || toks.AccessToken != "0" || toks.IDToken != "1" {
		t.Fatalf("%+v", toks)
	}
	if !slices.Equal(sig.algs, []string{"RS256", "RS256"}) {
		t.Fatalf("default alg: %v", sig.algs)
	}
	access, id := sig.signed[0], sig.signed[1]
	for name, c := range map[string]map[string]any{"access": access, "id": id} {
		if c["iss"] != "https://id.example.com/pools/p1" || c["sub"] != "u1" || c["aud"] != "c1" || c["iat"] != now.Unix() ||
			c["nbf"] != now.Unix() || c["auth_time"] != now.Add(-time.Minute).Unix() || c["tenant"] != "acme" || c["jti"] == "" {
			t.Fatalf("%s claims %v", name, c)
		}
	}
	if access["exp"] != now.Add(5*time.Minute).Unix() || id["exp"] != now.Add(token.DefaultIDTokenTTL).Unix() {
		t.Fatalf("exp: access %v id %v (configured claims must not override)", access["exp"], id["exp"])
	}
	if access["scope"] != "openid email" || access["client_id"] != "c1" || access["azp"] != nil || access["nonce"] != nil {
		t.Fatalf("access claims %v", access)
	}
	if id["azp"] != "c1" || id["nonce"] != "n" || id["scope"] != nil {
		t.Fatalf("id claims %v", id)
	}
	if access["jti"] == id["jti"] {
		t.Fatal("tokens share a jti")
	}

	// Verify checks the issuer and the clock on top of the signature.
	if _, err := s.Verify(context.Background(), "p1", "0"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Verify(context.Background(), "p2", "0"); domain.CodeOf(err) != "invalid_token" {
		t.Fatalf("other pool's issuer: %v", err)
	}
	sig.signed[0]["exp"], sig.signed[0]["iss"] = float64(now.Unix()), "https://id.example.com/pools/p1"
	if _, err := s.Verify(context.Background(), "p1", "0"); domain.CodeOf(err) != "invalid_token" {
		t.Fatalf("expired: %v", err)
	}
	sig.signed[1]["exp"], sig.signed[1]["nbf"] = float64(now.Unix()+60), float64(now.Unix()+1)
	if _, err := s.Verify(context.Background(), "p1", "1"); domain.CodeOf(err) != "invalid_token" {
		t.Fatalf("not yet valid: %v", err)
	}

	sig.err = errors.New("boom")
	if _, err := s.Mint(context.Background(), token.MintRequest{PoolID: "p1", ClientID: "c1", Subject: "u1"}); err == nil {
		t.Fatal("signer failure swallowed")
	}
}
