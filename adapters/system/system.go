// Package system adapts the process's clock and randomness to the core's Clock and IDs ports.
package system

import (
	"time"

	"github.com/google/uuid"
)

// Clock is the wall clock in UTC, truncated to the microsecond both databases store, so a
// value answered right after a write equals the one read back later. It is the one place that
// truncates (see ports.Clock).
type Clock struct{}

func (Clock) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// IDs makes UUIDv7 identifiers: time-ordered, so primary-key indexes stay append-mostly.
type IDs struct{}

func (IDs) NewID() string { return uuid.Must(uuid.NewV7()).String() }
