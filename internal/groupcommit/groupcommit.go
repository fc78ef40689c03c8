// Package groupcommit batches concurrent writes into shared flushes (a group commit). A durable
// write costs a round trip and a disk flush whatever its size, so under concurrency writing the
// items queued meanwhile in one go multiplies throughput, while a lone write still goes out at
// once: nothing waits on a timer, batches form only while a flush is in flight.
package groupcommit

import (
	"context"
	"errors"
	"slices"
	"sync"
)

// ErrFlushPanicked is the answer of the callers whose batch's flush panicked. The panic goes on
// in the goroutine that ran the flush; the batcher stays usable.
var ErrFlushPanicked = errors.New("groupcommit: flush panicked")

// Batcher runs concurrent Do calls' items through one flush per batch. The first caller to find
// no flush in flight becomes the leader: it flushes everything queued (up to the batch bound),
// then hands the lead to the first caller queued meanwhile. Every caller returns once its
// item's flush has finished, with that flush's error, so a write is as synchronous and durable
// as an unbatched one.
type Batcher[T any] struct {
	flush func(context.Context, []T) error
	max   int

	mu      sync.Mutex
	leading bool // a caller holds the lead: it is flushing, or has been handed the lead
	queue   []*call[T]
}

type call[T any] struct {
	item T
	err  error
	done chan struct{} // closed when the flush of item has finished and err is set
	lead chan struct{} // receives the lead handed over by the previous leader
}

// New returns a Batcher that writes items with flush, at most maxBatch at a time. flush gets a
// context without the leader's cancellation (the batch is other callers' too) but with its
// values: flush must not take request-scoped values from it for another caller's item. To
// answer per item, T can carry its own result fields for flush to set.
func New[T any](maxBatch int, flush func(ctx context.Context, items []T) error) *Batcher[T] {
	if maxBatch < 1 || flush == nil {
		panic("groupcommit: New needs a batch bound of at least 1 and a flush function")
	}
	return &Batcher[T]{flush: flush, max: maxBatch}
}

// Do writes item with the next flush and returns that flush's error. If ctx ends while the item
// is still queued, Do takes it out and returns ctx.Err(): the item is then never written. Once
// its flush has begun, Do waits for the flush's answer whatever ctx does, so that ctx.Err() is
// returned only for an item that was not written.
func (b *Batcher[T]) Do(ctx context.Context, item T) error {
	return b.do(ctx, item, false)
}

func (b *Batcher[T]) do(ctx context.Context, item T, abandonable bool) error {
	c := &call[T]{item: item, done: make(chan struct{}), lead: make(chan struct{}, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, c)
	if !b.leading {
		b.leading = true
		b.mu.Unlock()
		b.runLead(ctx)
		<-c.done
		return c.err
	}
	b.mu.Unlock()
	select {
	case <-c.done:
	case <-c.lead:
		b.runLead(ctx)
		<-c.done
	case <-ctx.Done():
		if b.withdraw(c) || abandonable {
			return ctx.Err()
		}
		<-c.done
	}
	return c.err
}

// DoOrAbandon is Do for an item whose caller may give up on its flush's answer, such as a read:
// when ctx ends after the item's flush has begun, DoOrAbandon returns ctx.Err() at once instead
// of waiting for the answer. The flush still runs, and may still write to the item, so a caller
// answered ctx.Err() must not touch the item again. The caller that leads a flush runs it and
// cannot leave before it ends.
func (b *Batcher[T]) DoOrAbandon(ctx context.Context, item T) error {
	return b.do(ctx, item, true)
}

// Queued reports how many items wait for a flush, not counting the batch in flight.
func (b *Batcher[T]) Queued() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.queue)
}

// runLead flushes one batch from the head of the queue and passes the lead on. The leader is at
// the head of the queue, so its own item is in the batch.
func (b *Batcher[T]) runLead(ctx context.Context) {
	b.mu.Lock()
	n := min(len(b.queue), b.max)
	batch := slices.Clone(b.queue[:n])
	clear(b.queue[:n]) // the queue's array must not keep finished calls alive
	b.queue = b.queue[n:]
	b.mu.Unlock()

	err := ErrFlushPanicked
	// Deferred so that a panicking flush still answers its callers and passes the lead on,
	// instead of leaving every later caller queued forever.
	defer func() {
		for _, c := range batch {
			c.err = err
			close(c.done)
		}
		b.mu.Lock()
		b.handOff()
		b.mu.Unlock()
	}()
	items := make([]T, len(batch))
	for i, c := range batch {
		items[i] = c.item
	}
	err = b.flush(context.WithoutCancel(ctx), items)
}

// handOff gives the lead to the head of the queue, or drops it when nobody waits. b.mu is held.
func (b *Batcher[T]) handOff() {
	if len(b.queue) > 0 {
		b.queue[0].lead <- struct{}{}
		return
	}
	b.leading = false
}

// withdraw takes c out of the queue, reporting false when a flush has already taken it. Should
// the lead have been handed to c meanwhile, c passes it on, since it will not flush.
func (b *Batcher[T]) withdraw(c *call[T]) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := slices.Index(b.queue, c)
	if i < 0 {
		return false
	}
	b.queue = slices.Delete(b.queue, i, i+1)
	select {
	case <-c.lead:
		b.handOff()
	default:
	}
	return true
}
