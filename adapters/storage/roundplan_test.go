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

// Each unit's statements keep their order: those before its tail of inserts in place, the
// tails at the end of the round, one insert per table.
func TestPlanRoundKeepsEachUnitsOrder(t *testing.T) {
	const a, b = "INSERT INTO a (x) ", "INSERT INTO b (y) "
	plan := planRound([]*roundStatement{
		unitOf(statement{sql: "UPDATE c SET z = 1"}),
		unitOf(row(a, "VALUES (1)"), row(b, "VALUES (2)")),
		unitOf(row(b, "VALUES (3)")),
		unitOf(row(a, "VALUES (4)"), row(b, "VALUES (5)")),
		unitOf(row(a, "VALUES (6)"), statement{sql: "UPDATE c SET z = 2"}),
		unitOf(row(a, "VALUES (7)"), statement{sql: "UPDATE c SET z = 3"}, row(b, "VALUES (8)")),
		unitOf(row(a, "VALUES (9)"), statement{sql: "UPDATE c SET z = 4"}, row(b, "VALUES (10)")),
	})
	want := []string{"UPDATE c SET z = 1", a + "VALUES (6)", "UPDATE c SET z = 2", a + "VALUES (7)", "UPDATE c SET z = 3",
		a + "VALUES (9)", "UPDATE c SET z = 4", a + "VALUES (1), (4)", b + "VALUES (2), (3), (5), (8), (10)"}
	if !slices.Equal(plan.statements, want) {
		t.Fatalf("statements %q, want %q", plan.statements, want)
	}
	wantAt := [][]int{{0}, {7, 8}, {8}, {7, 8}, {1, 2}, {3, 4, 8}, {5, 6, 8}}
	for i := range wantAt {
		if !slices.Equal(plan.at[i], wantAt[i]) {
			t.Errorf("unit %d sent at %v, want %v", i, plan.at[i], wantAt[i])
		}
	}
	affected, _, err := plan.answer(3, []int64{1, 1, 1, 1, 1, 1, 1, 2, 5}, make([]int64, 9))
	if err != nil || !slices.Equal(affected, []int64{1, 1}) {
		t.Fatalf("a merged unit's answer: %v, %v; want a row each", affected, err)
	}
	if _, _, err := plan.answer(1, []int64{1, 1, 1, 1, 1, 1, 1, 1, 5}, make([]int64, 9)); err == nil {
		t.Fatal("a merged insert of 2 rows that answered 1 was taken for each unit's row")
	}
}

// Tails that order two tables differently are not merged: every statement is sent in place.
func TestPlanRoundMergesNothingAgainstATailsOrder(t *testing.T) {
	const a, b = "INSERT INTO a (x) ", "INSERT INTO b (y) "
	plan := planRound([]*roundStatement{
		unitOf(row(a, "VALUES (1)"), row(b, "VALUES (2)")),
		unitOf(row(b, "VALUES (3)"), row(a, "VALUES (4)")),
	})
	want := []string{a + "VALUES (1)", b + "VALUES (2)", b + "VALUES (3)", a + "VALUES (4)"}
	if !slices.Equal(plan.statements, want) {
		t.Fatalf("statements %q, want %q", plan.statements, want)
	}
}

// Selected rows that follow an earlier statement of their unit merge by UNION ALL with the
// other rows into their table, values included, and each unit's row counts as its guard changed
// a row or not.
func TestPlanRoundMergesSelectedRowsAfterTheirGuards(t *testing.T) {
	const log = "INSERT INTO log (id) "
	guarded := func(id string) *roundStatement {
		return unitOf(statement{sql: "UPDATE g SET n = 1 WHERE id = " + id},
			row(log, "SELECT "+id+" FROM g WHERE id = "+id+" AND n = 1").following(0))
	}
	plan := planRound([]*roundStatement{guarded("1"), guarded("2"), unitOf(row(log, "VALUES (7)")), unitOf(row(log, "SELECT 9 FROM g"))})
	want := []string{"UPDATE g SET n = 1 WHERE id = 1", "UPDATE g SET n = 1 WHERE id = 2",
		log + "SELECT 9 FROM g", // a selected row without a guard is sent as it is
		log + "SELECT 1 FROM g WHERE id = 1 AND n = 1 UNION ALL SELECT 2 FROM g WHERE id = 2 AND n = 1 UNION ALL SELECT 7"}
	if !slices.Equal(plan.statements, want) {
		t.Fatalf("statements %q, want %q", plan.statements, want)
	}
	for i, wantAffected := range [][]int64{{2, 1}, {0, 0}, {1}} {
		affected, _, err := plan.answer(i, []int64{2, 0, 1, 2}, make([]int64, 4))
		if err != nil || !slices.Equal(affected, wantAffected) {
			t.Fatalf("unit %d answered %v, %v; want %v", i, affected, err, wantAffected)
		}
	}
	if _, _, err := plan.answer(0, []int64{2, 0, 1, 3}, make([]int64, 4)); err == nil {
		t.Fatal("a merged insert that inserted a row whose guard changed none was taken as answered")
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
	if want := `INSERT INTO "plain_rows" ("id", "note") `; plain.rowAt != len(want) || plain.sql[:plain.rowAt] != want || plain.sql[plain.rowAt:] != `VALUES ('a', 'it''s')` {
		t.Fatalf("insert %q marked at %d", plain.sql, plain.rowAt)
	}
	if serial := db.insertValues(&serialRow{Note: "b"}); serial.rowAt != 0 {
		t.Fatalf("an insert into a table with an auto-increment key was marked for merging: %q", serial.sql)
	}
	selected := db.insertFrom(&plainRow{ID: "b"}, "plain_rows WHERE id = ?", "a")
	if want := `SELECT 'b', '' FROM plain_rows WHERE id = 'a'`; selected.sql[selected.rowAt:] != want {
		t.Fatalf("selected insert %q marked at %d, want its row %q", selected.sql, selected.rowAt, want)
	}
}
