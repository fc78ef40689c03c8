package storage

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/go-sql-driver/mysql"

	"github.com/gatehouse-iam/gatehouse/internal/groupcommit"
)

// readRounds sends the sign-in path's reads made outside a transaction together, as rounds do
// its writes: under concurrency the SELECTs queued while a read round is in flight go out as
// the next one, a single multi-statement request, and each caller gets its own result set. On
// this path a read costs the database less than its round trip does (the wake-ups of both
// ends, the packets), and a login makes two. A lone read goes out at once, as it is.
//
// Reads change nothing, so a failed read round is safe to repeat: a caller whose result set did
// not come back (the server refused an earlier statement, or the connection broke) runs its
// query again alone, with its own context. A read round runs on the rounds' connections with
// the main pool's session settings, READ COMMITTED; each SELECT reads the latest commits, as it
// would alone. MySQL only: SQLite's reads cost no round trip.
type readRounds struct {
	conns *sql.DB // multi-statement connections
	alone *sql.DB // the main pool
	batch *groupcommit.Batcher[*readStatement]

	stats struct{ rounds, statements atomic.Int64 }
}

// readStatement is a caller's SELECT and, once its round has answered, its result set (nil
// when the round did not deliver it).
type readStatement struct {
	query  string
	result *resultSet
}

func newReadRounds(conns, alone *sql.DB) *readRounds {
	r := &readRounds{conns: conns, alone: alone}
	r.batch = groupcommit.New(maxRound, r.flush)
	return r
}

// query runs a formatted SELECT in the next read round, or alone when the round did not
// deliver its result or the query is no plain SELECT, and returns its rows.
func (r *readRounds) query(ctx context.Context, query string) (*resultSet, error) {
	if plainSelect(query) {
		st := &readStatement{query: query}
		// A reader whose ctx ends leaves, even with its round in flight: nothing waits on a
		// read's outcome, and st is the round's to fill meanwhile.
		if err := r.batch.DoOrAbandon(ctx, st); err != nil && !errors.Is(err, groupcommit.ErrFlushPanicked) {
			return nil, err
		}
		if st.result != nil {
			return st.result, nil
		}
	}
	// A connection the driver finds dead before sending is retried on another, as database/sql
	// does for its own queries.
	var sets []*resultSet
	var err error
	for range 3 {
		r.stats.rounds.Add(1)
		r.stats.statements.Add(1)
		if sets, err = readSets(ctx, r.alone, query, 1); !errors.Is(err, driver.ErrBadConn) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	return sets[0], nil
}

// flush sends a read round and hands each caller its result set. A failure is nobody's error:
// a caller left without a result set runs its query alone.
func (r *readRounds) flush(ctx context.Context, batch []*readStatement) error {
	queries := make([]string, len(batch))
	for i, st := range batch {
		queries[i] = st.query
	}
	r.stats.rounds.Add(1)
	r.stats.statements.Add(int64(len(queries)))
	ctx, cancel := context.WithTimeout(ctx, roundBound())
	defer cancel()
	sets, _ := readSets(ctx, r.conns, strings.Join(queries, ";\n"), len(batch))
	for i, set := range sets {
		batch[i].result = set
	}
	return nil
}

// resultSet is a result set read to its end: its columns, and its rows' values as the driver
// returned them (byte slices copied, since the driver reuses its buffers).
type resultSet struct {
	columns []string
	rows    [][]driver.Value
}

// readSets sends query, n SELECTs, on a connection of conns and reads the result sets that come
// back, in order, with the error that stopped them when fewer than n did. It reads at the
// driver's level: a copy of each value, and none of database/sql's conversions.
func readSets(ctx context.Context, conns *sql.DB, query string, n int) (sets []*resultSet, err error) {
	conn, err := conns.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var failed error
	err = conn.Raw(func(dc any) error {
		q, ok := dc.(driver.QueryerContext)
		if !ok {
			return errors.New("storage: a mysql connection without Query")
		}
		rows, err := q.QueryContext(ctx, query, nil)
		if err != nil {
			failed = err
			return nil
		}
		defer rows.Close()
		more, _ := rows.(driver.RowsNextResultSet)
		for len(sets) < n {
			if len(sets) > 0 {
				if more == nil || !more.HasNextResultSet() {
					failed = fmt.Errorf("storage: %d result sets of %d", len(sets), n)
					break
				}
				if failed = more.NextResultSet(); failed != nil {
					break
				}
			}
			set, err := readSet(rows)
			if err != nil {
				failed = err
				break
			}
			sets = append(sets, set)
		}
		var refused *mysql.MySQLError
		if failed != nil && !errors.As(failed, &refused) {
			return driver.ErrBadConn // an unknown state: drop the connection
		}
		return nil
	})
	if failed != nil {
		return sets, failed
	}
	return sets, err
}

func readSet(rows driver.Rows) (*resultSet, error) {
	set := &resultSet{columns: rows.Columns()}
	for {
		values := make([]driver.Value, len(set.columns))
		if err := rows.Next(values); err == io.EOF {
			return set, nil
		} else if err != nil {
			return nil, err
		}
		for i, v := range values {
			if b, ok := v.([]byte); ok {
				values[i] = bytes.Clone(b)
			}
		}
		set.rows = append(set.rows, values)
	}
}

// plainSelect reports whether query is surely a SELECT that answers one result set, as a read
// round needs: each caller's result set is found by its position, and the driver skips a
// statement that answers none (DO, SET, a write, SELECT ... INTO), which would hand every later
// caller its neighbour's rows. Any other query runs alone; a false "no" (a literal holding
// the word "into", say) only costs it its round. Locking reads (FOR UPDATE, FOR SHARE, LOCK IN
// SHARE MODE) run alone too.
func plainSelect(query string) bool {
	q := strings.TrimSpace(query)
	if len(q) < 7 || !strings.EqualFold(q[:6], "SELECT") || !isSpace(q[6]) {
		return false
	}
	return !hasWordFold(q, "INTO") && !hasWordFold(q, "UPDATE") && !hasWordFold(q, "SHARE")
}

// hasWordFold reports whether s holds word, in upper-case ASCII, as a word of its own in any
// case. Unlike upper-casing a copy of s it allocates nothing: the queries are kilobytes long.
func hasWordFold(s, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		if s[i]|0x20 == word[0]|0x20 && strings.EqualFold(s[i:i+len(word)], word) &&
			(i == 0 || !isWordByte(s[i-1])) && (i+len(word) == len(s) || !isWordByte(s[i+len(word)])) {
			return true
		}
	}
	return false
}

func isWordByte(b byte) bool {
	return b == '_' || b == '$' || '0' <= b && b <= '9' || 'a' <= b|0x20 && b|0x20 <= 'z' || b >= 0x80
}

func isSpace(b byte) bool { return b == ' ' || b == '\n' || b == '\t' || b == '\r' }

// resultRows walks a resultSet as a driver's rows.
type resultRows struct {
	set  *resultSet
	next int
}

func (r *resultRows) Columns() []string { return r.set.columns }
func (r *resultRows) Close() error      { return nil }

func (r *resultRows) Next(dest []driver.Value) error {
	if r.next >= len(r.set.rows) {
		return io.EOF
	}
	for i, v := range r.set.rows[r.next] {
		dest[i] = v
	}
	r.next++
	return nil
}
