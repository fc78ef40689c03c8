package storage

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"slices"
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
// Lookups (DB.lookup: the rows of one query whose key column equals a key) of the same query
// with different keys that queue for one read round go out as one statement, the query with
// "column IN (key, ...)", and each caller gets the rows of its own key. The database parses,
// plans and answers one statement instead of one each: for four user lookups a third of the
// CPU. A row that no caller's key matches bytewise (a key column compared otherwise than by
// its bytes, say) leaves those callers to run their lookups alone.
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
	lookup *lookup // when the SELECT is a lookup; query then holds its key
	result *resultSet
}

// lookupMark stands for the list of keys in a lookup's query as bun formats it (see
// DB.lookup). It is random, so that no value in a query holds it but by design; a query that
// holds it twice is refused rather than cut in the wrong place.
var lookupMark = "/*keys " + rand.Text() + "*/"

// lookup is what a read round needs to merge a lookup with others of its query.
type lookup struct {
	marked  string // the query with lookupMark for its list of keys
	column  string // the name, in the result set, of the column compared with the key
	key     string
	literal string // key as an SQL literal
}

type lookupKey struct{}

// withLookup makes the query that ctx runs, whose text holds lookupMark once, the lookup l
// (made for this query alone).
func withLookup(ctx context.Context, l *lookup) context.Context {
	return context.WithValue(ctx, lookupKey{}, l)
}

// lookupQuery is the lookup ctx makes of query, if any, with query's text for it alone.
func lookupQuery(ctx context.Context, query string) (*lookup, string, error) {
	l, ok := ctx.Value(lookupKey{}).(*lookup)
	if !ok || !strings.Contains(query, lookupMark) {
		return nil, query, nil // no lookup, or another query run with the lookup's context
	}
	head, tail, _ := strings.Cut(query, lookupMark)
	if strings.Contains(tail, lookupMark) {
		return nil, "", errors.New("storage: a lookup whose query holds its mark twice")
	}
	l.marked = query
	return l, head + l.literal + tail, nil
}

func newReadRounds(conns, alone *sql.DB) *readRounds {
	r := &readRounds{conns: conns, alone: alone}
	r.batch = groupcommit.New(maxRound, r.flush)
	return r
}

// query runs a formatted SELECT (a lookup, when ctx makes it one) in the next read round, or
// alone when the round did not deliver its result or the query is no plain SELECT, and returns
// its rows.
func (r *readRounds) query(ctx context.Context, query string) (*resultSet, error) {
	l, query, err := lookupQuery(ctx, query)
	if err != nil {
		return nil, err
	}
	if plainSelect(query) {
		st := &readStatement{query: query, lookup: l}
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
	queries, callers := planReads(batch)
	r.stats.rounds.Add(1)
	r.stats.statements.Add(int64(len(queries)))
	ctx, cancel := context.WithTimeout(ctx, roundBound())
	defer cancel()
	sets, _ := readSets(ctx, r.conns, strings.Join(queries, ";\n"), len(queries))
	for i, set := range sets {
		if len(callers[i]) == 1 {
			callers[i][0].result = set
			continue
		}
		if rows, ok := set.byKey(callers[i]); ok {
			for j, st := range callers[i] {
				st.result = &resultSet{columns: set.columns, rows: rows[j]}
			}
		}
	}
	return nil
}

// planReads makes a read round's statements of its callers' queries, in their order: a
// caller's own, or one for the lookups of the same query, with their keys in its IN list.
// callers[i] are the callers statement i answers. Keys that differ only in letter case or
// trailing spaces go to different statements: a key column compared case-insensitively would
// match both to the same rows, one without padding tell them apart, and byKey, which compares
// as a _bin collation does, could hand those rows to neither or to both.
func planReads(batch []*readStatement) (queries []string, callers [][]*readStatement) {
	merged := map[string][]int{} // a lookup's marked query: its statements
	for _, st := range batch {
		if st.lookup == nil {
			queries, callers = append(queries, st.query), append(callers, []*readStatement{st})
			continue
		}
		statements := merged[st.lookup.marked]
		if i := slices.IndexFunc(statements, func(i int) bool { return !alikeKeys(callers[i], st) }); i >= 0 {
			callers[statements[i]] = append(callers[statements[i]], st)
			continue
		}
		merged[st.lookup.marked] = append(statements, len(queries))
		queries, callers = append(queries, st.query), append(callers, []*readStatement{st})
	}
	for i, sts := range callers {
		if len(sts) == 1 {
			continue
		}
		literals := make([]string, 0, len(sts))
		for _, st := range sts {
			if !slices.Contains(literals, st.lookup.literal) {
				literals = append(literals, st.lookup.literal)
			}
		}
		head, tail, _ := strings.Cut(sts[0].lookup.marked, lookupMark)
		queries[i] = head + strings.Join(literals, ", ") + tail
	}
	return queries, callers
}

// alikeKeys tells whether st's key and a different key of lookups are the same but for letter
// case or trailing spaces.
func alikeKeys(lookups []*readStatement, st *readStatement) bool {
	key := strings.TrimRight(st.lookup.key, " ")
	for _, other := range lookups {
		if other.lookup.key != st.lookup.key && strings.EqualFold(strings.TrimRight(other.lookup.key, " "), key) {
			return true
		}
	}
	return false
}

// byKey hands out the rows of a merged lookup: rows[i] are those whose key column equals
// lookups[i]'s key, compared as a _bin collation does: bytewise, trailing spaces aside. It
// reports false when some row matches no lookup's key, or the key column is not found once.
func (set *resultSet) byKey(lookups []*readStatement) (rows [][][]driver.Value, ok bool) {
	column := -1
	for i, name := range set.columns {
		if name == lookups[0].lookup.column {
			if column >= 0 {
				return nil, false
			}
			column = i
		}
	}
	if column < 0 {
		return nil, false
	}
	rows = make([][][]driver.Value, len(lookups))
	for _, row := range set.rows {
		var value string
		switch v := row[column].(type) {
		case []byte:
			value = string(v)
		case string:
			value = v
		default:
			return nil, false
		}
		value = strings.TrimRight(value, " ")
		matched := false
		for i, st := range lookups {
			if strings.TrimRight(st.lookup.key, " ") == value {
				rows[i], matched = append(rows[i], row), true
			}
		}
		if !matched {
			return nil, false
		}
	}
	return rows, true
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
