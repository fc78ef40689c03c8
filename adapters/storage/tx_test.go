package storage_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"syscall"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/migrations"
)

func TestAfterCommit(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewStores(db)
		var ran []string
		note := func(name string) func() { return func() { ran = append(ran, name) } }

		storage.AfterCommit(ctx, note("no tx"))
		if !slices.Equal(ran, []string{"no tx"}) {
			t.Fatalf("without a transaction the callback runs at once: %v", ran)
		}

		ran = nil
		err := db.Run(ctx, func(ctx context.Context) error {
			storage.AfterCommit(ctx, note("outer"))
			if err := s.Settings.Put(ctx, "k", "v"); err != nil {
				return err
			}
			if err := db.Run(ctx, func(ctx context.Context) error {
				storage.AfterCommit(ctx, note("nested"))
				return nil
			}); err != nil {
				return err
			}
			if len(ran) != 0 {
				t.Errorf("callbacks ran before the commit: %v", ran)
			}
			return nil
		})
		if err != nil || !slices.Equal(ran, []string{"outer", "nested"}) {
			t.Fatalf("after commit: ran %v, err %v", ran, err)
		}

		ran = nil
		boom := errors.New("boom")
		err = db.Run(ctx, func(ctx context.Context) error {
			storage.AfterCommit(ctx, note("rolled back"))
			return boom
		})
		if !errors.Is(err, boom) || len(ran) != 0 {
			t.Fatalf("a rolled-back transaction ran its callbacks: %v (err %v)", ran, err)
		}
	})
}

// A write that failed after it was sent may have applied: on MySQL its error says so, unless
// the server refused it or the driver never sent it. SQLite runs in process and knows.
func TestSentAndLostMarksUnknownOutcomes(t *testing.T) {
	onMySQL, onSQLite := &storage.DB{Dialect: migrations.MySQL}, &storage.DB{Dialect: migrations.SQLite}
	for _, c := range []struct {
		name    string
		db      *storage.DB
		err     error
		unknown bool
	}{
		{"answer lost", onMySQL, mysql.ErrInvalidConn, true},
		{"connection cut", onMySQL, fmt.Errorf("write: %w", io.ErrUnexpectedEOF), true},
		{"context ended mid-statement", onMySQL, context.Canceled, true},
		{"refused by the server", onMySQL, fmt.Errorf("exec: %w", &mysql.MySQLError{Number: 1062, Message: "Duplicate entry"}), false},
		{"never sent", onMySQL, driver.ErrBadConn, false},
		{"no connection", onMySQL, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, false},
		{"too large to send", onMySQL, mysql.ErrPktTooLarge, false},
		{"read cut", onMySQL, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, true},
		{"sqlite", onSQLite, io.ErrUnexpectedEOF, false},
	} {
		err := c.db.SentAndLost(c.err)
		if got := errors.Is(err, domain.ErrOutcomeUnknown); got != c.unknown {
			t.Errorf("%s: %v, unknown outcome %v, want %v", c.name, err, got, c.unknown)
		}
		if !errors.Is(err, c.err) {
			t.Errorf("%s: %v no longer wraps %v", c.name, err, c.err)
		}
	}
	if err := onMySQL.SentAndLost(nil); err != nil {
		t.Errorf("no error became %v", err)
	}
}

// A round that could get no connection was never sent: it is refused (its statements may run
// alone), not of unknown outcome.
func TestRoundWithoutConnectionIsRefused(t *testing.T) {
	conns, err := sql.Open("mysql", "root@tcp(127.0.0.1:1)/nowhere?timeout=1s")
	if err != nil {
		t.Fatal(err)
	}
	defer conns.Close()
	refused, err := storage.SendMySQLRound(context.Background(), conns, []string{"DO 1", "DO 2"})
	if err == nil || !refused || errors.Is(err, domain.ErrOutcomeUnknown) {
		t.Fatalf("a round with no connection: refused %v, %v; want refused, not an unknown outcome", refused, err)
	}
}
