package storage_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/adapters/storage"
)

// lockedRead starts a read that waits, in its read round, for a named lock the test holds; its
// query carries tag (see awaitRunning). release frees the lock and returns the read's error.
func (p *roundProbe) lockedRead(tag string) (release func() error) {
	ctx := context.Background()
	name := fmt.Sprintf("read-%s-%d", tag, time.Now().UnixNano())
	holder, err := p.db.Conn(ctx)
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { _ = holder.Close() })
	if _, err := holder.ExecContext(ctx, "DO GET_LOCK(?, 0)", name); err != nil {
		p.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		var got int
		done <- storage.Reader(ctx, p.db).NewRaw("SELECT GET_LOCK(?, 30) + RELEASE_LOCK(?) AS "+tag, name, name).Scan(ctx, &got)
	}()
	return func() error {
		if _, err := holder.ExecContext(ctx, "DO RELEASE_LOCK(?)", name); err != nil {
			p.t.Fatal(err)
		}
		return <-done
	}
}

// readTogether sends queries as one read round, behind a read that waits for a named lock the
// test holds, and returns each query's rows (the v column) or error.
func (p *roundProbe) readTogether(queries []string) ([][]int, []error) {
	values := make([][]int, len(queries))
	errs := p.readsTogether(len(queries), func(ctx context.Context, i int) error {
		return storage.Reader(ctx, p.db).NewRaw(queries[i]).Scan(ctx, &values[i])
	})
	return values, errs
}

// readsTogether runs n reads (read(i) for each i) in one read round, behind a read that waits
// for a named lock the test holds, and returns their errors.
func (p *roundProbe) readsTogether(n int, read func(ctx context.Context, i int) error) []error {
	ctx := context.Background()
	release := p.lockedRead("read_hold")
	p.awaitRunning("read_hold")
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = read(ctx, i) })
		p.await(fmt.Sprintf("%d reads queued", i+1), func() bool { return storage.ReadsQueued(p.db) == i+1 })
	}
	before := p.db.RoundStats()
	if err := release(); err != nil {
		p.t.Fatalf("the holding read: %v", err)
	}
	wg.Wait()
	if got := p.db.RoundStats(); got.Rounds < before.Rounds+1 {
		p.t.Fatalf("round stats went from %+v to %+v for a read round", before, got)
	}
	return errs
}

// Reads queued while a read round is in flight go out together as the next one, and each gets
// its own rows: none, one or several.
func TestReadRoundAnswersEachQuery(t *testing.T) {
	p := newRoundProbe(t)
	if _, err := p.db.ExecContext(context.Background(), "UPDATE round_probe SET v = id * 10"); err != nil {
		t.Fatal(err)
	}
	before := p.db.RoundStats()
	values, errs := p.readTogether([]string{
		"SELECT v FROM round_probe WHERE id = 2",
		"SELECT v FROM round_probe WHERE id > 99",
		"SELECT v FROM round_probe ORDER BY id DESC",
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
	}
	for i, want := range [][]int{{20}, nil, {30, 20, 10}} {
		if !slices.Equal(values[i], want) {
			t.Fatalf("read %d got %v, want %v", i, values[i], want)
		}
	}
	if got := p.db.RoundStats(); got.Rounds != before.Rounds+2 || got.Statements != before.Statements+4 {
		t.Fatalf("round stats went from %+v to %+v, want the holding read and one round of three", before, got)
	}
}

// A query the server refuses stops the rest of its read round: it gets its own error, and the
// reads after it run again alone and get their rows.
func TestReadRoundRefusedQueryFailsAlone(t *testing.T) {
	p := newRoundProbe(t)
	values, errs := p.readTogether([]string{
		"SELECT v FROM round_probe WHERE id = 1",
		"SELECT v FROM no_such_table",
		"SELECT v + 7 FROM round_probe WHERE id = 3",
	})
	var refused *mysql.MySQLError
	if !errors.As(errs[1], &refused) || refused.Number != 1146 {
		t.Fatalf("the read of a missing table: %v, want MySQL error 1146", errs[1])
	}
	for i, want := range map[int][]int{0: {0}, 2: {7}} {
		if errs[i] != nil || !slices.Equal(values[i], want) {
			t.Fatalf("read %d beside a refused one: %v, %v; want %v", i, values[i], errs[i], want)
		}
	}
}

// Only a query that surely answers one result set may share a read round; any other runs alone.
func TestPlainSelect(t *testing.T) {
	for q, want := range map[string]bool{
		"SELECT `c`.`id` FROM `otp_challenges` AS `c` WHERE (c.token_hash = 'x')": true,
		"  select\n1":      true,
		"DO 1":             false,
		"SET @a = 1":       false,
		"SELECT 1 INTO @a": false,
		"SELECT id FROM t WHERE id = 1 FOR UPDATE":    false,
		"SELECT id FROM t LOCK IN SHARE MODE":         false,
		"UPDATE t SET v = 1":                          false,
		"WITH x AS (SELECT 1) SELECT * FROM x":        false,
		"select 1\ninto @a":                           false,
		"SELECT id FROM t WHERE id = 1\n\tfor update": false,
		"SELECT id FROM t FOR SHARE":                  false,
		"Select id from t lock in share mode":         false,
		"SELECT":                                      false,
		"SELECT `updated_at`, into_x FROM t":          true,
	} {
		if got := storage.PlainSelect(q); got != want {
			t.Errorf("plainSelect(%q) = %v, want %v", q, got, want)
		}
	}
}

// A query that is no plain SELECT never joins a read round, whose answers are matched to their
// callers by position: it runs alone, even while a round is in flight.
func TestReadRoundTakesPlainSelectsOnly(t *testing.T) {
	p := newRoundProbe(t)
	ctx := context.Background()
	release := p.lockedRead("read_hold")
	p.awaitRunning("read_hold")
	done := make(chan error, 1)
	go func() {
		rows, err := storage.Reader(ctx, p.db).QueryContext(ctx, "SELECT 7 INTO @read_probe")
		if err == nil {
			err = rows.Close()
		}
		done <- err
	}()
	if err := p.answer(done, 10*time.Second, "SELECT ... INTO waited for the read round in flight"); err != nil {
		t.Fatalf("SELECT ... INTO through the reader: %v", err)
	}
	if err := release(); err != nil {
		t.Fatalf("the holding read: %v", err)
	}
}

// A reader whose context ends leaves at once, though its read round is in flight, while the
// round's other reads get their rows.
func TestReadCallerLeavesARoundInFlight(t *testing.T) {
	storage.SetRoundTimeout(t, time.Minute) // beyond the guard below, so only leaving ends the wait
	p := newRoundProbe(t)
	ctx := context.Background()
	releaseFirst := p.lockedRead("read_first")
	p.awaitRunning("read_first")
	releaseSecond := p.lockedRead("read_second") // leads the next round
	p.await("the next round's leader to queue", func() bool { return storage.ReadsQueued(p.db) == 1 })
	leaving, leave := context.WithCancel(ctx)
	left := make(chan error, 1)
	go func() {
		var v int
		left <- storage.Reader(leaving, p.db).NewRaw("SELECT 5 AS leaving_read").Scan(leaving, &v)
	}()
	p.await("the leaving read to queue", func() bool { return storage.ReadsQueued(p.db) == 2 })
	if err := releaseFirst(); err != nil {
		t.Fatalf("the first round's read: %v", err)
	}
	p.awaitRunning("read_second") // the round with the leaving read is in flight
	leave()
	if err := p.answer(left, 10*time.Second, "a reader whose context ended waited for its round"); !errors.Is(err, context.Canceled) {
		t.Fatalf("the leaving read answered %v", err)
	}
	if err := releaseSecond(); err != nil {
		t.Fatalf("the second round's leader: %v", err)
	}
}

// lookupProbe is a row of lookup_probe: a key compared bytewise (k) and one compared
// case-insensitively (ci).
type lookupProbe struct {
	bun.BaseModel `bun:"table:lookup_probe,alias:l"`

	ID    int    `bun:"id"`
	K     string `bun:"k"`
	CI    string `bun:"ci"`
	NoPad string `bun:"nopad"`
}

func newLookupProbe(t *testing.T) *roundProbe {
	p := newRoundProbe(t)
	for _, q := range []string{
		"CREATE TABLE lookup_probe (id INT PRIMARY KEY, k VARCHAR(16) COLLATE utf8mb4_bin NOT NULL, " +
			"ci VARCHAR(16) COLLATE utf8mb4_general_ci NOT NULL, nopad VARBINARY(16) NOT NULL)",
		"INSERT INTO lookup_probe VALUES (1, 'a', 'x', 'b'), (2, 'b', 'Y', 'b '), (3, 'm', 'z', 'c'), (4, 'm', 'w', 'd')",
	} {
		if _, err := p.db.ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// lookups runs a lookup of lookup_probe by column for each key in one read round, those with
// a true odd[i] among rows of odd id only, and returns each one's ids.
func (p *roundProbe) lookups(column string, keys []string, odd []bool) [][]int {
	rows := make([][]lookupProbe, len(keys))
	errs := p.readsTogether(len(keys), func(ctx context.Context, i int) error {
		q := storage.Reader(ctx, p.db).NewSelect().Model(&rows[i]).OrderExpr("l.id")
		if odd != nil && odd[i] {
			q = q.Where("l.id % 2 = 1")
		}
		return storage.Lookup(ctx, p.db, q, column, keys[i])
	})
	ids := make([][]int, len(keys))
	for i, err := range errs {
		if err != nil {
			p.t.Fatalf("lookup of %q: %v", keys[i], err)
		}
		for _, r := range rows[i] {
			ids[i] = append(ids[i], r.ID)
		}
	}
	return ids
}

// Lookups of one query queued together go out as one statement, and each gets the rows of its
// own key: none, one or several, also when two ask for the same key. Lookups of different
// queries share a round but not a statement. A merged lookup whose rows the keys do not match
// bytewise (a case-insensitive column) cannot be handed out: its callers run their lookups
// alone, and get what the database matches. Keys alike but for case or trailing spaces go to
// separate statements of the round, so each gets what its lookup alone would.
func TestReadRoundMergesLookups(t *testing.T) {
	for _, c := range []struct {
		name, column string
		keys         []string
		odd          []bool // the lookups among rows of odd id only
		want         [][]int
		rounds       int64 // beside the holding read's
		statements   int64 // beside the holding read's; 0: not counted
	}{
		{"one query", "l.k", []string{"b", "zz", "m", "a", "b"}, nil, [][]int{{2}, nil, {3, 4}, {1}, {2}}, 1, 1},
		{"two queries", "l.k", []string{"m", "m", "b", "a"}, []bool{false, true, false, true}, [][]int{{3, 4}, {3}, {2}, {1}}, 1, 2},
		{"unmatched rows", "l.ci", []string{"X", "y", "q"}, nil, [][]int{{1}, {2}, nil}, 4, 0},
		{"keys alike but for case", "l.ci", []string{"x", "X", "z"}, nil, [][]int{{1}, {1}, {3}}, 1, 2},
		{"keys alike but for trailing spaces", "l.nopad", []string{"b", "b ", "c"}, nil, [][]int{{1}, {2}, {3}}, 1, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newLookupProbe(t)
			before := p.db.RoundStats()
			ids := p.lookups(c.column, c.keys, c.odd)
			for i, want := range c.want {
				if !slices.Equal(ids[i], want) {
					t.Errorf("lookup %d got ids %v, want %v", i, ids[i], want)
				}
			}
			got := p.db.RoundStats()
			if got.Rounds != before.Rounds+1+c.rounds || c.statements > 0 && got.Statements != before.Statements+1+c.statements {
				t.Fatalf("round stats went from %+v to %+v, want the holding read and %d rounds of %d statements", before, got, c.rounds, c.statements)
			}
		})
	}
}

// planReads merges the lookups of one query, each key once, where the first of them stood, and
// leaves other queries as they are; byKey hands out the rows as a _bin collation compares.
func TestPlanReads(t *testing.T) {
	queries, callers := storage.PlanReads(
		storage.LookupRead("SELECT k FROM t WHERE k IN (?)", "k", "b"),
		storage.PlainRead("SELECT 1"),
		storage.LookupRead("SELECT k FROM t WHERE k IN (?)", "k", "a"),
		storage.LookupRead("SELECT k FROM u WHERE k IN (?)", "k", "a"),
		storage.LookupRead("SELECT k FROM t WHERE k IN (?)", "k", "b"),
	)
	want := []string{"SELECT k FROM t WHERE k IN ('b', 'a')", "SELECT 1", "SELECT k FROM u WHERE k IN ('a')"}
	if !slices.Equal(queries, want) || !slices.Equal(callers, []int{3, 1, 1}) {
		t.Fatalf("planReads: %q answering %v callers each, want %q answering [3 1 1]", queries, callers, want)
	}
	queries, callers = storage.PlanReads(
		storage.LookupRead("SELECT k FROM t WHERE k IN (?)", "k", "x"),
		storage.LookupRead("SELECT k FROM t WHERE k IN (?)", "k", "X"),
		storage.LookupRead("SELECT k FROM t WHERE k IN (?)", "k", "b"),
		storage.LookupRead("SELECT k FROM t WHERE k IN (?)", "k", "b "),
		storage.LookupRead("SELECT k FROM t WHERE k IN (?)", "k", "x"),
	)
	want = []string{"SELECT k FROM t WHERE k IN ('x', 'b')", "SELECT k FROM t WHERE k IN ('X', 'b ')"}
	if !slices.Equal(queries, want) || !slices.Equal(callers, []int{3, 2}) {
		t.Fatalf("planReads of keys alike but for case or spaces: %q answering %v callers each, want %q answering [3 2]", queries, callers, want)
	}
	for _, c := range []struct {
		columns []string
		rows    []string
		want    [][]string
	}{
		{[]string{"k"}, []string{"a", "b  ", "b"}, [][]string{{"b  ", "b"}, {"a"}}},
		{[]string{"k"}, []string{"a", "B"}, nil},   // a row no key matches
		{[]string{"k", "k"}, []string{"a"}, nil},   // the key column twice
		{[]string{"other"}, []string{"a"}, nil},    // no key column
		{[]string{"k"}, nil, [][]string{nil, nil}}, // no rows
	} {
		got, ok := storage.ByKey(c.columns, c.rows, "b", "a")
		if ok != (c.want != nil) || !reflect.DeepEqual(got, c.want) {
			t.Errorf("byKey of columns %q and rows %q: %q, %v; want %q", c.columns, c.rows, got, ok, c.want)
		}
	}
}

// A lookup whose query is made on the database itself, not on its reader, is a plain SELECT by
// its key: it needs no read round and gets its rows all the same.
func TestLookupOffTheReaderIsPlain(t *testing.T) {
	p := newLookupProbe(t)
	ctx := context.Background()
	var rows []lookupProbe
	before := p.db.RoundStats()
	if err := storage.Lookup(ctx, p.db, p.db.NewSelect().Model(&rows), "l.k", "m"); err != nil {
		t.Fatalf("a lookup on the database: %v", err)
	}
	if len(rows) != 2 || rows[0].K != "m" || rows[1].K != "m" {
		t.Fatalf("a lookup on the database got %+v, want the two rows of key m", rows)
	}
	if got := p.db.RoundStats(); got != before {
		t.Fatalf("round stats went from %+v to %+v for a lookup off the reader", before, got)
	}
}
