package storage_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
)

// MySQL transactions read committed data: a row committed by another connection during a
// transaction is visible to that transaction's next read (REPEATABLE READ would hide it).
func TestMySQLTransactionsReadCommitted(t *testing.T) {
	db := storagetest.New(t, "mysql")
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE TABLE isolation_probe (id INT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	count := func(tx bun.Tx) int {
		var n int
		if err := tx.NewRaw("SELECT COUNT(*) FROM isolation_probe").Scan(ctx, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Transactions start with the driver's defaults, as DB.Run starts them.
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if n := count(tx); n != 0 {
			t.Fatalf("count = %d before the insert", n)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO isolation_probe VALUES (1)"); err != nil {
			return err
		}
		if n := count(tx); n != 1 {
			t.Errorf("the transaction does not see a row committed meanwhile (count %d): not READ COMMITTED", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
