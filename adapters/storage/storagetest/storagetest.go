// Package storagetest gives tests fresh, migrated databases on every supported dialect: SQLite
// always, MySQL/MariaDB when GATEHOUSE_TEST_MYSQL_DSN is set. Under CI (CI set) a missing MySQL
// DSN fails the test instead of skipping it, so the MySQL suite cannot silently disappear.
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/gatehouse-iam/gatehouse/adapters/storage"
)

// MySQLDSNEnv names the variable holding a go-sql-driver DSN of a server tests may create
// databases on, e.g. root@tcp(127.0.0.1:3306)/gatehouse_test.
const MySQLDSNEnv = "GATEHOUSE_TEST_MYSQL_DSN"

// Dialects are the dialect names Each runs.
var Dialects = []string{"sqlite", "mysql"}

// Each runs fn as one subtest per dialect, each with a fresh migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *storage.DB)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) {
			fn(t, New(t, d))
		})
	}
}

// New returns a fresh migrated database of dialect, removed when the test ends.
func New(tb testing.TB, dialect string) *storage.DB {
	tb.Helper()
	switch dialect {
	case "sqlite":
		return NewSQLite(tb)
	case "mysql":
		return NewMySQL(tb)
	}
	tb.Fatalf("unknown dialect %q", dialect)
	return nil
}

// NewSQLite returns a migrated SQLite database in a temporary directory.
func NewSQLite(tb testing.TB) *storage.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := storage.OpenSQLite(ctx, filepath.Join(tb.TempDir(), "gatehouse.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	if _, err := db.MigrateUp(ctx); err != nil {
		tb.Fatal(err)
	}
	return db
}

// MySQLDSN returns the configured DSN, skipping the test when there is none (failing under CI).
func MySQLDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(MySQLDSNEnv)
	if dsn == "" {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%s is not set: the MySQL suite is required under CI", MySQLDSNEnv)
		}
		tb.Skipf("%s not set; skipping the MySQL suite", MySQLDSNEnv)
	}
	return dsn
}

// NewMySQL creates a uniquely named database on the configured server, migrates it and drops
// it when the test ends.
func NewMySQL(tb testing.TB) *storage.DB {
	tb.Helper()
	ctx := context.Background()
	cfg, err := mysql.ParseDSN(MySQLDSN(tb))
	if err != nil {
		tb.Fatalf("parse %s: %v", MySQLDSNEnv, err)
	}
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	name := fmt.Sprintf("%s_t%s", cfg.DBName, hex.EncodeToString(suffix))
	if cfg.DBName == "" {
		name = "gatehouse_t" + hex.EncodeToString(suffix)
	}
	admin := *cfg
	admin.DBName = ""
	adminDB, err := storage.OpenMySQL(ctx, admin.FormatDSN())
	if err != nil {
		tb.Fatalf("connect to MySQL: %v", err)
	}
	defer adminDB.Close()
	// A case-insensitive default, as many servers have, unlike the utf8mb4_bin every table
	// declares: a table or column that left its collation out would show in the tests.
	if _, err := adminDB.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	tb.Cleanup(func() {
		if drop, err := storage.OpenMySQL(context.Background(), admin.FormatDSN()); err == nil {
			_, _ = drop.ExecContext(context.Background(), "DROP DATABASE IF EXISTS `"+name+"`")
			_ = drop.Close()
		}
	})
	cfg.DBName = name
	db, err := storage.OpenMySQL(ctx, cfg.FormatDSN())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	if _, err := db.MigrateUp(ctx); err != nil {
		tb.Fatal(err)
	}
	return db
}
