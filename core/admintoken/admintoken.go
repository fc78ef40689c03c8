// Package admintoken guards the management API with one bearer token. Only the token's SHA-256
// is stored; the token itself is shown once, when it is generated.
package admintoken

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"sync/atomic"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// SettingName is where the token's hash is kept.
const SettingName = "admin_token_sha256"

// Guard verifies admin tokens against the configured or stored hash.
type Guard struct {
	hash atomic.Pointer[[sha256.Size]byte]
}

// Setup prepares the guard. With a configured token, that token is the one accepted (and its
// hash stored). Without one, the stored hash is used; when there is none yet a token is
// generated, its hash stored, and the token returned so the caller can print it once.
func Setup(ctx context.Context, settings ports.SettingStore, configured string) (g *Guard, generated string, err error) {
	g = &Guard{}
	if configured != "" {
		sum := sha256.Sum256([]byte(configured))
		g.hash.Store(&sum)
		if err := settings.Put(ctx, SettingName, hex.EncodeToString(sum[:])); err != nil {
			return nil, "", err
		}
		return g, "", nil
	}
	stored, err := settings.Get(ctx, SettingName)
	if err != nil {
		return nil, "", err
	}
	if stored != "" {
		raw, err := hex.DecodeString(stored)
		if err != nil || len(raw) != sha256.Size {
			return nil, "", domain.Internal("stored admin token hash", err)
		}
		var sum [sha256.Size]byte
		copy(sum[:], raw)
		g.hash.Store(&sum)
		return g, "", nil
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return nil, "", domain.Internal("generate admin token", err)
	}
	generated = "gh_admin_" + base64.RawURLEncoding.EncodeToString(buf)
	sum := sha256.Sum256([]byte(generated))
	if err := settings.Put(ctx, SettingName, hex.EncodeToString(sum[:])); err != nil {
		return nil, "", err
	}
	g.hash.Store(&sum)
	return g, generated, nil
}

// Verify checks a presented token in constant time.
func (g *Guard) Verify(token string) error {
	want := g.hash.Load()
	sum := sha256.Sum256([]byte(token))
	if token == "" || want == nil || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
		return domain.Unauthenticated("invalid_token", "A valid admin bearer token is required.")
	}
	return nil
}
