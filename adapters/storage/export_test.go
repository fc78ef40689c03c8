package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// AfterCommit exposes afterCommit to the package's tests.
var AfterCommit = afterCommit

// CacheLen tells how many entries the read cache behind cs holds.
func CacheLen(cs ConfigStores) int { return cs.Applications.(*cachedApplications).c.len() }

// SweepExpiredRefreshTokens runs the refresh-token sweep that inserts run now and then.
func SweepExpiredRefreshTokens(ctx context.Context, s *RefreshTokenStore, now time.Time) {
	s.db.sweepRefreshTokens(ctx, now)
}

// MaxLeases bounds how many leases a RateLimiter keeps.
const MaxLeases = maxLeases

// AddLease records a lease of n events on a window as Hit does after leasing them.
func AddLease(r *RateLimiter, poolID, key string, windowStart, windowEnd int64, n int, now time.Time) {
	r.addLease(poolID, key, windowStart, windowEnd, n, now)
}

// LeaseCount tells how many leases r keeps.
func LeaseCount(r *RateLimiter) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.leases)
}

// SharedExec runs query as a single-statement write made outside a transaction: on MySQL, a
// statement of the next round.
func SharedExec(ctx context.Context, db *DB, query string) (sql.Result, error) {
	return db.shared(ctx).ExecContext(ctx, query)
}

// ExecUnit runs statements in order in one commit, as a store's unit of statements does.
func ExecUnit(ctx context.Context, db *DB, statements ...Statement) ([]int64, error) {
	return db.execUnit(ctx, statements...)
}

// Statement is a formatted statement of a unit: Plain, or InsertRow.
type Statement = statement

// SQL is the statement's text.
func (st statement) SQL() string { return st.sql }

// Plain is a statement a round sends as it is.
func Plain(sql string) Statement { return statement{sql: sql} }

// InsertRow is a single-row insert, head being "INSERT INTO table (columns) " and row its
// "VALUES (…)" or "SELECT … FROM …", marked as insertValues and insertFrom mark theirs.
func InsertRow(head, row string) Statement { return statement{sql: head + row, rowAt: len(head)} }

// Following marks st's selected row as following the unit's statement i (see statement).
func Following(st Statement, i int) Statement { return st.following(i) }

// IsDuplicateKey tells whether err is the database refusing a duplicate key.
func IsDuplicateKey(err error) bool {
	_, ok := duplicateKey(err)
	return ok
}

// RoundsQueued tells how many statements wait for the next round.
func RoundsQueued(db *DB) int { return db.rounds.batch.Queued() }

// AcceptsMultiStatements runs the probe that decides whether rounds are used.
var AcceptsMultiStatements = acceptsMultiStatements

// SetRoundTimeout replaces the bound of a round's request until the test ends.
func SetRoundTimeout(t interface{ Cleanup(func()) }, d time.Duration) {
	old := roundTimeout.Swap(int64(d))
	t.Cleanup(func() { roundTimeout.Store(old) })
}

// SentAndLost exposes sentAndLost, the marking of writes whose outcome is unknown.
func (db *DB) SentAndLost(err error) error { return db.sentAndLost(err) }

// ReadsQueued tells how many reads wait for the next read round.
func ReadsQueued(db *DB) int { return db.reads.batch.Queued() }

// Reader is where the sign-in path's reads go (see DB.reader).
func Reader(ctx context.Context, db *DB) bun.IDB { return db.reader(ctx) }

// PlainSelect exposes plainSelect, the test of a query a read round may carry.
var PlainSelect = plainSelect

// SendMySQLRound sends statements as one round on conns, as the MySQL rounds do, and reports
// whether the round was refused (nothing of it applied).
func SendMySQLRound(ctx context.Context, conns *sql.DB, statements []string) (refused bool, err error) {
	_, _, refused, err = mysqlRounds(conns)(ctx, statements)
	return refused, err
}

// RoundConnStats reports the database/sql pool of the round connector's connections.
func RoundConnStats(db *DB) sql.DBStats { return db.roundsDB.DB.Stats() }

// Lookup runs q, a SELECT made on Reader(ctx, db), as a lookup of the rows whose column equals
// key (see DB.lookup).
func Lookup(ctx context.Context, db *DB, q *bun.SelectQuery, column, key string, dest ...any) error {
	return db.lookup(ctx, q, column, key, dest...)
}

// ReadStatement is a caller's part of a read round.
type ReadStatement = readStatement

// PlainRead is a read round's caller of query.
func PlainRead(query string) *ReadStatement { return &readStatement{query: query} }

// LookupRead is a read round's caller of a lookup of key by column, marked being the query
// with ? for its list of keys.
func LookupRead(marked, column, key string) *ReadStatement {
	literal := "'" + key + "'"
	l := &lookup{marked: strings.Replace(marked, "?", lookupMark, 1), column: column, key: key, literal: literal}
	return &readStatement{query: strings.Replace(marked, "?", literal, 1), lookup: l}
}

// PlanReads plans a read round of batch: its statements, and how many callers each answers.
func PlanReads(batch ...*ReadStatement) (queries []string, callers []int) {
	queries, answers := planReads(batch)
	for _, a := range answers {
		callers = append(callers, len(a))
	}
	return queries, callers
}

// ByKey hands out the rows of a merged lookup of keys by column k, its result set being one
// column of values, and returns each key's values.
func ByKey(columns, values []string, keys ...string) ([][]string, bool) {
	set := &resultSet{columns: columns}
	for _, v := range values {
		row := make([]driver.Value, len(columns))
		row[0] = []byte(v)
		set.rows = append(set.rows, row)
	}
	var lookups []*readStatement
	for _, k := range keys {
		lookups = append(lookups, &readStatement{lookup: &lookup{column: "k", key: k}})
	}
	rows, ok := set.byKey(lookups)
	if !ok {
		return nil, false
	}
	got := make([][]string, len(rows))
	for i, rs := range rows {
		for _, r := range rs {
			got[i] = append(got[i], string(r[0].([]byte)))
		}
	}
	return got, true
}

// AuditQueued tells how many events wait for the audit log's next batched insert.
func AuditQueued(s *AuditLog) int { return s.writes.batch.Queued() }
