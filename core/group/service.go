// Package group holds the use cases of a pool's user groups: create, get, list, edit and delete
// groups, and add, remove and list their members. Every use case is scoped to one pool: a group
// or user of another pool is not found.
package group

import (
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
