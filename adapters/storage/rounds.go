package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/internal/groupcommit"
)

// maxRound bounds the callers (statements or units) of one round.
const maxRound = 64

// roundTimeout bounds a round. A healthy round takes a commit's time, or a second more when it
// meets a row lock on MySQL; the bound is for a server that stops answering (a network
// partition, say), which would otherwise hold the lead, and every sign-in's writes behind it,
// until TCP keep-alives gave up minutes later. A round cut off by it is every caller's error,
// as after any failure once the request was sent. Tests shorten it while rounds are in flight,
// hence the atomic.
var roundTimeout atomic.Int64

func init() { roundTimeout.Store(int64(10 * time.Second)) }

// roundBound is a round's bound, read as its request goes out.
func roundBound() time.Duration { return time.Duration(roundTimeout.Load()) }

// rounds commits the writes made outside a transaction together: the sign-in path's limit
// checks, its units (a challenge with its send's event, a login's consumption with its record,
// event and refresh token) and batched inserts. Alone, each would cost a durable commit (and on
// MySQL a round trip), and the commits were most of the database's work for a login. Under
// concurrency the statements queued while a round is in flight go out as the next round, and
// each gets its own affected rows and insert id back. A lone statement goes out as it is, at
// once. Callers return once their round has committed, so a write is as durable as on its own.
//
// A caller may also send a unit: statements that must commit together, in order (execUnit). A
// unit's statements go out in its order in one round, so they share its transaction; the
// single-row inserts that end units share one insert per table (see planRound).
//
// On MySQL (mysqlRounds) a round is one multi-statement request,
//
//	START TRANSACTION; s1; ...; sn; COMMIT
//
// so one round trip and one commit carry them all. MySQL stops such a request at the first
// statement it refuses. The round is then rolled back and each of its statements (each unit, in
// a transaction of its own) is run alone, so a refused statement fails its own caller and not
// its neighbours. Any other failure (a connection broken after the request was sent) leaves the
// round's outcome unknown and is every caller's error, as it would be for a statement sent
// alone. MySQL rounds run on connections of their own, the only ones with multi-statement
// requests on; their statements are formatted by bun, values escaped, as every statement is. A
// round waits at most a second for a row lock, so that a long transaction elsewhere holds up the
// sign-ins queued behind it for no longer: the round is then refused, and its statements run
// alone, concurrently, while the next round goes out.
//
// On SQLite (txRounds) a round is one transaction, so SQLite's single writer commits once for
// all of them; a round whose transaction fails applied nothing, and its statements are run
// alone in the same way.
type rounds struct {
	send  roundSender
	alone runAlone
	batch *groupcommit.Batcher[*roundStatement]

	stats struct{ rounds, statements atomic.Int64 }
}

// runAlone runs statements outside any round, with the caller's context: one as it is, several
// in a transaction of their own. It returns each one's affected rows and insert id.
type runAlone func(ctx context.Context, queries []string) (affected, insertIDs []int64, err error)

// roundStatement is a caller's part of a round: one statement, or a unit of several.
type roundStatement struct {
	ctx       context.Context // the caller's, for running the statements alone
	queries   []statement
	affected  []int64
	insertIDs []int64
	err       error
	done      chan struct{} // closed once the results are set
}

// RoundStats counts the requests sent on round connections so far (a lone statement is a round
// of one) and the statements they carried (a merged insert counting once), read rounds
// included. A write run again alone after its round failed goes through the database as any
// other, and through its query hooks; a read run again alone counts as a round of one.
type RoundStats struct{ Rounds, Statements int64 }

func newRounds(send roundSender, alone runAlone) *rounds {
	r := &rounds{send: send, alone: alone}
	r.batch = groupcommit.New(maxRound, r.flush)
	return r
}

// exec runs one formatted statement in the next round and returns its affected rows and insert
// id once the round has committed.
func (r *rounds) exec(ctx context.Context, query string) (affected, insertID int64, err error) {
	all, ids, err := r.execUnit(ctx, []statement{{sql: query}})
	if err != nil {
		return 0, 0, err
	}
	return all[0], ids[0], nil
}

// execUnit runs formatted statements in order in the next round, and returns
// each one's affected rows and insert id once the round has committed: they commit together
// or not at all. An error wrapping domain.ErrOutcomeUnknown leaves open which.
func (r *rounds) execUnit(ctx context.Context, queries []statement) (affected, insertIDs []int64, err error) {
	if len(queries) == 0 {
		return nil, nil, errors.New("storage: an empty unit")
	}
	st := &roundStatement{ctx: ctx, queries: queries, done: make(chan struct{})}
	if err := r.batch.Do(ctx, st); err != nil {
		return nil, nil, fmt.Errorf("storage: round: %w", err) // ctx ended while queued, or the flush panicked
	}
	<-st.done
	return st.affected, st.insertIDs, st.err
}

// flush sends a round. Statements to be run alone after the round was refused are run
// concurrently and outside the lead, so that the next round need not wait for them.
func (r *rounds) flush(ctx context.Context, batch []*roundStatement) error {
	plan := planRound(batch)
	statements := plan.statements
	r.stats.rounds.Add(1)
	r.stats.statements.Add(int64(len(statements)))
	ctx, cancel := context.WithTimeout(ctx, roundBound())
	defer cancel()
	affected, ids, refused, err := r.send(ctx, statements)
	if err == nil && (len(affected) != len(statements) || len(ids) != len(statements)) {
		err = fmt.Errorf("storage: a round of %d statements answered %d results", len(statements), len(affected))
	}
	switch {
	case err == nil:
		for i, st := range batch {
			st.affected, st.insertIDs, st.err = plan.answer(i, affected, ids)
			close(st.done)
		}
	case refused && len(batch) == 1 && !retryable(err) && !errors.Is(err, driver.ErrBadConn):
		// A lone caller's statements refused for themselves, not for a lock: alone again they
		// fail the same way.
		batch[0].err = err
		close(batch[0].done)
	case refused:
		for _, st := range batch {
			go func() {
				st.affected, st.insertIDs, st.err = r.alone(st.ctx, sqlOf(st.queries))
				close(st.done)
			}()
		}
	default:
		// The round was sent and may or may not have committed (the connection broke, or the
		// bound ran out, before its answer): running its statements again could apply them twice.
		for _, st := range batch {
			st.err = fmt.Errorf("storage: round: %w: %w", domain.ErrOutcomeUnknown, err)
			close(st.done)
		}
	}
	return nil
}

// A roundSender runs a round's statements in order in one commit and returns each one's
// affected rows and insert id. On an error, refused reports that nothing of the round applied
// (the database refused a statement and the round was rolled back, or nothing was sent), so
// that its statements may be run again alone; otherwise the round's outcome is unknown.
type roundSender func(ctx context.Context, statements []string) (affected, insertIDs []int64, refused bool, err error)

// mysqlRounds sends each round as one multi-statement request on conns, a lone statement as
// it is and several as START TRANSACTION; s1; ...; sn; COMMIT. After a failed request any
// transaction it opened is rolled back, or the connection dropped (and the server rolls back
// with it).
func mysqlRounds(conns *sql.DB) roundSender {
	return func(ctx context.Context, statements []string) (affected, ids []int64, refused bool, err error) {
		query, wrapped := statements[0], len(statements) > 1
		if wrapped {
			query = "START TRANSACTION;\n" + strings.Join(statements, ";\n") + ";\nCOMMIT"
		}
		affected, ids, err = mysqlRequest(ctx, conns, query)
		if err != nil {
			return nil, nil, notApplied(err), err
		}
		if wrapped && len(affected) == len(statements)+2 && len(ids) == len(affected) {
			affected, ids = affected[1:len(affected)-1], ids[1:len(ids)-1] // START TRANSACTION's and COMMIT's
		}
		return affected, ids, false, nil
	}
}

// txRounds runs each round in a transaction of db (SQLite, whose statements cost no round
// trip: a round is one transaction and one commit instead of one per write). Nothing of a
// round whose transaction fails is applied. db runs no query hooks, as MySQL's round
// connections do not: a round's statements are counted by RoundStats.
func txRounds(db *bun.DB) roundSender {
	return func(ctx context.Context, statements []string) (affected, ids []int64, refused bool, err error) {
		if len(statements) == 1 {
			affected, ids, err = execEach(ctx, db, statements)
			return affected, ids, err != nil, err
		}
		err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			affected, ids, err = execEach(ctx, tx, statements)
			return err
		})
		return affected, ids, err != nil, err
	}
}

// errNoConnection marks a request that was never sent: no connection could be had (the server
// unreachable, or the round's bound spent waiting for one).
var errNoConnection = errors.New("storage: no connection for the request")

// mysqlRequest sends one request on a connection of conns and returns every statement's
// affected rows and insert id.
func mysqlRequest(ctx context.Context, conns *sql.DB, query string) (affected, ids []int64, err error) {
	conn, err := conns.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errNoConnection, err)
	}
	defer conn.Close()
	var failed error
	err = conn.Raw(func(dc any) error {
		ex, ok := dc.(driver.ExecerContext)
		if !ok {
			return errors.New("storage: a mysql connection without Exec")
		}
		res, err := ex.ExecContext(ctx, query, nil)
		if err != nil {
			failed = err
			if _, err := ex.ExecContext(ctx, "ROLLBACK", nil); err != nil {
				return driver.ErrBadConn // drop it
			}
			return nil
		}
		mres, ok := res.(mysql.Result)
		if !ok {
			return errors.New("storage: a mysql result without per-statement results")
		}
		affected, ids = mres.AllRowsAffected(), mres.AllLastInsertIds()
		return nil
	})
	if failed != nil {
		return nil, nil, failed
	}
	return affected, ids, err
}

// The rounds and read rounds are a database/sql connector too, so that the stores' bun
// queries run through them unchanged (see DB.autocommit and DB.reader): a connection's Exec is
// a statement of the next round, its Query a SELECT of the next read round. Such a connection
// runs formatted statements only: no arguments, prepared statements or transactions.
type roundConnector struct {
	writes *rounds
	reads  *readRounds // nil where there are no read rounds
}

func (c roundConnector) Connect(context.Context) (driver.Conn, error) { return roundConn(c), nil }
func (roundConnector) Driver() driver.Driver                          { return roundDriver{} }

type roundDriver struct{}

func (roundDriver) Open(string) (driver.Conn, error) { return nil, errRoundUse }

type roundConn roundConnector

var errRoundUse = errors.New("storage: a round connection runs formatted statements only")

func (roundConn) Prepare(string) (driver.Stmt, error) { return nil, errRoundUse }
func (roundConn) Close() error                        { return nil }
func (roundConn) Begin() (driver.Tx, error)           { return nil, errRoundUse }

func (c roundConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) > 0 {
		return nil, errRoundUse
	}
	affected, id, err := c.writes.exec(ctx, query)
	if errors.Is(err, driver.ErrBadConn) {
		// database/sql would send the statement again in a new round; the round has answered.
		return nil, fmt.Errorf("storage: round: %v", err)
	}
	if err != nil {
		return nil, err
	}
	return roundResult{affected, id}, nil
}

func (c roundConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) > 0 || c.reads == nil {
		return nil, errRoundUse
	}
	rs, err := c.reads.query(ctx, query)
	if errors.Is(err, driver.ErrBadConn) {
		// database/sql would run the query again on another connection of ours, which is
		// no other: query has already retried it.
		return nil, fmt.Errorf("storage: read: %v", err)
	}
	if err != nil {
		return nil, err
	}
	return &resultRows{set: rs}, nil
}

type roundResult struct{ affected, insertID int64 }

func (r roundResult) LastInsertId() (int64, error) { return r.insertID, nil }
func (r roundResult) RowsAffected() (int64, error) { return r.affected, nil }
