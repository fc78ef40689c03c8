package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/go-sql-driver/mysql"

	"github.com/gatehouse-iam/gatehouse/internal/groupcommit"
)

// maxRound bounds the statements of one round.
const maxRound = 64

// rounds sends the single-statement writes made outside a transaction to MySQL together: the
// sign-in path's limit checks, code consumptions and batched inserts. Alone, each would cost a
// round trip and a durable commit, and the commits were most of the database's work for a
// login. Under concurrency the statements queued while a round is in flight go out as the next
// round, one multi-statement request:
//
//	START TRANSACTION; s1; ...; sn; COMMIT
//
// so one round trip and one commit carry them all, and each statement's own affected rows and
// insert id come back. A lone statement goes out alone, at once. Callers return once their round
// has committed, so a write is as durable as on its own.
//
// MySQL stops a multi-statement request at the first statement it refuses. The round is then
// rolled back and each of its statements is run alone, so a refused statement fails its own
// caller and not its neighbours. Any other failure (a broken connection, say) leaves the round's
// outcome unknown and is every caller's error, as it would be for a statement sent alone.
//
// Rounds run one at a time on connections of their own, the only ones with multi-statement
// requests on; their statements are formatted by bun, values escaped, as every statement is. A
// round waits at most a second for a row lock, so that a long transaction elsewhere cannot hold
// up the sign-ins queued behind it: the statement that waited is then run alone.
type rounds struct {
	conns *sql.DB // multi-statement connections
	alone func(ctx context.Context, query string) (sql.Result, error)
	batch *groupcommit.Batcher[*roundStatement]

	stats struct{ rounds, statements atomic.Int64 }
}

type roundStatement struct {
	query    string
	affected int64
	insertID int64
	err      error
}

// RoundStats counts the multi-statement rounds run so far and the statements they carried. A
// lone statement, or one run alone after its round failed, goes through the database as any
// other (and its query hooks).
type RoundStats struct{ Rounds, Statements int64 }

func newRounds(conns *sql.DB, alone func(ctx context.Context, query string) (sql.Result, error)) *rounds {
	r := &rounds{conns: conns, alone: alone}
	r.batch = groupcommit.New(maxRound, r.flush)
	return r
}

// exec runs one formatted statement in the next round and returns its affected rows and insert
// id once the round has committed.
func (r *rounds) exec(ctx context.Context, query string) (affected, insertID int64, err error) {
	st := &roundStatement{query: query}
	if err := r.batch.Do(ctx, st); err != nil {
		return 0, 0, fmt.Errorf("storage: round: %w", err) // ctx ended while queued, or the flush panicked
	}
	return st.affected, st.insertID, st.err
}

func (r *rounds) flush(ctx context.Context, batch []*roundStatement) error {
	if len(batch) == 1 {
		r.runAlone(ctx, batch[0])
		return nil
	}
	r.stats.rounds.Add(1)
	r.stats.statements.Add(int64(len(batch)))
	var b strings.Builder
	b.WriteString("START TRANSACTION")
	for _, st := range batch {
		b.WriteString(";\n")
		b.WriteString(st.query)
	}
	b.WriteString(";\nCOMMIT")
	affected, ids, err := r.run(ctx, b.String())
	if err == nil && len(affected) != len(batch)+2 {
		err = fmt.Errorf("storage: a round of %d statements answered %d results", len(batch), len(affected))
	}
	var refused *mysql.MySQLError
	switch {
	case err == nil:
		for i, st := range batch {
			st.affected, st.insertID = affected[i+1], ids[i+1] // after START TRANSACTION's
		}
	case errors.As(err, &refused):
		for _, st := range batch {
			r.runAlone(ctx, st)
		}
	default:
		for _, st := range batch {
			st.err = fmt.Errorf("storage: round: %w", err)
		}
	}
	return nil
}

// run sends one multi-statement request and returns every statement's affected rows and insert
// id. After a refused statement the request's transaction is rolled back.
func (r *rounds) run(ctx context.Context, query string) (affected, ids []int64, err error) {
	conn, err := r.conns.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		ex, ok := dc.(driver.ExecerContext)
		if !ok {
			return errors.New("storage: a mysql connection without Exec")
		}
		res, err := ex.ExecContext(ctx, query, nil)
		if err != nil {
			if _, rerr := ex.ExecContext(ctx, "ROLLBACK", nil); rerr != nil {
				// The connection is dropped, and the server rolls back with it.
				return errors.Join(err, driver.ErrBadConn)
			}
			return err
		}
		mres, ok := res.(mysql.Result)
		if !ok {
			return errors.New("storage: a mysql result without per-statement results")
		}
		affected, ids = mres.AllRowsAffected(), mres.AllLastInsertIds()
		return nil
	})
	return affected, ids, err
}

func (r *rounds) runAlone(ctx context.Context, st *roundStatement) {
	res, err := r.alone(ctx, st.query)
	if err == nil {
		st.affected, err = res.RowsAffected()
	}
	if err == nil {
		st.insertID, err = res.LastInsertId()
	}
	st.err = err
}

// The rounds are a database/sql connector too, so that the stores' bun queries run through them
// unchanged (see DB.shared): a connection's Exec is a statement of the next round. Such a
// connection runs formatted statements only: no arguments, queries or transactions.

func (r *rounds) Connect(context.Context) (driver.Conn, error) { return roundConn{r}, nil }
func (r *rounds) Driver() driver.Driver                        { return roundDriver{} }

type roundDriver struct{}

func (roundDriver) Open(string) (driver.Conn, error) { return nil, errRoundUse }

type roundConn struct{ r *rounds }

var errRoundUse = errors.New("storage: a round connection runs formatted statements only")

func (roundConn) Prepare(string) (driver.Stmt, error) { return nil, errRoundUse }
func (roundConn) Close() error                        { return nil }
func (roundConn) Begin() (driver.Tx, error)           { return nil, errRoundUse }

func (c roundConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) > 0 {
		return nil, errRoundUse
	}
	affected, id, err := c.r.exec(ctx, query)
	if err != nil {
		return nil, err
	}
	return roundResult{affected, id}, nil
}

type roundResult struct{ affected, insertID int64 }

func (r roundResult) LastInsertId() (int64, error) { return r.insertID, nil }
func (r roundResult) RowsAffected() (int64, error) { return r.affected, nil }
