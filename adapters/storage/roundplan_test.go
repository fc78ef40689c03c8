package storage

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/uptrace/bun"
)

func unitOf(statements ...statement) *roundStatement { return &roundStatement{queries: statements} }

func row(head, values string) statement { return statement{sql: head + values, rowAt: len(head)} }

// A merged insert goes where the first of its units stood; every unit's statements keep their
// order, and a shape met once is sent as it is.
func TestPlanRoundKeepsEachUnitsOrder(t *testing.T) {
	const a, b = "INSERT INTO a (x) VALUES ", "INSERT INTO b (y) VALUES "
	plan := planRound([]*roundStatement{
		unitOf(statement{sql: "UPDATE c SET z = 1"}),
		unitOf(row(a, "(1)"), row(b, "(2)")),
		unitOf(row(b, "(3)")),
		unitOf(row(a, "(4)"), row(b, "(5)")),
		unitOf(row(a, "(6)"), statement{sql: "UPDATE c SET z = 2"}),
	})
	want := []string{"UPDATE c SET z = 1", a + "(1), (4)", b + "(2), (5)", b + "(3)", a + "(6)", "UPDATE c SET z = 2"}
	if !slices.Equal(plan.statements, want) {
		t.Fatalf("statements %q, want %q", plan.statements, want)
	}
	wantAt := [][]int{{0}, {1, 2}, {3}, {1, 2}, {4, 5}}
	for i := range wantAt {
		if !slices.Equal(plan.at[i], wantAt[i]) {
			t.Errorf("unit %d sent at %v, want %v", i, plan.at[i], wantAt[i])
		}
	}
	affected, _, err := plan.answer(3, []int64{1, 2, 2, 1, 1, 1}, make([]int64, 6))
	if err != nil || !slices.Equal(affected, []int64{1, 1}) {
		t.Fatalf("a merged unit's answer: %v, %v; want a row each", affected, err)
	}
	if _, _, err := plan.answer(1, []int64{1, 1, 2, 1, 1, 1}, make([]int64, 6)); err == nil {
		t.Fatal("a merged insert of 2 rows that answered 1 was taken for each unit's row")
	}
}

type plainRow struct {
	bun.BaseModel `bun:"table:plain_rows"`
	ID            string `bun:"id,pk"`
	Note          string `bun:"note"`
}

type serialRow struct {
	bun.BaseModel `bun:"table:serial_rows"`
	ID            int64  `bun:"id,pk,autoincrement"`
	Note          string `bun:"note"`
}

// Only an insert whose row has no generated key is marked for merging: a merged insert answers
// one insert id for all its rows.
func TestInsertValuesMarksRowsWithoutGeneratedKeys(t *testing.T) {
	db, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	plain := db.insertValues(&plainRow{ID: "a", Note: "it's"})
	if want := `INSERT INTO "plain_rows" ("id", "note") VALUES `; plain.rowAt != len(want) || plain.sql[:plain.rowAt] != want || plain.sql[plain.rowAt:] != `('a', 'it''s')` {
		t.Fatalf("insert %q marked at %d", plain.sql, plain.rowAt)
	}
	if serial := db.insertValues(&serialRow{Note: "b"}); serial.rowAt != 0 {
		t.Fatalf("an insert into a table with an auto-increment key was marked for merging: %q", serial.sql)
	}
}
