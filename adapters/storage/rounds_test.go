package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/migrations"
)

// roundProbe is a database with a scratch table, and a way to make the next statements share
// one round: hold runs a lone statement that waits on a lock the test holds, so the statements
// sent meanwhile queue behind it; release lets it finish and the queue go out as one round.
type roundProbe struct {
	t    *testing.T
	db   *storage.DB
	sent int64 // the statements the last round sent
}

func newRoundProbe(t *testing.T) *roundProbe { return newRoundProbeOn(t, storagetest.NewMySQL(t)) }

func newRoundProbeOn(t *testing.T, db *storage.DB) *roundProbe {
	ctx := context.Background()
	table := "CREATE TABLE round_probe (id INT AUTO_INCREMENT PRIMARY KEY, v INT NOT NULL)"
	if db.Dialect == migrations.SQLite {
		table = "CREATE TABLE round_probe (id INTEGER PRIMARY KEY, v INT NOT NULL)"
	}
	for _, q := range []string{table, "INSERT INTO round_probe (id, v) VALUES (1, 0), (2, 0), (3, 0)"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	return &roundProbe{t: t, db: db}
}

// lockRows runs query, a locking read, in a transaction of the test's and returns it: the rows
// stay locked until it commits or the test ends.
func (p *roundProbe) lockRows(query string) bun.Tx {
	tx, err := p.db.BeginTx(context.Background(), nil)
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { _ = tx.Rollback() })
	if _, err := tx.ExecContext(context.Background(), query); err != nil {
		p.t.Fatal(err)
	}
	return tx
}

// hold starts a lone round statement that waits for a lock the test holds and returns the
// function that releases the lock and waits for the statement. On MySQL the lock is a named
// lock, not a row lock (a round waits only a second for a row lock); on SQLite it is the write
// lock, held by a transaction of the test's.
func (p *roundProbe) hold() (release func()) {
	ctx := context.Background()
	if p.db.Dialect == migrations.SQLite {
		tx, err := p.db.BeginTx(ctx, nil) // immediate: it takes the write lock
		if err != nil {
			p.t.Fatal(err)
		}
		p.t.Cleanup(func() { _ = tx.Rollback() }) // should the test stop before releasing it
		before := p.db.RoundStats()
		done := make(chan error, 1)
		go func() {
			_, err := storage.SharedExec(ctx, p.db, "UPDATE round_probe SET v = v WHERE id = 0")
			done <- err
		}()
		p.await("the holding round to start", func() bool { return p.db.RoundStats().Rounds > before.Rounds })
		return func() {
			if err := tx.Commit(); err != nil {
				p.t.Fatal(err)
			}
			if err := <-done; err != nil {
				p.t.Fatal(err)
			}
		}
	}
	name := fmt.Sprintf("round-hold-%d", time.Now().UnixNano())
	holder, err := p.db.Conn(ctx)
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { _ = holder.Close() }) // should the test stop before releasing it
	if _, err := holder.ExecContext(ctx, "DO GET_LOCK(?, 0)", name); err != nil {
		p.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := storage.SharedExec(ctx, p.db, "DO GET_LOCK('"+name+"', 30), RELEASE_LOCK('"+name+"')")
		done <- err
	}()
	p.awaitRunning("GET_LOCK('" + name)
	return func() {
		if _, err := holder.ExecContext(ctx, "DO RELEASE_LOCK(?)", name); err != nil {
			p.t.Fatal(err)
		}
		if err := <-done; err != nil {
			p.t.Fatal(err)
		}
	}
}

// awaitRunning waits until a statement containing text is running on the server and returns
// the ID of the connection running it.
func (p *roundProbe) awaitRunning(text string) (connID int64) {
	p.t.Helper()
	p.await("a statement with "+text+" to run", func() bool {
		var running bool
		connID, running = p.running(text)
		return running
	})
	return connID
}

// running reports whether a statement containing text is running on the server, and on which
// connection.
func (p *roundProbe) running(text string) (connID int64, running bool) {
	err := p.db.QueryRowContext(context.Background(),
		"SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND INFO NOT LIKE '%PROCESSLIST%' LIMIT 1",
		"%"+text+"%").Scan(&connID)
	return connID, err == nil
}

// answer returns the error an operation sends on ch, failing the test with hung if none comes
// within the guard, which is against a hang and not a timing check.
func (p *roundProbe) answer(ch <-chan error, guard time.Duration, hung string) error {
	p.t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(guard):
		p.t.Fatal(hung)
		return nil
	}
}

func (p *roundProbe) waitQueued(n int) {
	p.t.Helper()
	p.await(fmt.Sprintf("%d statements queued for a round", n), func() bool { return storage.RoundsQueued(p.db) == n })
}

func (p *roundProbe) await(what string, done func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second) // a guard against a hang, not a timing check
	for !done() {
		if time.Now().After(deadline) {
			p.t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

type execResult struct {
	affected, id int64
	err          error
}

// sendTogether sends queries as one round and returns each one's result.
func (p *roundProbe) sendTogether(queries []string) []execResult {
	units := make([][]string, len(queries))
	for i, q := range queries {
		units[i] = []string{q}
	}
	results := p.sendUnits(units)
	out := make([]execResult, len(results))
	for i, r := range results {
		out[i] = r[0]
	}
	return out
}

// sendUnits sends units (each one statement, or several that commit together) as one round
// and returns each statement's result; a unit's error is each of its statements'.
func (p *roundProbe) sendUnits(units [][]string) [][]execResult {
	of := make([][]storage.Statement, len(units))
	for i, unit := range units {
		for _, q := range unit {
			of[i] = append(of[i], storage.Plain(q))
		}
	}
	results := p.sendRound(of, false)
	if statements := len(slices.Concat(units...)); p.sent != int64(statements) {
		p.t.Fatalf("a round of %d unmarked statements sent %d", statements, p.sent)
	}
	return results
}

// sendStatements is sendUnits for units of marked statements; a unit of one statement goes as
// a unit too, not through database/sql.
func (p *roundProbe) sendStatements(units [][]storage.Statement) [][]execResult {
	return p.sendRound(units, true)
}

func (p *roundProbe) sendRound(units [][]storage.Statement, asUnits bool) [][]execResult {
	release := p.hold()
	results := make([][]execResult, len(units))
	statements := 0
	var wg sync.WaitGroup
	for i, unit := range units {
		statements += len(unit)
		results[i] = make([]execResult, len(unit))
		wg.Go(func() {
			if len(unit) > 1 || asUnits {
				affected, err := storage.ExecUnit(context.Background(), p.db, unit...)
				for j := range unit {
					if results[i][j].err = err; err == nil {
						results[i][j].affected = affected[j]
					}
				}
				return
			}
			res, err := storage.SharedExec(context.Background(), p.db, unit[0].SQL())
			if err == nil {
				results[i][0].affected, _ = res.RowsAffected()
				results[i][0].id, _ = res.LastInsertId()
			}
			results[i][0].err = err
		})
		p.waitQueued(i + 1) // in order, so the round is deterministic
	}
	before := p.db.RoundStats()
	release()
	wg.Wait()
	p.sent = p.db.RoundStats().Statements - before.Statements
	if got := p.db.RoundStats(); got.Rounds != before.Rounds+1 || p.sent > int64(statements) {
		p.t.Fatalf("round stats went from %+v to %+v for one round of %d statements", before, got, statements)
	}
	return results
}

func (p *roundProbe) values() map[int]int {
	return byID[int](p, "SELECT id, v FROM round_probe")
}

// byID reads query's rows, an id and a value each, into a map.
func byID[V any](p *roundProbe, query string) map[int]V {
	rows, err := p.db.QueryContext(context.Background(), query)
	if err != nil {
		p.t.Fatal(err)
	}
	defer rows.Close()
	out := map[int]V{}
	for rows.Next() {
		var id int
		var v V
		if err := rows.Scan(&id, &v); err != nil {
			p.t.Fatal(err)
		}
		out[id] = v
	}
	return out
}

// Statements sent together share one request and one commit, and each gets its own affected
// rows and insert id.
func TestRoundAnswersEachStatement(t *testing.T) {
	p := newRoundProbe(t)
	got := p.sendTogether([]string{
		"INSERT INTO round_probe (v) VALUES (10), (11)",
		"UPDATE round_probe SET v = 20 WHERE id IN (2, 3)",
		"UPDATE round_probe SET v = v WHERE id = 0",
		"UPDATE round_probe SET v = LAST_INSERT_ID(7) WHERE id = 2",
		"INSERT INTO round_probe (v) VALUES (12)",
	})
	want := []execResult{{affected: 2, id: 4}, {affected: 2}, {affected: 0}, {affected: 1, id: 7}, {affected: 1, id: 6}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("statement %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if v := p.values(); fmt.Sprint(v) != fmt.Sprint(map[int]int{1: 0, 2: 7, 3: 20, 4: 10, 5: 11, 6: 12}) {
		t.Fatalf("table after the round: %v", v)
	}
}

// The callers of a round each hold a round connection while they wait; database/sql keeps them
// for the next statements instead of dropping all but two.
func TestRoundConnectionsStayIdleForReuse(t *testing.T) {
	p := newRoundProbe(t)
	statements := make([]string, 8)
	for i := range statements {
		statements[i] = fmt.Sprintf("UPDATE round_probe SET v = %d WHERE id = 1", i)
	}
	p.sendTogether(statements)
	if s := storage.RoundConnStats(p.db); s.MaxIdleClosed != 0 || s.Idle < len(statements) {
		t.Fatalf("after %d callers: %d idle, %d dropped for the idle limit", len(statements), s.Idle, s.MaxIdleClosed)
	}
}

// A statement MySQL refuses fails its own caller only: the round is rolled back and the other
// statements are run alone, each exactly once.
func TestRoundRefusedStatementFailsAlone(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := newRoundProbeOn(t, db)
		got := p.sendTogether([]string{
			"UPDATE round_probe SET v = v + 1 WHERE id = 2",
			"INSERT INTO round_probe (id, v) VALUES (3, 99)", // a duplicate key
			"UPDATE round_probe SET v = v + 1 WHERE id = 3",
		})
		if !storage.IsDuplicateKey(got[1].err) {
			t.Fatalf("the duplicate insert answered %v, want the duplicate key error", got[1].err)
		}
		for _, i := range []int{0, 2} {
			if got[i].err != nil || got[i].affected != 1 {
				t.Fatalf("statement %d: %+v, want one row changed", i, got[i])
			}
		}
		if v := p.values(); fmt.Sprint(v) != fmt.Sprint(map[int]int{1: 0, 2: 1, 3: 1}) {
			t.Fatalf("table after the round: %v (each update once, no insert)", v)
		}
	})
}

// A unit's statements are consecutive in their round and each gets its own result; a later
// statement of the unit sees what an earlier one did.
func TestRoundCarriesUnits(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := newRoundProbeOn(t, db)
		got := p.sendUnits([][]string{
			{"UPDATE round_probe SET v = 5 WHERE id = 1"},
			{"UPDATE round_probe SET v = 7 WHERE id = 2 AND v = 0", "UPDATE round_probe SET v = 8 WHERE id = 3 AND EXISTS (SELECT 1 FROM (SELECT v FROM round_probe WHERE id = 2) AS r WHERE r.v = 7)"},
			{"UPDATE round_probe SET v = v + 1 WHERE id = 1"},
		})
		want := [][]execResult{{{affected: 1}}, {{affected: 1}, {affected: 1}}, {{affected: 1}}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("results %v, want %v", got, want)
		}
		if v := p.values(); fmt.Sprint(v) != fmt.Sprint(map[int]int{1: 6, 2: 7, 3: 8}) {
			t.Fatalf("table after the round: %v", v)
		}
	})
}

// A unit with a refused statement fails as a whole (none of its statements applies), while the
// round's other statements apply, each once.
func TestRoundRefusedUnitFailsWhole(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := newRoundProbeOn(t, db)
		got := p.sendUnits([][]string{
			{"UPDATE round_probe SET v = v + 1 WHERE id = 1"},
			{"UPDATE round_probe SET v = 50 WHERE id = 2", "INSERT INTO round_probe (id, v) VALUES (3, 99)"}, // a duplicate key
			{"UPDATE round_probe SET v = v + 1 WHERE id = 3"},
		})
		for j, r := range got[1] {
			if !storage.IsDuplicateKey(r.err) {
				t.Fatalf("statement %d of the refused unit answered %v, want the duplicate key error", j, r.err)
			}
		}
		for _, i := range []int{0, 2} {
			if got[i][0].err != nil || got[i][0].affected != 1 {
				t.Fatalf("statement %d: %+v, want one row changed", i, got[i][0])
			}
		}
		if v := p.values(); fmt.Sprint(v) != fmt.Sprint(map[int]int{1: 1, 2: 0, 3: 1}) {
			t.Fatalf("table after the round: %v (row 2 as it was, the others updated once)", v)
		}
	})
}

// probeRows and logRows are the heads of single-row inserts into the probe's table and a log
// table (see withLog), marked as a store's inserts are.
const (
	probeRows = "INSERT INTO round_probe (id, v) "
	logRows   = "INSERT INTO round_log (id, note) "
)

func (p *roundProbe) withLog() {
	if _, err := p.db.ExecContext(context.Background(), "CREATE TABLE round_log (id INT PRIMARY KEY, note VARCHAR(20) NOT NULL)"); err != nil {
		p.t.Fatal(err)
	}
}

func (p *roundProbe) notes() map[int]string {
	return byID[string](p, "SELECT id, note FROM round_log")
}

// expectTables fails the test unless the probe's table and its log hold exactly values and notes.
func (p *roundProbe) expectTables(values map[int]int, notes map[int]string) {
	p.t.Helper()
	if v := p.values(); fmt.Sprint(v) != fmt.Sprint(values) {
		p.t.Fatalf("table after the round: %v, want %v", v, values)
	}
	if n := p.notes(); fmt.Sprint(n) != fmt.Sprint(notes) {
		p.t.Fatalf("log after the round: %v, want %v", n, notes)
	}
}

// Units' single-row inserts into one table share one insert: a round of two pairs, an update and
// two lone inserts sends three statements for seven, and every unit gets its own rows counted.
func TestRoundMergesInsertsIntoOneTable(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := newRoundProbeOn(t, db)
		p.withLog()
		got := p.sendStatements([][]storage.Statement{
			{storage.InsertRow(probeRows, "VALUES (4, 40)"), storage.InsertRow(logRows, "VALUES (4, 'four')")},
			{storage.Plain("UPDATE round_probe SET v = 5 WHERE id = 1")},
			{storage.InsertRow(probeRows, "VALUES (6, 60)")},
			{storage.InsertRow(probeRows, "VALUES (5, 50)"), storage.InsertRow(logRows, "VALUES (5, 'five')")},
			{storage.InsertRow(probeRows, "VALUES (7, 70)")},
		})
		want := [][]execResult{{{affected: 1}, {affected: 1}}, {{affected: 1}}, {{affected: 1}}, {{affected: 1}, {affected: 1}}, {{affected: 1}}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("results %v, want %v", got, want)
		}
		if p.sent != 3 {
			t.Fatalf("the round sent %d statements, want 3 (an update, an insert per table)", p.sent)
		}
		p.expectTables(map[int]int{1: 5, 2: 0, 3: 0, 4: 40, 5: 50, 6: 60, 7: 70}, map[int]string{4: "four", 5: "five"})
	})
}

// A merged insert that the database refuses fails only the unit whose row it refused: the
// round is run again unit by unit, unmerged, and the other units apply once each.
func TestRoundMergedInsertRefusedFailsOnlyItsUnit(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := newRoundProbeOn(t, db)
		p.withLog()
		got := p.sendStatements([][]storage.Statement{
			{storage.InsertRow(probeRows, "VALUES (4, 40)"), storage.InsertRow(logRows, "VALUES (4, 'four')")},
			{storage.InsertRow(probeRows, "VALUES (3, 30)"), storage.InsertRow(logRows, "VALUES (3, 'three')")}, // a duplicate key
			{storage.InsertRow(probeRows, "VALUES (5, 50)"), storage.InsertRow(logRows, "VALUES (5, 'five')")},
		})
		for j, r := range got[1] {
			if !storage.IsDuplicateKey(r.err) {
				t.Fatalf("statement %d of the unit with the duplicate row answered %v, want the duplicate key error", j, r.err)
			}
		}
		for _, i := range []int{0, 2} {
			if fmt.Sprint(got[i]) != fmt.Sprint([]execResult{{affected: 1}, {affected: 1}}) {
				t.Fatalf("unit %d: %v, want a row each", i, got[i])
			}
		}
		p.expectTables(map[int]int{1: 0, 2: 0, 3: 0, 4: 40, 5: 50}, map[int]string{4: "four", 5: "five"}) // nothing of the refused unit
	})
}

// Rows selected after a guard statement of their unit share one insert with the other rows into
// their table, and each unit's row is inserted, and counted, exactly when its guard changed a
// row.
func TestRoundMergesSelectedRowsAfterTheirGuards(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := newRoundProbeOn(t, db)
		p.withLog()
		unit := func(id, want int) []storage.Statement {
			return []storage.Statement{
				storage.Plain(fmt.Sprintf("UPDATE round_probe SET v = 1 WHERE id = %d AND v = %d", id, want)),
				storage.Following(storage.InsertRow(logRows, fmt.Sprintf("SELECT %d, 'logged' FROM round_probe WHERE id = %d AND v = 1", id, id)), 0),
			}
		}
		got := p.sendStatements([][]storage.Statement{unit(1, 0), unit(2, 5), // 2's update applies to no row
			{storage.InsertRow(logRows, "VALUES (9, 'values')")}, unit(3, 0)})
		want := [][]execResult{{{affected: 1}, {affected: 1}}, {{affected: 0}, {affected: 0}}, {{affected: 1}}, {{affected: 1}, {affected: 1}}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("results %v, want %v", got, want)
		}
		if p.sent != 4 {
			t.Fatalf("the round sent %d statements, want 4 (three updates, one merged insert)", p.sent)
		}
		p.expectTables(map[int]int{1: 1, 2: 0, 3: 1}, map[int]string{1: "logged", 3: "logged", 9: "values"})
	})
}

// A round whose connection breaks after it was sent has an unknown outcome: every caller gets
// an error that says so, and nothing is sent again (which could apply a committed round twice).
func TestRoundBrokenAfterSendingIsEveryCallersError(t *testing.T) {
	p := newRoundProbe(t)
	storage.SetRoundTimeout(t, time.Minute) // beyond the sleep, so only the kill breaks the round
	release := p.hold()
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, q := range []string{"UPDATE round_probe SET v = v + 1 WHERE id = 2", "DO SLEEP(30)"} {
		wg.Go(func() { _, errs[i] = storage.SharedExec(context.Background(), p.db, q) })
		p.waitQueued(i + 1)
	}
	release()
	id := p.awaitRunning("SLEEP(30)")
	if _, err := p.db.ExecContext(context.Background(), fmt.Sprintf("KILL CONNECTION %d", id)); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, domain.ErrOutcomeUnknown) {
			t.Fatalf("statement %d of a round whose connection was killed: %v, want an unknown outcome", i, err)
		}
	}
	if v := p.values(); v[2] != 0 {
		t.Fatalf("row 2 is %d after its round's connection was killed, want 0: the round ran again", v[2])
	}
}

// A round whose server stops answering is cut off at its bound: every caller gets an error
// instead of waiting, and the next round goes out on a fresh connection.
func TestRoundUnansweredIsCutOff(t *testing.T) {
	p := newRoundProbe(t)
	release := p.hold()
	storage.SetRoundTimeout(t, 300*time.Millisecond) // after the holding round went out, under the default
	errs := make(chan error, 2)
	for i, q := range []string{"UPDATE round_probe SET v = v + 1 WHERE id = 2", "DO SLEEP(60)"} {
		go func() {
			_, err := storage.SharedExec(context.Background(), p.db, q)
			errs <- err
		}()
		p.waitQueued(i + 1)
	}
	release()
	for range 2 {
		// The guard is far below the SLEEP.
		if err := p.answer(errs, 30*time.Second, "a round that got no answer held its callers"); !errors.Is(err, domain.ErrOutcomeUnknown) {
			t.Fatalf("a statement of a round cut off by its bound: %v, want an unknown outcome", err)
		}
	}
	// The server may still run the sleep of the abandoned connection: end it.
	if sleeper, running := p.running("SLEEP(60)"); running {
		_, _ = p.db.ExecContext(context.Background(), fmt.Sprintf("KILL CONNECTION %d", sleeper))
	}
	if _, err := storage.SharedExec(context.Background(), p.db, "UPDATE round_probe SET v = v + 1 WHERE id = 1"); err != nil {
		t.Fatalf("a round after one was cut off: %v", err)
	}
}

// A batched write (two audit events in one INSERT) whose round is cut off has an unknown
// outcome, and its rows are not written again one by one: the cut-off INSERT may yet commit on
// the server (here it does, once the lock it waits for is freed), and rows sent again would
// then either collide with it, a definite failure for rows that are stored, or be stored twice.
func TestBatchedWriteCutOffIsNotSentAgain(t *testing.T) {
	p := newRoundProbe(t)
	ctx := context.Background()
	audit := storage.NewStores(p.db).Audit
	now := time.Now().UTC().Truncate(time.Second)
	if _, err := p.db.ExecContext(ctx, "INSERT INTO pools (id, name, created_at, updated_at) VALUES ('p1', 'p1', NOW(), NOW()), ('p2', 'p2', NOW(), NOW())"); err != nil {
		t.Fatal(err)
	}
	event := func(id, pool string) *domain.AuditEvent {
		return &domain.AuditEvent{ID: id, PoolID: pool, Time: now, Type: domain.AuditType("login"), Result: domain.AuditResult("success")}
	}
	// A transaction of the test's holds pool p2's row: an insert of its events waits for it.
	tx := p.lockRows("SELECT id FROM pools WHERE id = 'p2' FOR UPDATE")
	release := p.hold()
	errs := make([]error, 3)
	var wg sync.WaitGroup
	wg.Go(func() { errs[0] = audit.Record(ctx, event("e1", "p1")) }) // leads the audit batcher
	p.waitQueued(1)
	for i, id := range []string{"e2", "e3"} {
		wg.Go(func() { errs[i+1] = audit.Record(ctx, event(id, "p2")) })
		p.await("events queued in the audit batcher", func() bool { return storage.AuditQueued(audit) == i+1 })
	}
	storage.SetRoundTimeout(t, 300*time.Millisecond)
	release() // e1's round, then one INSERT of e2 and e3, which waits for p2's row
	p.awaitRunning("'e3'")
	storage.SetRoundTimeout(t, time.Minute) // later rounds are not cut off
	// The next round holds the rounds after it (those that send e2 and e3 again) until the
	// cut-off INSERT, still waiting on the server for p2's row, has run.
	holdRetries := p.hold() // runs once the INSERT's round has been cut off, at 300 ms
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	p.await("the cut-off INSERT to commit on the server", func() bool {
		var n int
		_ = p.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_logs WHERE id IN ('e2', 'e3')").Scan(&n)
		return n == 2
	})
	holdRetries()
	wg.Wait()
	if errs[0] != nil {
		t.Errorf("event e1, in a round of its own: %v", errs[0])
	}
	for i := 1; i < 3; i++ {
		if !errors.Is(errs[i], domain.ErrOutcomeUnknown) {
			t.Errorf("event e%d, whose batched round was cut off: %v, want an unknown outcome (the round must not be sent again)", i+1, errs[i])
		}
	}
}

// A round that waits for a row lock is refused after a second; its statements then run alone,
// concurrently and outside the lead, so the next rounds go out while one of them still waits.
func TestRoundLockWaitDoesNotHoldUpLaterRounds(t *testing.T) {
	p := newRoundProbe(t)
	ctx := context.Background()
	tx := p.lockRows("SELECT v FROM round_probe WHERE id = 2 FOR UPDATE")
	release := p.hold()
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, q := range []string{"UPDATE round_probe SET v = v + 1 WHERE id = 3", "UPDATE round_probe SET v = v + 1 WHERE id = 2"} {
		wg.Go(func() { _, errs[i] = storage.SharedExec(ctx, p.db, q) })
		p.waitQueued(i + 1)
	}
	release()
	// The round is refused after its second; row 3's statement then runs alone and returns, row
	// 2's waits alone for the transaction. Meanwhile a later statement goes through.
	if _, err := storage.SharedExec(ctx, p.db, "UPDATE round_probe SET v = v + 1 WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("statement %d: %v", i, err)
		}
	}
	if v := p.values(); fmt.Sprint(v) != fmt.Sprint(map[int]int{1: 1, 2: 1, 3: 1}) {
		t.Fatalf("table: %v, want each update once", v)
	}
}

// Rounds are used only where the server runs multi-statement requests: a connection without
// them (as on a server that has none) fails the probe.
func TestRoundsNeedMultiStatements(t *testing.T) {
	cfg, err := mysql.ParseDSN(storagetest.MySQLDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = "" // the probe names no table
	ctx := context.Background()
	for _, multi := range []bool{true, false} {
		cfg.MultiStatements = multi
		conns, err := sql.Open("mysql", cfg.FormatDSN())
		if err != nil {
			t.Fatal(err)
		}
		if got, err := storage.AcceptsMultiStatements(ctx, conns); err != nil || got != multi {
			t.Errorf("probe with multiStatements=%v answered %v, %v", multi, got, err)
		}
		_ = conns.Close()
	}
	// A server that cannot be asked is an error, not a server without multi-statement requests:
	// one that does not answer, and one that refuses the connection itself.
	for name, unaskable := range map[string]func(c *mysql.Config){
		"unreachable":   func(c *mysql.Config) { c.Addr = "127.0.0.1:1" },
		"access denied": func(c *mysql.Config) { c.User, c.Passwd = "gatehouse_no_such_user", "x" },
	} {
		c := cfg.Clone()
		unaskable(c)
		conns, err := sql.Open("mysql", c.FormatDSN())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := storage.AcceptsMultiStatements(ctx, conns); err == nil {
			t.Errorf("%s: the probe answered without error", name)
		}
		_ = conns.Close()
	}
	// This server passes the probe, so its writes go out in rounds.
	db := storagetest.NewMySQL(t)
	if _, err := storage.SharedExec(ctx, db, "DO 1"); err != nil {
		t.Fatal(err)
	}
	if got := db.RoundStats(); got != (storage.RoundStats{Rounds: 1, Statements: 1}) {
		t.Fatalf("round stats after one write: %+v, want one round of one", got)
	}
}
