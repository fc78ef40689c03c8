// Package group holds the use cases of a pool's user groups: create, get, list, edit and delete
// groups, and add, remove and list their members. Every use case is scoped to one pool: a group
// or user of another pool is not found.
package group

import (
	"time"

	"github.com/gatehouse-iam/gatehouse/ports"
)

// Service runs the group use cases.
type Service struct {
	Groups  ports.GroupStore
	Members ports.GroupMembers
	Pools   ports.PoolStore
	Clock   ports.Clock
	IDs     ports.IDs
}

// now is the clock's time at the databases' precision (microseconds), so the group a create or
// edit answers with equals the one read back later.
func (s *Service) now() time.Time { return s.Clock.Now().UTC().Truncate(time.Microsecond) }
