package clientcache

import (
	"errors"
	"sync"
	"testing"
)

func TestGetReusesAndEvictsLeastRecentlyUsed(t *testing.T) {
	var evicted []int
	c := New[int](2, func(v int) { evicted = append(evicted, v) })
	n := 0
	mk := func() (int, error) { n++; return n, nil }
	a, _ := c.Get("a", mk)
	if again, _ := c.Get("a", mk); again != a {
		t.Fatalf("second Get built a new client: %d != %d", again, a)
	}
	c.Get("b", mk)
	c.Get("a", mk) // a is now most recent, so b goes first
	c.Get("c", mk)
	if len(evicted) != 1 || evicted[0] != 2 {
		t.Fatalf("evicted = %v, want [2] (b)", evicted)
	}
	if c.Len() != 2 {
		t.Fatalf("Len = %d, want 2", c.Len())
	}
	if _, ok := c.Peek("b"); ok {
		t.Fatal("b still cached")
	}
}

func TestGetDoesNotCacheFailures(t *testing.T) {
	c := New[int](2, nil)
	if _, err := c.Get("a", func() (int, error) { return 0, errors.New("boom") }); err == nil {
		t.Fatal("want error")
	}
	if c.Len() != 0 {
		t.Fatal("failure was cached")
	}
}

func TestConcurrentGetBuildsOnce(t *testing.T) {
	c := New[*int](4, nil)
	var mu sync.Mutex
	built := 0
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Get("k", func() (*int, error) { mu.Lock(); built++; mu.Unlock(); return new(int), nil })
		}()
	}
	wg.Wait()
	if built != 1 {
		t.Fatalf("built %d clients, want 1", built)
	}
}

func TestKeyIgnoresFieldOrderButNotValues(t *testing.T) {
	type cfg struct{ A, B string }
	k1, _ := Key(cfg{A: "1", B: "2"})
	k2, _ := Key(cfg{A: "1", B: "2"})
	k3, _ := Key(cfg{A: "1", B: "3"})
	if k1 != k2 || k1 == k3 {
		t.Fatalf("keys: %s %s %s", k1, k2, k3)
	}
}
