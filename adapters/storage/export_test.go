package storage

import (
	"context"
	"time"
)

// AfterCommit exposes afterCommit to the package's tests.
var AfterCommit = afterCommit

// CacheLen tells how many entries the read cache behind cs holds.
func CacheLen(cs ConfigStores) int { return cs.Applications.(*cachedApplications).c.len() }

// SweepExpiredRefreshTokens runs the refresh-token sweep that inserts run now and then.
func SweepExpiredRefreshTokens(ctx context.Context, s *RefreshTokenStore, now time.Time) {
	s.sweepExpired(ctx, now)
}
