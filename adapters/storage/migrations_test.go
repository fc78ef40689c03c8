package storage_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
)

func TestMigrationSetsHoldTheSameIDs(t *testing.T) {
	mysqlIDs, err := storage.MigrationIDs("mysql")
	if err != nil {
		t.Fatal(err)
	}
	sqliteIDs, err := storage.MigrationIDs("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	if len(mysqlIDs) == 0 || !slices.Equal(mysqlIDs, sqliteIDs) {
		t.Fatalf("migration files differ:\nmysql:  %v\nsqlite: %v", mysqlIDs, sqliteIDs)
	}
	for _, id := range mysqlIDs {
		if !strings.HasSuffix(id, ".up.sql") && !strings.HasSuffix(id, ".down.sql") {
			t.Errorf("%s is neither an up nor a down migration", id)
		}
	}
}

// Every text column compares bytewise (a _bin collation), whatever the database's default:
// identifiers, emails and phone numbers are unique as stored, and the read rounds' merged
// lookups hand out rows by comparing keys byte for byte (see DB.lookup).
func TestMySQLTextColumnsCompareBytewise(t *testing.T) {
	db := storagetest.NewMySQL(t)
	rows, err := db.QueryContext(context.Background(), "SELECT table_name, column_name, collation_name FROM information_schema.columns "+
		"WHERE table_schema = DATABASE() AND collation_name IS NOT NULL AND collation_name NOT LIKE '%\\_bin' "+
		"AND table_name NOT LIKE 'bun\\_%'") // bun's own bookkeeping of migrations
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, column, collation string
		if err := rows.Scan(&table, &column, &collation); err != nil {
			t.Fatal(err)
		}
		t.Errorf("%s.%s compares as %s", table, column, collation)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestMigrationsApplyUpAndDown(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		status, err := db.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(status.Unapplied()) != 0 {
			t.Fatalf("fresh database has unapplied migrations: %v", status.Unapplied())
		}
		n, err := db.MigrateDown(ctx)
		if err != nil || n == 0 {
			t.Fatalf("down: %d, %v", n, err)
		}
		if exists, _ := tableExists(ctx, db, "users"); exists {
			t.Fatal("users table survived the down migration")
		}
		n, err = db.MigrateUp(ctx)
		if err != nil || n == 0 {
			t.Fatalf("up again: %d, %v", n, err)
		}
		if exists, err := tableExists(ctx, db, "users"); !exists || err != nil {
			t.Fatalf("users table missing after up: %v", err)
		}
	})
}

func tableExists(ctx context.Context, db *storage.DB, table string) (bool, error) {
	_, err := db.ExecContext(ctx, "SELECT 1 FROM "+table+" WHERE 1 = 0")
	return err == nil, nil
}
