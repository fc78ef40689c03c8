// Package authsource holds the use cases of a pool's general authentication sources
// (username-password, SMS OTP, email OTP): create, list, read, edit (only while disabled),
// enable, disable and delete (guarded by the applications that use the source), test a
// password against a source's policy, and find the source an application may use.
package authsource

import (
	"time"

	"github.com/gatehouse-iam/gatehouse/ports"
)

// Service runs the authentication source use cases.
type Service struct {
	Pools   ports.PoolStore
	Sources ports.AuthSourceStore
	Apps    ports.ApplicationStore
	Images  ports.ImageStore
	Locker  ports.PoolLocker
	Tx      ports.Tx
	Clock   ports.Clock
	IDs     ports.IDs
}

// now is the clock's time at the database's precision (microseconds), so an answer built from
// memory equals the same object read back later.
func (s *Service) now() time.Time { return s.Clock.Now().UTC().Truncate(time.Microsecond) }
