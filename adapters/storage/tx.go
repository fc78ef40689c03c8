package storage

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"
)

type txKey struct{}

// commitHooksKey carries the callbacks to run once the transaction in ctx commits.
type commitHooksKey struct{}

type commitHooks struct {
	mu  sync.Mutex
	fns []func()
}

// afterCommit runs fn once the transaction in ctx has committed, or at once when ctx carries
// none. A transaction that rolls back drops fn; a retried one registers it again as it reruns.
func afterCommit(ctx context.Context, fn func()) {
	h, ok := ctx.Value(commitHooksKey{}).(*commitHooks)
	if !ok {
		fn()
		return
	}
	h.mu.Lock()
	h.fns = append(h.fns, fn)
	h.mu.Unlock()
}

func (h *commitHooks) run() {
	h.mu.Lock()
	fns := h.fns
	h.mu.Unlock()
	for _, f := range fns {
		f()
	}
}

// idb is the connection a store uses: the transaction in ctx when there is one.
func (db *DB) idb(ctx context.Context) bun.IDB {
	if tx, ok := ctx.Value(txKey{}).(bun.Tx); ok {
		return tx
	}
	return db.DB
}

// inTx reports whether ctx carries a transaction.
func inTx(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{}).(bun.Tx)
	return ok
}

// Run implements ports.Tx. A nested Run joins the outer transaction. A transaction that lost a
// deadlock or a lock wait is retried a few times from the start, which is safe because fn only
// touches the database. Callbacks registered with afterCommit run after the commit succeeds.
func (db *DB) Run(ctx context.Context, fn func(ctx context.Context) error) error {
	if inTx(ctx) {
		return fn(ctx)
	}
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		hooks := &commitHooks{}
		err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return fn(context.WithValue(context.WithValue(ctx, txKey{}, tx), commitHooksKey{}, hooks))
		})
		if err == nil {
			hooks.run()
			return nil
		}
		if !retryable(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	return err
}

func retryable(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1213 || me.Number == 1205 // deadlock, lock wait timeout
	}
	return false
}

// forUpdate locks the selected rows until the transaction ends. SQLite needs no row lock: its
// transactions start with the write lock taken (_txlock=immediate).
func (db *DB) forUpdate(q *bun.SelectQuery) *bun.SelectQuery {
	if db.Dialect == "mysql" {
		return q.For("UPDATE")
	}
	return q
}
