package storage

import (
	"context"
	"sync"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// cacheKind names what a cache entry holds, so a write can drop every entry of its kind in a
// pool.
type cacheKind uint8

const (
	kindApp cacheKind = iota + 1
	kindAppByClientID
	kindAuthSource
	kindOTPSettings
	kindMessageSettings
	kindConnector
)

type cacheKey struct {
	kind cacheKind
	a, b string
}

type cacheEntry struct {
	// value is the decoded domain value; nothing ever modifies it, and every read is handed a
	// deep copy of it, so callers cannot change what the cache holds.
	value   any
	pool    string
	kind    cacheKind
	expires time.Time
}

// readCache keeps rows read outside a transaction, decoded, for a short TTL. Errors (not found
// included) are never kept, so unknown keys cost a query each but take no memory.
//
// A write drops the entries it affects at once and again after its transaction commits; a read
// that started before an invalidation does not store its (possibly old) row. Together these
// keep an instance from serving a row older than its own last committed write.
type readCache struct {
	ttl time.Duration
	now func() time.Time
	max int

	mu      sync.Mutex
	gen     uint64 // counts invalidations
	entries map[cacheKey]cacheEntry
}

func newReadCache(ttl time.Duration, now func() time.Time, maxEntries int) *readCache {
	if now == nil {
		now = time.Now
	}
	if maxEntries <= 0 {
		maxEntries = DefaultCacheEntries
	}
	return &readCache{ttl: ttl, now: now, max: maxEntries, entries: map[cacheKey]cacheEntry{}}
}

// cachedRead returns a copy of the value under key of its own (deepCopy), calling read on a
// miss. Inside a transaction it always reads and stores nothing: the transaction may see its
// own uncommitted writes, and use cases read-modify-write there. A ctx that asks for fresh
// reads (domain.WithFreshReads) is served the same way. read returns the value, decoded, and
// the pool it belongs to.
func cachedRead[R any](ctx context.Context, c *readCache, key cacheKey, read func(context.Context) (R, string, error)) (R, error) {
	if inTx(ctx) || domain.FreshReads(ctx) {
		r, _, err := read(ctx)
		return r, err
	}
	c.mu.Lock()
	start := c.now()
	if e, ok := c.entries[key]; ok && start.Before(e.expires) {
		c.mu.Unlock()
		return deepCopy(e.value.(R)), nil
	}
	gen := c.gen
	c.mu.Unlock()

	r, pool, err := read(ctx)
	if err != nil {
		return r, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return r, nil // a write may have committed after our read: do not keep the value
	}
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		c.makeRoom(start)
	}
	// The TTL counts from before the read, bounding how old a served row can be.
	c.entries[key] = cacheEntry{value: r, pool: pool, kind: key.kind, expires: start.Add(c.ttl)}
	return deepCopy(r), nil
}

// makeRoom drops expired entries and, when the cache is still full, arbitrary ones down to 7/8
// of its size, so a full cache sweeps only every max/8 insertions.
func (c *readCache) makeRoom(now time.Time) {
	for k, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, k)
		}
	}
	target := c.max - max(c.max/8, 1)
	for k := range c.entries {
		if len(c.entries) <= target {
			break
		}
		delete(c.entries, k)
	}
}

// invalidate drops the pool's entries of the given kinds (every kind when none is given).
func (c *readCache) invalidate(pool string, kinds ...cacheKind) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.entries {
		if e.pool != pool {
			continue
		}
		match := len(kinds) == 0
		for _, kind := range kinds {
			match = match || e.kind == kind
		}
		if match {
			delete(c.entries, k)
		}
	}
}

// written invalidates after a write made with ctx: at once, and again once the transaction
// in ctx commits (at once again without one), so a concurrent read that fetched the old row
// before the commit cannot leave it behind.
func (c *readCache) written(ctx context.Context, pool string, kinds ...cacheKind) {
	c.invalidate(pool, kinds...)
	afterCommit(ctx, func() { c.invalidate(pool, kinds...) })
}

// len tells how many entries the cache holds (tests check its bound).
func (c *readCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
