// Package application holds the use cases of a pool's applications: create, list, read,
// configure (basic information, parameters, process configuration, CORS), enable, disable,
// delete, rotate the client secret, and verify a client's credentials for the token endpoint.
package application

import (
	"time"

	"crypto/rand"
	"encoding/base64"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// Service runs the application use cases.
type Service struct {
	Pools      ports.PoolStore
	Apps       ports.ApplicationStore
	Sources    ports.AuthSourceStore
	Attributes ports.AttributeStore
	Groups     ports.GroupLookup
	Images     ports.ImageStore
	Locker     ports.PoolLocker
	Secrets    ports.SecretHasher
	Tx         ports.Tx
	Clock      ports.Clock
	IDs        ports.IDs
}

// randomToken is n random bytes, URL-safe base64 without padding.
func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", domain.Internal("random token", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// newClientID is 24 random bytes (32 characters): unguessable and unique in practice; the
// store's unique index guards the rest.
func newClientID() (string, error) { return randomToken(24) }

// newClientSecret is 32 random bytes (43 characters), 256 bits of entropy.
func newClientSecret() (string, error) { return randomToken(32) }

// now is the clock's time at the database's precision (microseconds), so an answer built from
// memory equals the same object read back later.
func (s *Service) now() time.Time { return s.Clock.Now().UTC().Truncate(time.Microsecond) }
