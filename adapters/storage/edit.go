package storage

import (
	"context"
)

// rowEdit is the read-modify-write behind a store's Update, written once so the stores cannot
// drift apart on what an edit may change: in one transaction (joining the caller's) it reads
// the row locked against concurrent editors (FOR UPDATE), decodes it, lets the use case edit
// it, restores what no edit may change, and writes the row back.
type rowEdit[R, T any] struct {
	what   string // the noun of errors: "application", ...
	decode func(*R) (*T, error)
	// keep restores from the stored row what an edit may not change: identity, ownership and
	// creation time.
	keep   func(edited *T, stored *R)
	encode func(*T) (*R, error)
}

// apply edits the row where (with args) selects.
func (e rowEdit[R, T]) apply(ctx context.Context, db *DB, fn func(*T) error, where string, args ...any) (*T, error) {
	var edited *T
	err := db.Run(ctx, func(ctx context.Context) error {
		stored := new(R)
		if err := db.forUpdate(db.idb(ctx).NewSelect().Model(stored).Where(where, args...)).Scan(ctx); err != nil {
			return mapErr(err, e.what)
		}
		t, err := e.decode(stored)
		if err != nil {
			return err
		}
		if err := fn(t); err != nil {
			return err
		}
		e.keep(t, stored)
		row, err := e.encode(t)
		if err != nil {
			return err
		}
		if _, err := db.idb(ctx).NewUpdate().Model(row).WherePK().Exec(ctx); err != nil {
			return mapErr(err, e.what)
		}
		edited = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	return edited, nil
}

// encoded adapts a row encoder that cannot fail.
func encoded[T, R any](encode func(*T) *R) func(*T) (*R, error) {
	return func(t *T) (*R, error) { return encode(t), nil }
}
