// Package clientsecret implements ports.SecretHasher with HMAC-SHA256 under a sub-key derived
// from the server key. Client secrets are 256-bit random values checked on every token
// request, so a fast keyed hash is the right tool (a password hash would only add latency); a
// stolen database alone does not let anyone test guesses without the server key.
package clientsecret

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse-iam/gatehouse/ports"
)

// Label is the HKDF info that separates this key from other keys derived from the server key.
const Label = "client-secret"

// prefix versions the stored form so the scheme can change later.
const prefix = "hmac-sha256:"

// Hasher is the HMAC-SHA256 SecretHasher.
type Hasher struct{ key []byte }

var _ ports.SecretHasher = (*Hasher)(nil)

// New derives the hashing key from the server key with HKDF-SHA256 (no salt, info "client-secret").
func New(serverKey []byte) (*Hasher, error) {
	if len(serverKey) < 32 {
		return nil, errors.New("clientsecret: the server key must be at least 32 bytes")
	}
	key, err := hkdf.Key(sha256.New, serverKey, nil, Label, 32)
	if err != nil {
		return nil, fmt.Errorf("clientsecret: derive key: %w", err)
	}
	return &Hasher{key: key}, nil
}

func (h *Hasher) mac(secret string) []byte {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(secret))
	return m.Sum(nil)
}

// Hash returns "hmac-sha256:" followed by the unpadded base64url MAC of secret.
func (h *Hasher) Hash(secret string) string {
	return prefix + base64.RawURLEncoding.EncodeToString(h.mac(secret))
}

// Verify recomputes the MAC and compares it with hmac.Equal (constant time). A malformed hash
// or an empty secret never verifies.
func (h *Hasher) Verify(hash, secret string) bool {
	want, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(hash, prefix))
	got := h.mac(secret)
	ok := hmac.Equal(got, want)
	return err == nil && strings.HasPrefix(hash, prefix) && secret != "" && ok
}
