// Package clientcache keeps one provider client per distinct connector configuration inside a
// plugin process. Config travels with every call, so without a cache each call would build a
// fresh client (new TLS session, new connection pool); with it, calls for the same tenant reuse
// one. The cache is bounded so a process serving many tenants does not grow without limit.
package clientcache

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
)

// Key returns a stable key for a decoded configuration, or for the part of it a client depends
// on: the SHA-256 of its JSON encoding. Hashing the decoded struct (not the raw bytes) makes
// whitespace and field order irrelevant, and keeps secrets out of the key itself.
func Key(cfg any) (string, error) {
	b, err := json.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("clientcache: hash config: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

type entry[V any] struct {
	key   string
	value V
}

// Cache is a least-recently-used map from configuration key to client, safe for concurrent use.
type Cache[V any] struct {
	mu      sync.Mutex
	max     int
	order   *list.List // front = most recently used
	items   map[string]*list.Element
	onEvict func(V)
}

// New returns a cache holding at most max clients. onEvict, if not nil, is called (outside the
// lock) with each client pushed out, so connection-holding clients can be closed.
func New[V any](max int, onEvict func(V)) *Cache[V] {
	if max < 1 {
		max = 1
	}
	return &Cache[V]{max: max, order: list.New(), items: map[string]*list.Element{}, onEvict: onEvict}
}

// Get returns the client for key, creating it with create when absent. create runs under the
// cache lock, so it must be cheap and must not block on the network.
func (c *Cache[V]) Get(key string, create func() (V, error)) (V, error) {
	c.mu.Lock()
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		v := el.Value.(*entry[V]).value
		c.mu.Unlock()
		return v, nil
	}
	v, err := create()
	if err != nil {
		c.mu.Unlock()
		var zero V
		return zero, err
	}
	c.items[key] = c.order.PushFront(&entry[V]{key: key, value: v})
	var evicted []V
	for c.order.Len() > c.max {
		el := c.order.Back()
		e := el.Value.(*entry[V])
		c.order.Remove(el)
		delete(c.items, e.key)
		evicted = append(evicted, e.value)
	}
	c.mu.Unlock()
	if c.onEvict != nil {
		for _, e := range evicted {
			c.onEvict(e)
		}
	}
	return v, nil
}

// Peek returns the client cached for key without creating one or touching its recency.
func (c *Cache[V]) Peek(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		return el.Value.(*entry[V]).value, true
	}
	var zero V
	return zero, false
}

// Len reports how many clients are cached.
func (c *Cache[V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
