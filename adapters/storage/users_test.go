package storage_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

func newUser(pool, id, name string, at time.Time) *domain.User {
	u := &domain.User{ID: id, PoolID: pool, UserName: name, Email: name + "@example.com", PasswordHash: "h",
		Source: domain.SourceAdmin, Attributes: map[string]any{}, CreatedAt: at, UpdatedAt: at}
	u.RefreshStatus()
	return u
}

// insertGroup writes a group row directly: the groups store is another feature's.
func insertGroup(t *testing.T, db *storage.DB, pool, id, name string) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(),
		"INSERT INTO user_groups (id, pool_id, name, description, created_at, updated_at) VALUES (?, ?, ?, '', ?, ?)",
		id, pool, name, testTime, testTime); err != nil {
		t.Fatal(err)
	}
}

func TestUserStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "pa", "pb")
		insertGroup(t, db, "pa", "ga", "A")
		insertGroup(t, db, "pa", "ga2", "A2")
		insertGroup(t, db, "pb", "gb", "B")

		u1 := newUser("pa", "u1", "alice", testTime)
		u1.PhoneNumber = "+8613812345678"
		u1.Attributes = map[string]any{"nickname": "Ally", "level": 3.0, "vip": true}
		u1.GroupIDs = []string{"ga"}
		if err := s.Users.Create(ctx, u1); err != nil {
			t.Fatal(err)
		}
		got, err := s.Users.Get(ctx, "pa", "u1")
		if err != nil {
			t.Fatal(err)
		}
		if got.UserName != "alice" || got.PhoneNumber != "+8613812345678" || got.Status != domain.UserDisabled ||
			got.Attributes["nickname"] != "Ally" || got.Attributes["level"] != 3.0 || got.Attributes["vip"] != true ||
			!slices.Equal(got.GroupIDs, []string{"ga"}) || !got.CreatedAt.Equal(testTime) {
			t.Fatalf("round trip: %+v", got)
		}
		if _, err := s.Users.Get(ctx, "pb", "u1"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("another pool's user: %v", err)
		}

		// Duplicates name the field; a failed create leaves nothing behind.
		for field, edit := range map[string]func(u *domain.User){
			"user_name":    func(u *domain.User) { u.UserName = "alice" },
			"email":        func(u *domain.User) { u.Email = "alice@example.com" },
			"phone_number": func(u *domain.User) { u.PhoneNumber = "+8613812345678" },
		} {
			u := newUser("pa", "dup", "bob", testTime)
			u.Attributes = map[string]any{"nickname": "B"}
			edit(u)
			err := s.Users.Create(ctx, u)
			if e, ok := domain.AsError(err); !ok || e.Kind != domain.KindConflict || len(e.Details) != 1 || e.Details[0].Field != field {
				t.Fatalf("duplicate %s: %v", field, err)
			}
		}
		if _, err := s.Users.Get(ctx, "pa", "dup"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatal("failed create left a user")
		}
		// The same username in another pool is fine; a group of another pool is refused.
		other := newUser("pb", "u9", "alice", testTime)
		other.GroupIDs = []string{"ga"}
		err = s.Users.Create(ctx, other)
		if e, ok := domain.AsError(err); !ok || e.Kind != domain.KindInvalid || e.Details[0].Field != "group_ids" {
			t.Fatalf("foreign group: %v", err)
		}
		if _, err := s.Users.Get(ctx, "pb", "u9"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatal("create with a bad group left a user")
		}
		other.GroupIDs = []string{"gb"}
		if err := s.Users.Create(ctx, other); err != nil {
			t.Fatal(err)
		}

		for key, value := range map[ports.UserKey]string{ports.ByUserName: "alice", ports.ByEmail: "alice@example.com", ports.ByPhone: "+8613812345678"} {
			u, err := s.Users.FindBy(ctx, "pa", key, value)
			if err != nil || u.ID != "u1" || u.Attributes["nickname"] != "Ally" {
				t.Fatalf("find by %s: %+v %v", key, u, err)
			}
		}
		if _, err := s.Users.FindBy(ctx, "pa", ports.ByPhone, ""); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("find by empty phone: %v", err)
		}

		// List: newest first, search by prefixes (wildcards escaped), status and group filters.
		for i := 2; i <= 6; i++ {
			u := newUser("pa", fmt.Sprintf("u%d", i), fmt.Sprintf("user%d", i), testTime.Add(time.Duration(i)*time.Second))
			if i == 3 {
				u.UserName = "under_score"
				u.PhoneNumber = "+8613900000003"
				u.GroupIDs = []string{"ga", "ga2"}
			}
			if i == 4 {
				u.RecordLogin(testTime)
			}
			if err := s.Users.Create(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		ids := func(l domain.List[domain.User]) []string {
			var out []string
			for _, u := range l.Items {
				out = append(out, u.ID)
			}
			return out
		}
		page := domain.Page{Number: 1, Size: 20}
		cases := []struct {
			q    ports.UserQuery
			want []string
		}{
			{ports.UserQuery{}, []string{"u6", "u5", "u4", "u3", "u2", "u1"}},
			{ports.UserQuery{Search: "USER"}, []string{"u6", "u5", "u4", "u3", "u2"}},
			{ports.UserQuery{Search: "under_"}, []string{"u3"}},
			{ports.UserQuery{Search: "user_"}, nil},
			{ports.UserQuery{Search: "u%"}, nil},
			{ports.UserQuery{Search: "alice@ex"}, []string{"u1"}},
			{ports.UserQuery{Search: "139"}, []string{"u3"}},
			{ports.UserQuery{Search: "+86138"}, []string{"u1"}},
			{ports.UserQuery{Status: domain.UserEnabled}, []string{"u4"}},
			{ports.UserQuery{GroupID: "ga"}, []string{"u3", "u1"}},
			{ports.UserQuery{GroupID: "ga2", Search: "under"}, []string{"u3"}},
			{ports.UserQuery{GroupID: "gb"}, nil},
		}
		for _, c := range cases {
			c.q.Page = page
			l, err := s.Users.List(ctx, "pa", c.q)
			if err != nil || !slices.Equal(ids(l), c.want) || l.Total != len(c.want) {
				t.Fatalf("list %+v = %v (total %d), %v; want %v", c.q, ids(l), l.Total, err, c.want)
			}
		}
		l, err := s.Users.List(ctx, "pa", ports.UserQuery{Page: domain.Page{Number: 2, Size: 4}})
		if err != nil || l.Total != 6 || !slices.Equal(ids(l), []string{"u2", "u1"}) || l.Items[1].Attributes["nickname"] != "Ally" {
			t.Fatalf("page 2: %v %d %v", ids(l), l.Total, err)
		}

		// Update rewrites values and memberships; a failing fn writes nothing.
		boom := errors.New("boom")
		if _, err := s.Users.Update(ctx, "pa", "u1", func(u *domain.User) error { u.UserName = "zed"; return boom }); !errors.Is(err, boom) {
			t.Fatal(err)
		}
		up, err := s.Users.Update(ctx, "pa", "u1", func(u *domain.User) error {
			delete(u.Attributes, "vip")
			u.Attributes["level"] = 4.0
			u.Attributes["city"] = "Paris"
			u.GroupIDs = []string{"ga2"}
			u.PhoneNumber = ""
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _ = s.Users.Get(ctx, "pa", "u1")
		if got.UserName != "alice" || got.PhoneNumber != "" || len(got.Attributes) != 3 || got.Attributes["level"] != 4.0 ||
			got.Attributes["city"] != "Paris" || got.Attributes["nickname"] != "Ally" || !slices.Equal(got.GroupIDs, []string{"ga2"}) ||
			!slices.Equal(up.GroupIDs, got.GroupIDs) {
			t.Fatalf("after update: %+v", got)
		}
		if _, err := s.Users.Update(ctx, "pa", "u1", func(u *domain.User) error { u.Email = "user2@example.com"; return nil }); domain.KindOf(err) != domain.KindConflict {
			t.Fatalf("update onto a used email: %v", err)
		}
		if _, err := s.Users.Update(ctx, "pa", "u1", func(u *domain.User) error { u.GroupIDs = []string{"gb"}; return nil }); domain.KindOf(err) != domain.KindInvalid {
			t.Fatalf("update into a foreign group: %v", err)
		}
		if got, _ := s.Users.Get(ctx, "pa", "u1"); !slices.Equal(got.GroupIDs, []string{"ga2"}) || got.Email != "alice@example.com" {
			t.Fatalf("failed updates changed the user: %+v", got)
		}
		if _, err := s.Users.Update(ctx, "pb", "u1", func(u *domain.User) error { return nil }); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("update through another pool: %v", err)
		}
		if inUse, _ := s.Attributes.InUse(ctx, "pa", "city"); !inUse {
			t.Fatal("city should be in use")
		}

		// Delete is all or nothing.
		if err := s.Users.Delete(ctx, "pa", []string{"u2", "u9"}); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("delete with a foreign id: %v", err)
		}
		if _, err := s.Users.Get(ctx, "pa", "u2"); err != nil {
			t.Fatal("partial delete happened")
		}
		if err := s.Users.Delete(ctx, "pa", []string{"u1", "u2", "u1"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Users.Get(ctx, "pa", "u1"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatal("u1 survived")
		}
		var n int
		if err := db.NewSelect().TableExpr("user_attribute_values").ColumnExpr("COUNT(*)").Where("user_id = ?", "u1").Scan(ctx, &n); err != nil || n != 0 {
			t.Fatalf("values of a deleted user: %d %v", n, err)
		}
		if err := db.NewSelect().TableExpr("user_group_members").ColumnExpr("COUNT(*)").Where("user_id = ?", "u1").Scan(ctx, &n); err != nil || n != 0 {
			t.Fatalf("memberships of a deleted user: %d %v", n, err)
		}
	})
}

// Get and FindBy read a user with every attribute value and every membership (in the order
// they were made), whichever of the two the user lacks.
func TestUserReadCarriesValuesAndGroups(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "pa")
		for _, g := range []string{"g1", "g2", "g3"} {
			insertGroup(t, db, "pa", g, g)
		}
		both := newUser("pa", "both", "both", testTime)
		both.Attributes = map[string]any{"city": "Paris", "level": 2.0}
		groupsOnly := newUser("pa", "groups", "groups", testTime)
		valuesOnly := newUser("pa", "values", "values", testTime)
		valuesOnly.Attributes = map[string]any{"vip": true}
		neither := newUser("pa", "neither", "neither", testTime)
		for _, u := range []*domain.User{both, groupsOnly, valuesOnly, neither} {
			if err := s.Users.Create(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		// Memberships made in the order g3, g1, g2 come back in that order.
		for _, g := range []string{"g3", "g1", "g2"} {
			if err := s.Members.Add(ctx, "pa", g, []string{"both", "groups"}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Millisecond)
		}
		want := map[string]struct {
			attrs  map[string]any
			groups []string
		}{
			"both":    {map[string]any{"city": "Paris", "level": 2.0}, []string{"g3", "g1", "g2"}},
			"groups":  {map[string]any{}, []string{"g3", "g1", "g2"}},
			"values":  {map[string]any{"vip": true}, []string{}},
			"neither": {map[string]any{}, []string{}},
		}
		for id, w := range want {
			byID, err := s.Users.Get(ctx, "pa", id)
			if err != nil {
				t.Fatal(err)
			}
			byName, err := s.Users.FindBy(ctx, "pa", ports.ByUserName, id)
			if err != nil {
				t.Fatal(err)
			}
			for _, got := range []*domain.User{byID, byName} {
				if got.ID != id || fmt.Sprint(got.Attributes) != fmt.Sprint(w.attrs) || !slices.Equal(got.GroupIDs, w.groups) {
					t.Errorf("%s: got attributes %v groups %v, want %v %v", id, got.Attributes, got.GroupIDs, w.attrs, w.groups)
				}
			}
		}
		if _, err := s.Users.Get(ctx, "pb", "both"); domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("another pool's user: err = %v, want not found", err)
		}
	})
}

// FindRow reads the users row alone, by any key, within the pool.
func TestUserFindRow(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "pa")
		insertGroup(t, db, "pa", "g1", "G")
		u := newUser("pa", "u1", "ally", testTime)
		u.PhoneNumber, u.Attributes, u.GroupIDs = "+8613612345678", map[string]any{"city": "Paris"}, []string{"g1"}
		if err := s.Users.Create(ctx, u); err != nil {
			t.Fatal(err)
		}
		for key, value := range map[ports.UserKey]string{ports.ByID: "u1", ports.ByUserName: "ally", ports.ByEmail: "ally@example.com", ports.ByPhone: "+8613612345678"} {
			got, err := s.Users.FindRow(ctx, "pa", key, value)
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			if got.ID != "u1" || got.UserName != "ally" || got.PhoneNumber != "+8613612345678" || got.Status != u.Status ||
				!got.CreatedAt.Equal(testTime) || len(got.Attributes) != 0 || got.GroupIDs != nil {
				t.Errorf("%s: %+v", key, got)
			}
			if _, err := s.Users.FindRow(ctx, "pb", key, value); domain.KindOf(err) != domain.KindNotFound {
				t.Errorf("%s in another pool: %v", key, err)
			}
		}
		if _, err := s.Users.FindRow(ctx, "pa", ports.ByPhone, ""); domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("empty value: %v", err)
		}
	})
}
