package signin

import (
	"context"
	"sync"
	"testing"
	"time"
)

// memLimiter is an in-memory ports.RateLimiter (fixed windows ignored: one window).
type memLimiter struct {
	mu   sync.Mutex
	hits map[string]int
}

func (m *memLimiter) Hit(_ context.Context, pool, key string, _ time.Duration, limit int, _ time.Time) (bool, time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hits[pool+key] >= limit {
		return false, time.Minute, nil
	}
	m.hits[pool+key]++
	return true, 0, nil
}

func (m *memLimiter) Cooldown(context.Context, string, string, time.Duration, time.Time) (bool, time.Duration, error) {
	return true, 0, nil
}

// A sharded limit is exact: of 1 100 hits on a limit of 1 000 (15 shards) exactly 1 000 pass,
// and small limits stay on one row.
func TestShardedLimitIsExact(t *testing.T) {
	for _, limit := range []int{30, 1000, 10_000} {
		m := &memLimiter{hits: map[string]int{}}
		s := &Service{Limits: m}
		allowed := 0
		for i := 0; i < limit+100; i++ {
			ok, retry, err := s.hitSharded(context.Background(), "p", "pool:day", time.Hour, limit, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				allowed++
			} else if retry != time.Minute {
				t.Fatalf("retry %v", retry)
			}
		}
		if allowed != limit {
			t.Fatalf("limit %d: %d allowed", limit, allowed)
		}
		if want := min(max(limit/64, 1), maxShards); len(m.hits) != want {
			t.Fatalf("limit %d spread over %d rows, want %d", limit, len(m.hits), want)
		}
	}
}
