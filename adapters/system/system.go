// Package system adapts the process's clock and randomness to the core's Clock and IDs ports.
package system

import (
	"time"

	"github.com/google/uuid"
)

// Clock is the wall clock in UTC.
type Clock struct{}

func (Clock) Now() time.Time { return time.Now().UTC() }

// IDs makes UUIDv7 identifiers: time-ordered, so primary-key indexes stay append-mostly.
type IDs struct{}

func (IDs) NewID() string { return uuid.Must(uuid.NewV7()).String() }
