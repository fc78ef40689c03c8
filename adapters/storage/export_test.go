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

// MaxLeases bounds how many leases a RateLimiter keeps.
const MaxLeases = maxLeases

// AddLease records a lease of n events on a window as Hit does after leasing them.
func AddLease(r *RateLimiter, poolID, key string, windowStart, windowEnd int64, n int, now time.Time) {
	r.addLease(poolID, key, windowStart, windowEnd, n, now)
}

// LeaseCount tells how many leases r keeps.
func LeaseCount(r *RateLimiter) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.leases)
}
