package groupcommit_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/internal/groupcommit"
)

// log records every flush: its items, and the error it answered.
type log struct {
	mu      sync.Mutex
	batches [][]int
	errs    []error
	seen    map[int]int // item -> number of flushes it was in
}

func newLog() *log { return &log{seen: map[int]int{}} }

func (l *log) add(items []int, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.batches = append(l.batches, append([]int(nil), items...))
	l.errs = append(l.errs, err)
	for _, it := range items {
		l.seen[it]++
	}
}

// batchOf returns the index of the flush that wrote item.
func (l *log) batchOf(item int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, b := range l.batches {
		for _, it := range b {
			if it == item {
				return i
			}
		}
	}
	return -1
}

// waitQueued waits until n items wait behind the flush in flight.
func waitQueued[T any](t *testing.T, b *groupcommit.Batcher[T], n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for b.Queued() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d items queued, want %d", b.Queued(), n)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func TestLoneCallsFlushAtOnce(t *testing.T) {
	l := newLog()
	b := groupcommit.New(64, func(_ context.Context, items []int) error {
		l.add(items, nil)
		return nil
	})
	const calls = 1000
	start := time.Now()
	for i := range calls {
		if err := b.Do(context.Background(), i); err != nil {
			t.Fatal(err)
		}
		if l.seen[i] != 1 {
			t.Fatalf("Do(%d) returned before its item was flushed", i)
		}
	}
	// A timer of even a millisecond per call would take a second.
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("%d sequential calls took %s: a lone call waited", calls, d)
	}
	for i, batch := range l.batches {
		if len(batch) != 1 {
			t.Fatalf("flush %d of sequential calls wrote %v", i, batch)
		}
	}
}

func TestConcurrentCallsAreEachFlushedOnce(t *testing.T) {
	l := newLog()
	const maxBatch = 16
	b := groupcommit.New(maxBatch, func(_ context.Context, items []int) error {
		time.Sleep(200 * time.Microsecond) // a write takes time, so batches form meanwhile
		l.add(items, nil)
		return nil
	})
	const goroutines, each = 64, 40
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				item := g*each + i
				if err := b.Do(context.Background(), item); err != nil {
					t.Error(err)
				}
				l.mu.Lock()
				n := l.seen[item]
				l.mu.Unlock()
				if n != 1 {
					t.Errorf("Do(%d) returned with its item flushed %d times", item, n)
				}
			}
		})
	}
	wg.Wait()
	if len(l.seen) != goroutines*each {
		t.Fatalf("%d items flushed, want %d", len(l.seen), goroutines*each)
	}
	for item, n := range l.seen {
		if n != 1 {
			t.Fatalf("item %d flushed %d times", item, n)
		}
	}
	largest := 0
	for _, batch := range l.batches {
		largest = max(largest, len(batch))
	}
	if largest < 2 || largest > maxBatch {
		t.Fatalf("largest batch %d, want 2..%d", largest, maxBatch)
	}
	t.Logf("%d items in %d flushes", len(l.seen), len(l.batches))
}

// held is a flush whose first call waits for release: calls made meanwhile queue up.
type held struct {
	log     *log
	entered chan struct{} // closed when the first flush has begun
	release chan struct{}
	once    sync.Once
	fail    func(items []int) error
}

func newHeld() *held {
	return &held{log: newLog(), entered: make(chan struct{}), release: make(chan struct{})}
}

func (h *held) flush(_ context.Context, items []int) error {
	h.once.Do(func() {
		close(h.entered)
		<-h.release
	})
	var err error
	if h.fail != nil {
		err = h.fail(items)
	}
	h.log.add(items, err)
	return err
}

func TestBatchesFormWhileAFlushIsInFlight(t *testing.T) {
	h := newHeld()
	b := groupcommit.New(8, h.flush)
	const n = 21
	errs := make(chan error, n)
	go func() { errs <- b.Do(context.Background(), 0) }()
	<-h.entered // item 0 is in flight
	for i := 1; i < n; i++ {
		go func() { errs <- b.Do(context.Background(), i) }()
	}
	waitQueued(t, b, n-1)
	close(h.release)
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	var sizes []int
	for _, batch := range h.log.batches {
		sizes = append(sizes, len(batch))
	}
	if fmt.Sprint(sizes) != "[1 8 8 4]" {
		t.Fatalf("batch sizes %v, want the lone first call, then the %d queued by 8", sizes, n-1)
	}
}

func TestErrorsReachTheCallersOfTheFailedBatchOnly(t *testing.T) {
	h := newHeld()
	boom := errors.New("disk full")
	h.fail = func(items []int) error {
		for _, it := range items {
			if it == 13 {
				return boom
			}
		}
		return nil
	}
	b := groupcommit.New(4, h.flush)
	const n = 30
	errs := make([]error, n)
	var wg sync.WaitGroup
	wg.Go(func() { errs[0] = b.Do(context.Background(), 0) })
	<-h.entered
	for i := 1; i < n; i++ {
		wg.Go(func() { errs[i] = b.Do(context.Background(), i) })
	}
	waitQueued(t, b, n-1)
	close(h.release)
	wg.Wait()

	failed := h.log.batchOf(13)
	if failed < 0 || len(h.log.batches[failed]) < 2 {
		t.Fatalf("item 13 was flushed in %v", h.log.batches)
	}
	for i, err := range errs {
		inFailed := h.log.batchOf(i) == failed
		if inFailed && err != boom || !inFailed && err != nil {
			t.Errorf("item %d (in the failed batch: %v) answered %v", i, inFailed, err)
		}
	}
}

func TestErrorsUnderConcurrency(t *testing.T) {
	l := newLog()
	b := groupcommit.New(8, func(_ context.Context, items []int) error {
		var err error
		for _, it := range items {
			if it%17 == 0 {
				err = fmt.Errorf("batch with %d", it)
			}
		}
		l.add(items, err)
		return err
	})
	const n = 2000
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = b.Do(context.Background(), i) })
	}
	wg.Wait()
	for i, err := range errs {
		k := l.batchOf(i)
		if k < 0 || l.seen[i] != 1 {
			t.Fatalf("item %d flushed %d times", i, l.seen[i])
		}
		if err != l.errs[k] {
			t.Fatalf("item %d answered %v, its flush %v", i, err, l.errs[k])
		}
	}
}

func TestTheLeaderLeavingEarlyDoesNotCancelTheFlush(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	type key struct{}
	ctx = context.WithValue(ctx, key{}, "leader")
	var flushCtxErr error
	var value any
	b := groupcommit.New(8, func(ctx context.Context, _ []int) error {
		cancel()
		flushCtxErr, value = ctx.Err(), ctx.Value(key{})
		return nil
	})
	if err := b.Do(ctx, 1); err != nil {
		t.Fatalf("the flush of a cancelled leader answered %v", err)
	}
	if flushCtxErr != nil || value != "leader" {
		t.Fatalf("flush context: err %v, value %v", flushCtxErr, value)
	}
}

func TestACancelledWaiterLeavesTheQueue(t *testing.T) {
	h := newHeld()
	b := groupcommit.New(8, h.flush)
	first := make(chan error, 1)
	go func() { first <- b.Do(context.Background(), 0) }()
	<-h.entered

	ctx, cancel := context.WithCancel(context.Background())
	quitter := make(chan error, 1)
	go func() { quitter <- b.Do(ctx, 1) }()
	waitQueued(t, b, 1)
	stayer := make(chan error, 1)
	go func() { stayer <- b.Do(context.Background(), 2) }()
	waitQueued(t, b, 2)

	cancel()
	if err := <-quitter; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter answered %v", err)
	}
	waitQueued(t, b, 1)
	close(h.release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-stayer; err != nil {
		t.Fatal(err)
	}
	if err := b.Do(context.Background(), 3); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(h.log.batches) != "[[0] [2] [3]]" {
		t.Fatalf("flushes %v: the cancelled item must not be written", h.log.batches)
	}
}

// A DoOrAbandon caller whose flush is in flight leaves when its ctx ends; a Do caller in the same
// flush waits for its answer whatever its ctx does.
func TestAnAbandoningCallerLeavesItsFlushInFlight(t *testing.T) {
	l := newLog()
	first, second := make(chan struct{}), make(chan struct{})
	entered := make(chan []int, 2)
	b := groupcommit.New(8, func(_ context.Context, items []int) error {
		entered <- items
		if items[0] == 0 {
			<-first
		} else {
			<-second
		}
		l.add(items, nil)
		return nil
	})
	answers := map[int]chan error{0: make(chan error, 1), 1: make(chan error, 1), 2: make(chan error, 1), 3: make(chan error, 1)}
	go func() { answers[0] <- b.Do(context.Background(), 0) }()
	<-entered
	abandonCtx, abandon := context.WithCancel(context.Background())
	waitCtx, stopWaiting := context.WithCancel(context.Background())
	go func() { answers[2] <- b.Do(context.Background(), 2) }() // the next leader
	waitQueued(t, b, 1)
	go func() { answers[1] <- b.DoOrAbandon(abandonCtx, 1) }()
	waitQueued(t, b, 2)
	go func() { answers[3] <- b.Do(waitCtx, 3) }()
	waitQueued(t, b, 3)
	close(first)
	if got := fmt.Sprint(<-entered); got != "[2 1 3]" {
		t.Fatalf("second flush %s, want [2 1 3]", got)
	}
	abandon()
	stopWaiting()
	select {
	case err := <-answers[1]:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("the abandoning caller answered %v", err)
		}
	case <-time.After(10 * time.Second): // a guard against a hang, not a timing check
		t.Fatal("the abandoning caller waited for its flush")
	}
	close(second)
	for _, item := range []int{0, 2, 3} {
		if err := <-answers[item]; err != nil {
			t.Fatalf("item %d answered %v, want its flush's answer", item, err)
		}
	}
	if fmt.Sprint(l.batches) != "[[0] [2 1 3]]" {
		t.Fatalf("flushes %v: an abandoned item's flush still runs", l.batches)
	}
}

// Callers leave at random moments, some while being handed the lead: every answer stays exact
// and the batcher keeps working.
func TestCancellationsUnderLoad(t *testing.T) {
	l := newLog()
	b := groupcommit.New(4, func(_ context.Context, items []int) error {
		time.Sleep(50 * time.Microsecond)
		l.add(items, nil)
		return nil
	})
	const n = 3000
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rand.IntN(20_000))*time.Microsecond)
			defer cancel()
			errs[i] = b.Do(ctx, i)
		})
	}
	wg.Wait()
	cancelled := 0
	for i, err := range errs {
		switch {
		case err == nil && l.seen[i] != 1:
			t.Fatalf("item %d answered nil but was flushed %d times", i, l.seen[i])
		case errors.Is(err, context.DeadlineExceeded) && l.seen[i] != 0:
			t.Fatalf("item %d answered %v but was flushed", i, err)
		case err != nil && !errors.Is(err, context.DeadlineExceeded):
			t.Fatalf("item %d answered %v", i, err)
		case err != nil:
			cancelled++
		}
	}
	if b.Queued() != 0 {
		t.Fatalf("%d items left queued", b.Queued())
	}
	done := make(chan error)
	go func() { done <- b.Do(context.Background(), n) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the batcher is stuck after cancellations")
	}
	t.Logf("%d of %d calls cancelled", cancelled, n)
}

func TestAPanickingFlushAnswersItsBatchAndPassesTheLeadOn(t *testing.T) {
	h := newHeld()
	b := groupcommit.New(8, func(ctx context.Context, items []int) error {
		if len(items) == 2 {
			panic("flush bug")
		}
		return h.flush(ctx, items)
	})
	type answer struct {
		err      error
		panicked bool
	}
	answers := make(chan answer, 2)
	do := func(i int) {
		defer func() {
			if recover() != nil {
				answers <- answer{panicked: true}
			}
		}()
		answers <- answer{err: b.Do(context.Background(), i)}
	}
	first := make(chan error, 1)
	go func() { first <- b.Do(context.Background(), 0) }()
	<-h.entered
	go do(1)
	go do(2)
	waitQueued(t, b, 2)
	close(h.release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	a, c := <-answers, <-answers
	if a.panicked == c.panicked || !errors.Is(a.err, groupcommit.ErrFlushPanicked) && !errors.Is(c.err, groupcommit.ErrFlushPanicked) {
		t.Fatalf("the leader should panic and the other caller get ErrFlushPanicked: %+v %+v", a, c)
	}
	if err := b.Do(context.Background(), 3); err != nil {
		t.Fatal(err)
	}
}
