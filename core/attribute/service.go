// Package attribute holds the use cases of a pool's user attributes: list, view, create, edit
// and delete. Built-in attributes are fixed; preset and custom ones may change until users hold
// values for them.
package attribute

import (
	"context"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// Service runs the attribute use cases.
type Service struct {
	Pools      ports.PoolStore
	Attributes ports.AttributeStore
	Tx         ports.Tx
	Clock      ports.Clock
	IDs        ports.IDs
}

// View is an attribute with whether any user of its pool has a value for it.
type View struct {
	domain.Attribute
	InUse bool
}

// Conflict codes of the attribute rules.
const (
	CodeBuiltin          = "builtin_attribute"
	CodeInUse            = "attribute_in_use"
	CodeAttributeEnabled = "attribute_enabled"
)

func errBuiltin() error {
	return domain.Conflict(CodeBuiltin, "Built-in attributes cannot be edited or deleted.")
}

// pool checks that the pool exists, so an unknown pool is 404 rather than an empty catalogue.
func (s *Service) pool(ctx context.Context, poolID string) error {
	_, err := s.Pools.Get(ctx, poolID)
	return err
}

// now is the clock's time at the storage's precision (microseconds), so an answer shows the
// same timestamps a later read returns.
func (s *Service) now() time.Time { return s.Clock.Now().UTC().Truncate(time.Microsecond) }
