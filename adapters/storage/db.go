// Package storage implements the core's stores with bun on MySQL/MariaDB and on embedded SQLite
// through one code path. Dialect differences are confined to this file, errors.go and the
// migrations. cached.go puts the configuration stores the sign-in path reads behind a
// short-lived read cache.
package storage

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/feature"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/migrate"
	"github.com/uptrace/bun/schema"
	_ "modernc.org/sqlite" // pure-Go SQLite driver "sqlite"

	"github.com/gatehouse-iam/gatehouse/migrations"
)

// DB is an open database with its dialect.
type DB struct {
	*bun.DB
	Dialect string // migrations.MySQL or migrations.SQLite

	// Writes made outside a transaction share rounds (see rounds), and the sign-in path's
	// reads outside a transaction share read rounds (MySQL only: see readRounds). roundsDB runs
	// bun queries through them: its Exec joins a round, its Query a read round. On MySQL they
	// go out on connections of their own, roundConns.
	rounds     *rounds
	reads      *readRounds
	roundsDB   *bun.DB
	roundConns *sql.DB
}

// Close closes the database's connections.
func (db *DB) Close() error {
	if db.roundsDB != nil {
		_ = db.roundsDB.Close()
	}
	if db.roundConns != nil {
		_ = db.roundConns.Close()
	}
	return db.DB.Close()
}

// startRounds makes the writes outside a transaction share rounds sent by send and, when
// readConns is not nil, the sign-in path's reads share read rounds on readConns.
func (db *DB) startRounds(send roundSender, readConns *sql.DB) {
	db.rounds = newRounds(send, db.execAlone)
	if readConns != nil {
		db.reads = newReadRounds(readConns, db.DB.DB)
	}
	conns := sql.OpenDB(roundConnector{db.rounds, db.reads})
	// A round connection is a value, not a network connection: keep idle as many as callers
	// use at once, rather than database/sql's default two, which made and dropped one for most
	// statements under load.
	conns.SetMaxIdleConns(4 * maxRound)
	db.roundsDB = bun.NewDB(conns, roundDialect{db.DB.Dialect()})
}

// reader is where the sign-in path's reads go: the transaction in ctx if any, otherwise the
// next read round (the database itself where there are none).
func (db *DB) reader(ctx context.Context) bun.IDB {
	if db.reads == nil || inTx(ctx) {
		return db.idb(ctx)
	}
	return db.roundsDB
}

// lookup scans into dest (q's model when there is none) the rows of q whose column equals key,
// q being a SELECT with every condition but the key's. Made on db.reader(ctx) outside a
// transaction on MySQL, it is a lookup of the read rounds, which send the lookups of one query
// queued together as one statement (see readRounds); made anywhere else, a plain SELECT.
// column must compare bytewise, as every text column here does (utf8mb4_bin): the merged
// statement's rows are handed to the lookups by comparing keys byte for byte.
func (db *DB) lookup(ctx context.Context, q *bun.SelectQuery, column, key string, dest ...any) error {
	if db.reads == nil || q.DB() != db.roundsDB {
		return q.Where("? = ?", bun.Safe(column), key).Scan(ctx, dest...)
	}
	l := &lookup{column: column[strings.LastIndexByte(column, '.')+1:], key: key, literal: db.DB.QueryGen().FormatQuery("?", key)}
	return q.Where("? IN (?)", bun.Safe(column), bun.Safe(lookupMark)).Scan(withLookup(ctx, l), dest...)
}

// shared is where a single-statement write goes: the transaction in ctx if any, otherwise
// autocommit.
func (db *DB) shared(ctx context.Context) bun.IDB {
	if inTx(ctx) {
		return db.idb(ctx)
	}
	return db.autocommit()
}

// autocommit is where a single-statement write outside any transaction goes: the next round,
// shared with concurrent writes (the database itself on a MySQL server without
// multi-statement requests).
func (db *DB) autocommit() bun.IDB {
	if db.rounds != nil {
		return db.roundsDB
	}
	return db.DB
}

// execUnit runs formatted statements in order in one commit and returns each one's affected
// rows: inside the transaction in ctx if any, otherwise in the next round (see rounds and
// planRound; in a transaction of their own on a MySQL server without multi-statement requests).
// They apply together or not at all; an error wrapping domain.ErrOutcomeUnknown leaves open
// which, and any other error means none applied.
func (db *DB) execUnit(ctx context.Context, statements ...statement) ([]int64, error) {
	if db.rounds != nil && !inTx(ctx) {
		affected, _, err := db.rounds.execUnit(ctx, statements)
		return affected, err
	}
	if inTx(ctx) {
		affected, _, err := execEach(ctx, db.idb(ctx), sqlOf(statements))
		return affected, err
	}
	affected, _, err := db.execAlone(ctx, sqlOf(statements))
	return affected, err
}

// execAlone runs statements outside any round: one as it is, several in a transaction (Run's,
// retried after a deadlock or lock wait, which units run alone after a round refused for a
// lock may meet among themselves). It returns each one's affected rows and insert id.
func (db *DB) execAlone(ctx context.Context, queries []string) (affected, insertIDs []int64, err error) {
	if len(queries) == 1 {
		affected, insertIDs, err = execEach(ctx, db.DB, queries)
		return affected, insertIDs, db.sentAndLost(err)
	}
	err = db.Run(ctx, func(ctx context.Context) error {
		affected, insertIDs, err = execEach(ctx, db.idb(ctx), queries)
		return err
	})
	return affected, insertIDs, err
}

func execEach(ctx context.Context, idb bun.IDB, queries []string) (affected, insertIDs []int64, err error) {
	for _, q := range queries {
		res, err := idb.ExecContext(ctx, q)
		if err != nil {
			return nil, nil, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return nil, nil, err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return nil, nil, err
		}
		affected, insertIDs = append(affected, n), append(insertIDs, id)
	}
	return affected, insertIDs, nil
}

// insertValues formats an INSERT of row (a bun model), for a unit of statements. It is marked
// as a single-row insert, which a round may merge with others (see statement).
func (db *DB) insertValues(row any) statement {
	table, b := db.insertHead(row)
	head := len(b)
	b = db.appendValues(append(b, "VALUES ("...), table, row)
	return mergeable(statement{sql: string(append(b, ')')), rowAt: head}, table)
}

// insertFrom formats an INSERT of row (a bun model) whose values are selected FROM from (a
// table and a condition, formatted with args): the row is inserted only when the condition
// holds, which lets a statement of a unit depend on an earlier one's effect. The condition must
// select at most one row; marked with following, the insert may be merged in a round.
func (db *DB) insertFrom(row any, from string, args ...any) statement {
	table, b := db.insertHead(row)
	head := len(b)
	b = append(db.appendValues(append(b, "SELECT "...), table, row), " FROM "...)
	return mergeable(statement{sql: string(db.DB.QueryGen().AppendQuery(b, from, args...)), rowAt: head}, table)
}

// mergeable keeps st's mark of a single-row insert unless table generates keys, whose values a
// merged insert would not tell apart.
func mergeable(st statement, table *schema.Table) statement {
	for _, f := range table.Fields {
		if f.AutoIncrement || f.Identity {
			st.rowAt = 0
		}
	}
	return st
}

// insertHead formats "INSERT INTO table (columns) ".
func (db *DB) insertHead(row any) (*schema.Table, []byte) {
	table := db.DB.Table(reflect.Indirect(reflect.ValueOf(row)).Type())
	b := append([]byte("INSERT INTO "), table.SQLName...)
	b = append(b, " ("...)
	for i, f := range table.Fields {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, f.SQLName...)
	}
	return table, append(b, ") "...)
}

// appendValues appends row's values, in its table's column order, separated by commas.
func (db *DB) appendValues(b []byte, table *schema.Table, row any) []byte {
	gen := db.DB.QueryGen()
	v := reflect.Indirect(reflect.ValueOf(row))
	for i, f := range table.Fields {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = f.AppendValue(gen, b, v)
	}
	return b
}

// AddQueryHook adds a bun query hook to every statement the database runs, those sent in rounds
// and read rounds included, but for the statements of units (execUnit) sent in rounds:
// RoundStats counts those.
func (db *DB) AddQueryHook(hook bun.QueryHook) {
	db.DB.AddQueryHook(hook)
	if db.roundsDB != nil {
		db.roundsDB.AddQueryHook(hook)
	}
}

// RoundStats reports the rounds and read rounds run so far.
func (db *DB) RoundStats() RoundStats {
	var s RoundStats
	if db.rounds != nil {
		s.Rounds, s.Statements = db.rounds.stats.rounds.Load(), db.rounds.stats.statements.Load()
	}
	if db.reads != nil {
		s.Rounds += db.reads.stats.rounds.Load()
		s.Statements += db.reads.stats.statements.Load()
	}
	return s
}

// Open connects to databaseURL:
//   - sqlite:PATH, sqlite://PATH or file:PATH for embedded SQLite (the directory is created);
//   - mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?PARAMS] for MySQL/MariaDB.
func Open(ctx context.Context, databaseURL string) (*DB, error) {
	switch {
	case strings.HasPrefix(databaseURL, "mysql://"):
		cfg, err := mysqlConfigFromURL(databaseURL)
		if err != nil {
			return nil, err
		}
		return OpenMySQL(ctx, cfg.FormatDSN())
	case strings.HasPrefix(databaseURL, "sqlite:"), strings.HasPrefix(databaseURL, "file:"):
		path := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(databaseURL, "sqlite:"), "file:"), "//")
		return OpenSQLite(ctx, path)
	default:
		return nil, fmt.Errorf("database url %q: scheme must be sqlite: or mysql://", redactURL(databaseURL))
	}
}

// OpenSQLite opens (creating it when missing) the SQLite database file at path, with foreign
// keys on, WAL journaling and immediate transactions so concurrent writers queue instead of
// failing to upgrade a read lock.
func OpenSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: create directory: %w", err)
	}
	dsn := "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=synchronous(NORMAL)&_txlock=immediate&_time_format=sqlite"
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	sqldb.SetMaxOpenConns(8)
	sqldb.SetMaxIdleConns(8)
	sqldb.SetConnMaxIdleTime(0)
	db := &DB{DB: bun.NewDB(sqldb, sqlitedialect.New()), Dialect: migrations.SQLite}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: ping: %w", err)
	}
	db.startRounds(txRounds(bun.NewDB(sqldb, sqlitedialect.New())), nil) // the same connections, without hooks
	return db, nil
}

// OpenMySQL opens a MySQL/MariaDB database from a go-sql-driver DSN
// (user:password@tcp(host:port)/database). Times are UTC, text is utf8mb4.
func OpenMySQL(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("mysql: parse dsn: %w", err)
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["charset"] = "utf8mb4"
	cfg.Collation = "utf8mb4_bin"
	cfg.Params["time_zone"] = "'+00:00'"
	// MySQL sessions run READ COMMITTED, which takes no gap locks and so avoids most insert
	// deadlocks (SQLite transactions are serialized anyway). Setting it per connection rather
	// than per transaction saves a round trip on every transaction; MariaDB and MySQL name the
	// variable differently, so the server is asked first.
	name, err := isolationVariable(ctx, cfg)
	if err != nil {
		return nil, err
	}
	cfg.Params[name] = "'READ-COMMITTED'"
	sqldb, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, fmt.Errorf("mysql: open: %w", err)
	}
	sqldb.SetMaxOpenConns(32)
	sqldb.SetMaxIdleConns(32)
	sqldb.SetConnMaxLifetime(time.Hour)
	db := &DB{DB: bun.NewDB(sqldb, mysqldialect.New()), Dialect: migrations.MySQL}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("mysql: ping %s: %w", cfg.Addr, err)
	}
	multi := cfg.Clone()
	multi.MultiStatements = true
	multi.Params["innodb_lock_wait_timeout"] = "1"
	conns, err := sql.Open("mysql", multi.FormatDSN())
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("mysql: open: %w", err)
	}
	// Rounds and read rounds run one at a time each; a spare connection replaces a dropped one
	// at once.
	conns.SetMaxOpenConns(4)
	conns.SetMaxIdleConns(4)
	conns.SetConnMaxLifetime(time.Hour)
	if multi, err := acceptsMultiStatements(ctx, conns); err != nil || !multi {
		// A MySQL-speaking server without multi-statement requests (Vitess, say) would refuse
		// every round: its writes go out one statement each.
		_ = conns.Close()
		if err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("mysql: probe %s: %w", cfg.Addr, err)
		}
		slog.Info("the database runs no multi-statement requests: writes go out one statement each, without rounds", "addr", cfg.Addr)
		return db, nil
	}
	db.roundConns = conns
	db.startRounds(mysqlRounds(conns), conns)
	return db, nil
}

// acceptsMultiStatements reports whether the server runs a multi-statement request: false when
// it refuses one, an error when it could not be asked (unreachable, or refusing the connection
// itself: a passing "too many connections" must not turn rounds off for the process's life).
func acceptsMultiStatements(ctx context.Context, conns *sql.DB) (bool, error) {
	_, err := conns.ExecContext(ctx, "DO 1; DO 1")
	var refused *mysql.MySQLError
	if errors.As(err, &refused) && !connectionRefusals[refused.Number] {
		return false, nil
	}
	return err == nil, err
}

// connectionRefusals are the MySQL errors that refuse a connection rather than a statement:
// too many connections (1040, 1203, 1226), access denied (1044, 1045, 1698), an unknown
// database (1049) and a blocked or unknown host (1129, 1130).
var connectionRefusals = map[uint16]bool{1040: true, 1044: true, 1045: true, 1049: true, 1129: true, 1130: true,
	1203: true, 1226: true, 1698: true}

// roundDialect is the database's dialect for the rounds' bun.DB: a round connection runs no
// queries, so the dialect is not initialised through it (initialising probes the server with a
// query), and INSERTs read nothing back (INSERT ... RETURNING, of MariaDB and SQLite, is a
// query; the batched inserts use nothing it returns).
type roundDialect struct{ schema.Dialect }

func (roundDialect) Init(*sql.DB) {}

func (d roundDialect) Features() feature.Feature {
	return d.Dialect.Features().Remove(feature.InsertReturning)
}

// isolationVariable is the session variable holding the isolation level: tx_isolation on
// MariaDB (which has no transaction_isolation before 11.1), transaction_isolation on MySQL.
func isolationVariable(ctx context.Context, cfg *mysql.Config) (string, error) {
	probe, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return "", fmt.Errorf("mysql: open: %w", err)
	}
	defer probe.Close()
	var version string
	if err := probe.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return "", fmt.Errorf("mysql: ping %s: %w", cfg.Addr, err)
	}
	if strings.Contains(strings.ToLower(version), "mariadb") {
		return "tx_isolation", nil
	}
	return "transaction_isolation", nil
}

func mysqlConfigFromURL(raw string) (*mysql.Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	cfg := mysql.NewConfig()
	cfg.Net = "tcp"
	cfg.Addr = u.Host
	if u.Port() == "" {
		cfg.Addr = net.JoinHostPort(u.Hostname(), "3306")
	}
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	if cfg.DBName == "" {
		return nil, errors.New("database url: mysql needs a database name in the path")
	}
	for k, v := range u.Query() {
		if cfg.Params == nil {
			cfg.Params = map[string]string{}
		}
		cfg.Params[k] = v[0]
	}
	return cfg, nil
}

// redactURL hides a password in a database URL for error messages and logs.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// RedactURL is redactURL for callers outside the package (configuration logging).
func RedactURL(raw string) string { return redactURL(raw) }

// Migrator returns bun's migrator over this dialect's embedded migrations.
func (db *DB) Migrator() (*migrate.Migrator, error) {
	files, err := migrations.For(db.Dialect)
	if err != nil {
		return nil, err
	}
	set := migrate.NewMigrations()
	if err := set.Discover(files); err != nil {
		return nil, fmt.Errorf("discover migrations: %w", err)
	}
	return migrate.NewMigrator(db.DB, set, migrate.WithMarkAppliedOnSuccess(true)), nil
}

// MigrateUp applies every pending migration and returns how many ran.
func (db *DB) MigrateUp(ctx context.Context) (int, error) {
	return db.migrateLocked(ctx, "migrate up", (*migrate.Migrator).Migrate)
}

// MigrateDown rolls back the last applied group of migrations and returns how many it undid.
func (db *DB) MigrateDown(ctx context.Context) (int, error) {
	return db.migrateLocked(ctx, "migrate down", (*migrate.Migrator).Rollback)
}

// migrateLocked runs one step of the migrator under its lock, so that instances starting
// together do not apply the same migration twice, and returns how many migrations it moved.
func (db *DB) migrateLocked(ctx context.Context, what string,
	step func(*migrate.Migrator, context.Context, ...migrate.MigrationOption) (*migrate.MigrationGroup, error)) (int, error) {
	m, err := db.Migrator()
	if err != nil {
		return 0, err
	}
	if err := m.Init(ctx); err != nil {
		return 0, fmt.Errorf("init migrations: %w", err)
	}
	if err := m.Lock(ctx); err != nil {
		return 0, fmt.Errorf("lock migrations: %w", err)
	}
	defer func() { _ = m.Unlock(ctx) }()
	group, err := step(m, ctx)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return len(group.Migrations), nil
}

// MigrationStatus lists every migration with whether it is applied.
func (db *DB) MigrationStatus(ctx context.Context) (migrate.MigrationSlice, error) {
	m, err := db.Migrator()
	if err != nil {
		return nil, err
	}
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("init migrations: %w", err)
	}
	return m.MigrationsWithStatus(ctx)
}

// MigrationIDs lists the migration names of a dialect, for the test that keeps dialects in step.
func MigrationIDs(dialect string) ([]string, error) {
	files, err := migrations.For(dialect)
	if err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		ids = append(ids, e.Name())
	}
	return ids, nil
}

// storedJSON encodes v for a JSON text column as it is, without encoding/json's escaping of
// <, > and & for HTML (six bytes each), which would let text within the API's limits (enum
// options, templates) outgrow a MySQL TEXT column.
func storedJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
