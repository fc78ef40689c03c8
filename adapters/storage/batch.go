package storage

import (
	"context"
	"errors"
	"sync"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/internal/groupcommit"
)

// maxWriteBatch bounds the rows of one batched statement.
const maxWriteBatch = 64

// writeBatcher commits the sign-in path's small writes made outside a transaction together:
// each costs a statement and a commit whatever its size, so concurrent writes go out as one
// multi-row statement (write), itself a statement of the next round on MySQL (see rounds).
// Should a batch fail, each row is written alone, so a bad row fails its own caller and not its
// neighbours. A write inside a transaction is a statement of that transaction. Either way the
// caller returns once its row is committed.
type writeBatcher[R any] struct {
	db    *DB
	write func(ctx context.Context, db bun.IDB, rows []R) error
	batch *groupcommit.Batcher[*pendingWrite[R]]
}

type pendingWrite[R any] struct {
	row R
	err error
}

func newWriteBatcher[R any](db *DB, write func(ctx context.Context, db bun.IDB, rows []R) error) *writeBatcher[R] {
	w := &writeBatcher[R]{db: db, write: write}
	w.batch = groupcommit.New(maxWriteBatch, w.flush)
	return w
}

// insertRows writes rows with one multi-row INSERT, its errors naming what.
func insertRows[R any](what string) func(ctx context.Context, db bun.IDB, rows []R) error {
	return func(ctx context.Context, db bun.IDB, rows []R) error {
		_, err := db.NewInsert().Model(&rows).Exec(ctx)
		return mapErr(err, what)
	}
}

func (w *writeBatcher[R]) Write(ctx context.Context, row R) error {
	if inTx(ctx) {
		return w.write(ctx, w.db.idb(ctx), []R{row})
	}
	p := &pendingWrite[R]{row: row}
	if err := w.batch.Do(ctx, p); err != nil {
		return domain.Internal("storage: batched write", err) // ctx ended while queued, or the flush panicked
	}
	return p.err
}

func (w *writeBatcher[R]) flush(ctx context.Context, batch []*pendingWrite[R]) error {
	rows := make([]R, len(batch))
	for i, p := range batch {
		rows[i] = p.row
	}
	db := w.db.autocommit() // a flush is never in a transaction: Write handles those itself
	err := w.write(ctx, db, rows)
	// Rows are written again alone only when the database refused the batch, which then wrote
	// none of them. A batch whose outcome is unknown (its round cut off, its connection lost
	// after sending) may yet commit: written again, its rows would collide with it, or be stored
	// twice.
	if err == nil || len(batch) == 1 || errors.Is(err, domain.ErrOutcomeUnknown) {
		for _, p := range batch {
			p.err = err
		}
		return nil
	}
	// Each row alone, concurrently: on MySQL they then share a round (whose refused statement
	// is run alone again by the round), rather than holding the lead for a round each.
	var wg sync.WaitGroup
	for _, p := range batch {
		wg.Go(func() { p.err = w.write(ctx, db, []R{p.row}) })
	}
	wg.Wait()
	return nil
}
