package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/migrations"
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
// touches the database. Callbacks registered with afterCommit run after the commit succeeds. A
// commit whose answer was lost is an error wrapping domain.ErrOutcomeUnknown.
func (db *DB) Run(ctx context.Context, fn func(ctx context.Context) error) error {
	if inTx(ctx) {
		return fn(ctx)
	}
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		hooks := &commitHooks{}
		ran := false
		err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			err := fn(context.WithValue(context.WithValue(ctx, txKey{}, tx), commitHooksKey{}, hooks))
			ran = err == nil
			return err
		})
		if err == nil {
			hooks.run()
			return nil
		}
		if ran && !errors.Is(err, sql.ErrTxDone) && !errors.Is(err, ctx.Err()) {
			// The COMMIT failed once sent (database/sql checks the context before sending it,
			// and rolls back a transaction whose context ended).
			if err = db.sentAndLost(err); errors.Is(err, domain.ErrOutcomeUnknown) {
				hooks.run() // they invalidate caches: harmless should it not have committed
			}
		}
		if !retryable(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	return err
}

// sentAndLost marks err, a failed write's or commit's on MySQL, with domain.ErrOutcomeUnknown
// unless notApplied says nothing applied. A context that ended mid-statement makes the driver
// drop the connection, with the statement perhaps applied. SQLite runs in process: its failures
// apply nothing.
func (db *DB) sentAndLost(err error) error {
	if err == nil || db.Dialect != migrations.MySQL || notApplied(err) {
		return err
	}
	return fmt.Errorf("%w: %w", domain.ErrOutcomeUnknown, err)
}

// notApplied reports whether a failed MySQL request certainly applied nothing: the server
// refused it (a MySQL error), or it was never sent: no connection could be had (errNoConnection,
// or a dial that failed), the driver found the connection dead, or the request was too large
// to send.
func notApplied(err error) bool {
	var refused *mysql.MySQLError
	var op *net.OpError
	return errors.As(err, &refused) || errors.Is(err, errNoConnection) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, mysql.ErrPktTooLarge) || errors.As(err, &op) && op.Op == "dial"
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
