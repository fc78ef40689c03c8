package storage

import (
	"context"
	"errors"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"
)

type txKey struct{}

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
// touches the database.
func (db *DB) Run(ctx context.Context, fn func(ctx context.Context) error) error {
	if inTx(ctx) {
		return fn(ctx)
	}
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return fn(context.WithValue(ctx, txKey{}, tx))
		})
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
