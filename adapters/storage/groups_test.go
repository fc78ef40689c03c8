package storage_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// insertUser writes a bare user row. The users API is built elsewhere; the group stores only
// need the row to exist.
func insertUser(t testing.TB, db *storage.DB, poolID, id, name string) {
	t.Helper()
	_, err := db.NewRaw(`INSERT INTO users (id, pool_id, user_name, email, phone_number, status, source, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, poolID, name, name+"@example.com", nil, string(domain.UserEnabled), domain.SourceAdmin, testTime, testTime).Exec(context.Background())
	if err != nil {
		t.Fatalf("insert user %s: %v", id, err)
	}
}

// countRows counts rows of table matching where.
func countRows(t testing.TB, db *storage.DB, table, where string, args ...any) int {
	t.Helper()
	n, err := db.NewSelect().TableExpr(table).Where(where, args...).Count(context.Background())
	if err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return int(n)
}

func newGroup(id, poolID, name string, at time.Time) *domain.Group {
	return &domain.Group{ID: id, PoolID: poolID, Name: name, Description: "about " + name, CreatedAt: at, UpdatedAt: at}
}

func memberIDs(l domain.List[domain.User]) []string {
	var ids []string
	for _, u := range l.Items {
		ids = append(ids, u.ID)
	}
	return ids
}

func TestGroupStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewStores(db)
		for _, p := range []*domain.Pool{newPool("p1", "One"), newPool("p2", "Two")} {
			if err := s.Pools.Create(ctx, p); err != nil {
				t.Fatal(err)
			}
		}

		for i := 1; i <= 3; i++ {
			if err := s.Groups.Create(ctx, newGroup(fmt.Sprintf("g%d", i), "p1", fmt.Sprintf("G%d", i), testTime.Add(time.Duration(i)*time.Second))); err != nil {
				t.Fatal(err)
			}
		}
		err := s.Groups.Create(ctx, newGroup("gx", "p1", "G1", testTime))
		if e, ok := domain.AsError(err); !ok || e.Kind != domain.KindConflict || e.Code != "duplicate" ||
			len(e.Details) != 1 || e.Details[0].Field != "name" {
			t.Fatalf("duplicate name in a pool: %#v", err)
		}
		if err := s.Groups.Create(ctx, newGroup("q1", "p2", "G1", testTime)); err != nil {
			t.Fatalf("the same name in another pool is allowed: %v", err)
		}
		if err := s.Groups.Create(ctx, newGroup("gy", "nope", "G9", testTime)); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("group of a missing pool: %v", err)
		}

		got, err := s.Groups.Get(ctx, "p1", "g1")
		if err != nil || got.Name != "G1" || got.Description != "about G1" || got.PoolID != "p1" || got.MemberCount != 0 ||
			!got.CreatedAt.Equal(testTime.Add(time.Second)) {
			t.Fatalf("get: %+v %v", got, err)
		}
		if _, err := s.Groups.Get(ctx, "p2", "g1"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("another pool's group must be not found: %v", err)
		}

		// Members and counts.
		for _, u := range []string{"u1", "u2", "u3"} {
			insertUser(t, db, "p1", u, u)
		}
		insertUser(t, db, "p2", "v1", "v1")
		if err := s.Members.Add(ctx, "p1", "g1", []string{"u2", "u1", "u2"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Members.Add(ctx, "p1", "g1", []string{"u1", "u3"}); err != nil {
			t.Fatalf("adding an existing member again is idempotent: %v", err)
		}
		if err := s.Members.Add(ctx, "p1", "g2", []string{"u1"}); err != nil {
			t.Fatal(err)
		}

		list, err := s.Groups.List(ctx, "p1", domain.Page{Number: 1, Size: 2})
		if err != nil || list.Total != 3 || len(list.Items) != 2 || list.Items[0].ID != "g1" || list.Items[1].ID != "g2" {
			t.Fatalf("list page 1: %+v %v", list, err)
		}
		if list.Items[0].MemberCount != 3 || list.Items[1].MemberCount != 1 {
			t.Fatalf("member counts = %d, %d; want 3, 1", list.Items[0].MemberCount, list.Items[1].MemberCount)
		}
		list, err = s.Groups.List(ctx, "p1", domain.Page{Number: 2, Size: 2})
		if err != nil || list.Total != 3 || len(list.Items) != 1 || list.Items[0].ID != "g3" || list.Items[0].MemberCount != 0 {
			t.Fatalf("list page 2: %+v %v", list, err)
		}
		if list, _ := s.Groups.List(ctx, "p2", domain.Page{Number: 1, Size: 20}); list.Total != 1 || list.Items[0].ID != "q1" {
			t.Fatalf("pool 2 sees only its own groups: %+v", list)
		}

		// Update.
		if _, err := s.Groups.Update(ctx, "p1", "g1", func(g *domain.Group) error { g.Name = "G2"; return nil }); domain.KindOf(err) != domain.KindConflict {
			t.Fatalf("rename onto an existing name: %v", err)
		}
		boom := errors.New("boom")
		if _, err := s.Groups.Update(ctx, "p1", "g1", func(g *domain.Group) error { g.Name = "X"; return boom }); !errors.Is(err, boom) {
			t.Fatalf("fn error not returned: %v", err)
		}
		if _, err := s.Groups.Update(ctx, "p2", "g1", func(g *domain.Group) error { return nil }); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("update of another pool's group: %v", err)
		}
		if g, _ := s.Groups.Get(ctx, "p1", "g1"); g.Name != "G1" {
			t.Fatalf("failed updates wrote %q", g.Name)
		}
		later := testTime.Add(time.Hour)
		up, err := s.Groups.Update(ctx, "p1", "g1", func(g *domain.Group) error {
			g.Name, g.Description, g.UpdatedAt = "Gold", "", later
			g.PoolID, g.ID = "p2", "hijack" // ignored: a group cannot move
			return nil
		})
		if err != nil || up.Name != "Gold" || up.Description != "" || up.MemberCount != 3 || up.ID != "g1" || up.PoolID != "p1" {
			t.Fatalf("update: %+v %v", up, err)
		}
		if g, _ := s.Groups.Get(ctx, "p1", "g1"); g.Name != "Gold" || !g.UpdatedAt.Equal(later) || !g.CreatedAt.Equal(testTime.Add(time.Second)) {
			t.Fatalf("stored after update: %+v", g)
		}

		// Batch delete is all or nothing.
		for _, ids := range [][]string{{"g2", "missing"}, {"g2", "q1"}} {
			if err := s.Groups.Delete(ctx, "p1", ids); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("delete %v: %v", ids, err)
			}
			if l, _ := s.Groups.List(ctx, "p1", domain.Page{Number: 1, Size: 20}); l.Total != 3 {
				t.Fatalf("failed batch delete %v removed groups: %d left", ids, l.Total)
			}
		}
		if err := s.Groups.Delete(ctx, "p1", []string{"g1", "g2", "g1"}); err != nil {
			t.Fatalf("delete with a repeated id: %v", err)
		}
		if n := countRows(t, db, "user_group_members", "group_id IN (?, ?)", "g1", "g2"); n != 0 {
			t.Fatalf("%d memberships outlived their groups", n)
		}
		if l, _ := s.Groups.List(ctx, "p1", domain.Page{Number: 1, Size: 20}); l.Total != 1 || l.Items[0].ID != "g3" {
			t.Fatalf("after delete: %+v", l)
		}
		if err := s.Groups.Delete(ctx, "p1", []string{"g1"}); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})
}

func TestGroupMembers(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewStores(db)
		for _, p := range []*domain.Pool{newPool("p1", "One"), newPool("p2", "Two")} {
			if err := s.Pools.Create(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		for _, g := range []*domain.Group{newGroup("g1", "p1", "A", testTime), newGroup("g2", "p1", "B", testTime), newGroup("q1", "p2", "A", testTime)} {
			if err := s.Groups.Create(ctx, g); err != nil {
				t.Fatal(err)
			}
		}
		// Ids sort in creation order, like the UUIDv7 ids the server makes.
		for i := 1; i <= 5; i++ {
			insertUser(t, db, "p1", fmt.Sprintf("u%d", i), fmt.Sprintf("user%d", i))
		}
		insertUser(t, db, "p2", "v1", "other")
		all := domain.Page{Number: 1, Size: 100}

		// Any user outside the pool fails the whole add, whichever position it has.
		for _, ids := range [][]string{{"v1"}, {"u1", "v1"}, {"u1", "missing", "u2"}} {
			if err := s.Members.Add(ctx, "p1", "g1", ids); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("add %v: %v", ids, err)
			} else if e, _ := domain.AsError(err); e.Description != "user not found" {
				t.Fatalf("the answer names no id: %q", e.Description)
			}
		}
		if n := countRows(t, db, "user_group_members", "1 = 1"); n != 0 {
			t.Fatalf("failed adds left %d memberships", n)
		}
		// Another pool's group, even with users of that pool.
		if err := s.Members.Add(ctx, "p1", "q1", []string{"u1"}); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("add to another pool's group: %v", err)
		}
		if err := s.Members.Add(ctx, "p2", "g1", []string{"v1"}); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("add through another pool: %v", err)
		}
		if err := s.Members.Add(ctx, "p1", "missing", []string{"u1"}); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("add to a missing group: %v", err)
		}

		if err := s.Members.Add(ctx, "p1", "g1", []string{"u4", "u2", "u1", "u5"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Members.Add(ctx, "p1", "g2", []string{"u1"}); err != nil {
			t.Fatal(err)
		}
		l, err := s.Members.List(ctx, "p1", "g1", domain.Page{Number: 1, Size: 3})
		if err != nil || l.Total != 4 || !slices.Equal(memberIDs(l), []string{"u1", "u2", "u4"}) {
			t.Fatalf("members page 1: %v %+v %v", memberIDs(l), l, err)
		}
		u := l.Items[0]
		if u.UserName != "user1" || u.Email != "user1@example.com" || u.PhoneNumber != "" || u.Status != domain.UserEnabled || u.PoolID != "p1" {
			t.Fatalf("member fields: %+v", u)
		}
		if l, _ := s.Members.List(ctx, "p1", "g1", domain.Page{Number: 2, Size: 3}); l.Total != 4 || !slices.Equal(memberIDs(l), []string{"u5"}) {
			t.Fatalf("members page 2: %v", memberIDs(l))
		}
		if _, err := s.Members.List(ctx, "p2", "g1", all); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("members of another pool's group: %v", err)
		}
		if l, err := s.Members.List(ctx, "p1", "g2", all); err != nil || !slices.Equal(memberIDs(l), []string{"u1"}) {
			t.Fatalf("members of g2: %v %v", memberIDs(l), err)
		}

		// An add that fails inside an outer transaction leaves nothing behind.
		err = db.Run(ctx, func(ctx context.Context) error {
			if err := s.Members.Add(ctx, "p1", "g2", []string{"u3"}); err != nil {
				return err
			}
			return errors.New("boom")
		})
		if err == nil || countRows(t, db, "user_group_members", "group_id = ? AND user_id = ?", "g2", "u3") != 0 {
			t.Fatalf("rolled-back add persisted (err %v)", err)
		}

		// Remove: non-members and unknown ids are ignored; the group must be in the pool.
		if err := s.Members.Remove(ctx, "p1", "g1", []string{"u2", "u3", "missing", "v1"}); err != nil {
			t.Fatal(err)
		}
		if l, _ := s.Members.List(ctx, "p1", "g1", all); !slices.Equal(memberIDs(l), []string{"u1", "u4", "u5"}) {
			t.Fatalf("after remove: %v", memberIDs(l))
		}
		if err := s.Members.Remove(ctx, "p2", "g1", []string{"u1"}); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("remove through another pool: %v", err)
		}
		if l, _ := s.Members.List(ctx, "p1", "g1", all); l.Total != 3 {
			t.Fatalf("remove through another pool changed members: %v", memberIDs(l))
		}
		if g, _ := s.Groups.Get(ctx, "p1", "g2"); g.MemberCount != 1 {
			t.Fatalf("removing from g1 touched g2: %+v", g)
		}

		// A deleted user leaves every group.
		if _, err := db.NewRaw("DELETE FROM users WHERE id = ?", "u1").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if g, _ := s.Groups.Get(ctx, "p1", "g1"); g.MemberCount != 2 {
			t.Fatalf("deleted user still counted: %+v", g)
		}

		// Deleting a pool removes its groups and memberships, and nothing of other pools.
		if err := s.Members.Add(ctx, "p2", "q1", []string{"v1"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Pools.Delete(ctx, "p1"); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db, "user_groups", "pool_id = ?", "p1"); n != 0 {
			t.Fatalf("%d groups outlived their pool", n)
		}
		if n := countRows(t, db, "user_group_members", "pool_id = ?", "p1"); n != 0 {
			t.Fatalf("%d memberships outlived their pool", n)
		}
		if g, err := s.Groups.Get(ctx, "p2", "q1"); err != nil || g.MemberCount != 1 {
			t.Fatalf("the other pool's group: %+v %v", g, err)
		}
	})
}

// TestGroupStoreConcurrency: simultaneous member changes of one group neither fail nor lose
// rows, and simultaneous creates of one name leave exactly one group.
func TestGroupStoreConcurrency(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "p1")
		if err := s.Groups.Create(ctx, newGroup("g1", "p1", "A", testTime)); err != nil {
			t.Fatal(err)
		}
		const users = 20
		for i := range users {
			insertUser(t, db, "p1", fmt.Sprintf("u%02d", i), fmt.Sprintf("user%02d", i))
		}
		const workers = 8
		errs := make(chan error, 2*workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(2)
			go func() {
				defer wg.Done()
				// Overlapping windows of users, so workers race on the same memberships.
				var ids []string
				for i := w; i < w+10; i++ {
					ids = append(ids, fmt.Sprintf("u%02d", i%users))
				}
				errs <- s.Members.Add(ctx, "p1", "g1", ids)
			}()
			go func() {
				defer wg.Done()
				err := s.Groups.Create(ctx, newGroup(fmt.Sprintf("dup%d", w), "p1", "Same", testTime))
				if err != nil && domain.KindOf(err) != domain.KindConflict {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent change failed: %v", err)
			}
		}
		if g, _ := s.Groups.Get(ctx, "p1", "g1"); g.MemberCount != min(users, workers-1+10) {
			t.Fatalf("member count = %d, want %d", g.MemberCount, min(users, workers-1+10))
		}
		if n := countRows(t, db, "user_groups", "pool_id = ? AND name = ?", "p1", "Same"); n != 1 {
			t.Fatalf("%d groups named Same, want 1", n)
		}
	})
}
