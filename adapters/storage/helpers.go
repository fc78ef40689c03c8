package storage

import (
	"context"
	"database/sql"
	"strings"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// upsert inserts model or, when a row with the same conflict columns exists, updates the named
// columns. It is the one place that knows both dialects' syntax.
func (db *DB) upsert(ctx context.Context, model any, conflictCols, updateCols []string) error {
	q := db.idb(ctx).NewInsert().Model(model)
	if db.Dialect == "mysql" {
		set := make([]string, len(updateCols))
		for i, c := range updateCols {
			set[i] = c + " = VALUES(" + c + ")"
		}
		q = q.On("DUPLICATE KEY UPDATE " + strings.Join(set, ", "))
	} else {
		q = q.On("CONFLICT (" + strings.Join(conflictCols, ", ") + ") DO UPDATE")
		for _, c := range updateCols {
			q = q.Set(c + " = EXCLUDED." + c)
		}
	}
	_, err := q.Exec(ctx)
	return err
}

// paginate limits q to one page.
func paginate(q *bun.SelectQuery, page domain.Page) *bun.SelectQuery {
	return q.Limit(int64(page.Size)).Offset(int64(page.Offset()))
}

// insertIgnore inserts model unless a row with the same key exists.
func (db *DB) insertIgnore(ctx context.Context, model any) error {
	q := db.idb(ctx).NewInsert().Model(model)
	if db.Dialect == "mysql" {
		q = q.Ignore()
	} else {
		q = q.On("CONFLICT DO NOTHING")
	}
	_, err := q.Exec(ctx)
	return err
}

// mustAffect turns "no row changed" into not found.
func mustAffect(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return domain.Internal("rows affected", err)
	}
	if n == 0 {
		return domain.NotFound(what)
	}
	return nil
}

// likePrefix escapes LIKE wildcards in s and appends %, for index-friendly prefix search.
func likePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + "%"
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
