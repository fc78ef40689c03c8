package domain

import "time"

// Group is a user group of a pool.
type Group struct {
	ID          string
	PoolID      string
	Name        string
	Description string
	MemberCount int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}
