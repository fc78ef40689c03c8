package storage_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

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
	ctx := context.Background()
	release := p.lockedRead("read_hold")
	p.awaitRunning("read_hold")
	values, errs := make([][]int, len(queries)), make([]error, len(queries))
	var wg sync.WaitGroup
	for i, q := range queries {
		wg.Go(func() {
			var vs []int
			errs[i] = storage.Reader(ctx, p.db).NewRaw(q).Scan(ctx, &vs)
			values[i] = vs
		})
		p.await(fmt.Sprintf("%d reads queued", i+1), func() bool { return storage.ReadsQueued(p.db) == i+1 })
	}
	before := p.db.RoundStats()
	if err := release(); err != nil {
		p.t.Fatalf("the holding read: %v", err)
	}
	wg.Wait()
	if got := p.db.RoundStats(); got.Rounds < before.Rounds+1 || got.Statements < before.Statements+int64(len(queries)) {
		p.t.Fatalf("round stats went from %+v to %+v for a read round of %d queries", before, got, len(queries))
	}
	return values, errs
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
