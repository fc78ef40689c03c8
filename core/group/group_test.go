package group_test

import (
	"context"
	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/internal/fake"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/group"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// fakeStore records what reached the stores; the service must refuse bad input before that.
type fakeStore struct {
	ports.PoolStore // only Get is used
	pools           map[string]bool
	groups          map[string]*domain.Group
	calls           []string
	lastIDs         []string
}

func (f *fakeStore) Get(_ context.Context, id string) (*domain.Pool, error) {
	if !f.pools[id] {
		return nil, domain.NotFound("pool")
	}
	return &domain.Pool{ID: id}, nil
}

type fakeGroups struct{ *fakeStore }

func (f fakeGroups) Create(_ context.Context, g *domain.Group) error {
	f.calls = append(f.calls, "create")
	f.groups[g.ID] = g
	return nil
}

func (f fakeGroups) Get(_ context.Context, poolID, id string) (*domain.Group, error) {
	f.calls = append(f.calls, "get")
	if g, ok := f.groups[id]; ok && g.PoolID == poolID {
		c := *g
		return &c, nil
	}
	return nil, domain.NotFound("group")
}

func (f fakeGroups) List(_ context.Context, poolID string, page domain.Page) (domain.List[domain.Group], error) {
	f.calls = append(f.calls, "list")
	return domain.List[domain.Group]{Page: page}, nil
}

func (f fakeGroups) Update(ctx context.Context, poolID, id string, fn func(*domain.Group) error) (*domain.Group, error) {
	f.calls = append(f.calls, "update")
	g, err := f.Get(ctx, poolID, id)
	if err != nil {
		return nil, err
	}
	if err := fn(g); err != nil {
		return nil, err
	}
	f.groups[id] = g
	return g, nil
}

func (f fakeGroups) Delete(_ context.Context, poolID string, ids []string) error {
	f.calls, f.lastIDs = append(f.calls, "delete"), ids
	return nil
}

type fakeMembers struct{ *fakeStore }

func (f fakeMembers) Add(_ context.Context, poolID, groupID string, ids []string) error {
	f.calls, f.lastIDs = append(f.calls, "add"), ids
	return nil
}

func (f fakeMembers) Remove(_ context.Context, poolID, groupID string, ids []string) error {
	f.calls, f.lastIDs = append(f.calls, "remove"), ids
	return nil
}

func (f fakeMembers) List(_ context.Context, poolID, groupID string, page domain.Page) (domain.List[domain.User], error) {
	f.calls = append(f.calls, "members")
	return domain.List[domain.User]{Page: page}, nil
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

type seqIDs struct{ n *int }

func (s seqIDs) NewID() string { *s.n++; return "id" + strings.Repeat("x", *s.n) }

var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func newService() (*group.Service, *fakeStore) {
	f := &fakeStore{pools: map[string]bool{"p1": true}, groups: map[string]*domain.Group{
		"g1": {ID: "g1", PoolID: "p1", Name: "VIP", Description: "old", CreatedAt: t0, UpdatedAt: t0},
	}}
	n := 0
	return &group.Service{Groups: fakeGroups{f}, Members: fakeMembers{f}, Pools: f, Attributes: &fake.Attributes{}, Apps: &fake.Apps{}, Locker: &fake.Pools{IDs: []string{"p1"}},
		Tx: fake.Tx{}, Clock: fixedClock{t0.Add(time.Hour)}, IDs: seqIDs{&n},
		Audit: audit.Recorder{Log: &fake.AuditLog{}, Clock: fixedClock{t0}, IDs: &fake.IDs{}}}, f
}

func ptr(s string) *string { return &s }

func TestServiceRefusesBeforeStoring(t *testing.T) {
	long := strings.Repeat("x", 129)
	tests := []struct {
		name   string
		run    func(s *group.Service) error
		kind   domain.Kind
		fields []string
	}{
		{"create without name", func(s *group.Service) error {
			_, err := s.Create(context.Background(), group.CreateRequest{PoolID: "p1", Description: long})
			return err
		}, domain.KindInvalid, []string{"name", "description"}},
		{"create in a missing pool", func(s *group.Service) error {
			_, err := s.Create(context.Background(), group.CreateRequest{PoolID: "nope", Name: "A"})
			return err
		}, domain.KindNotFound, nil},
		{"list of a missing pool", func(s *group.Service) error {
			_, err := s.List(context.Background(), "nope", domain.Page{})
			return err
		}, domain.KindNotFound, nil},
		{"list with a bad page", func(s *group.Service) error {
			_, err := s.List(context.Background(), "p1", domain.Page{Size: 101})
			return err
		}, domain.KindInvalid, []string{"page_size"}},
		{"edit with a blank name and a long description", func(s *group.Service) error {
			_, err := s.Update(context.Background(), group.UpdateRequest{PoolID: "p1", ID: "g1", Name: ptr(" "), Description: ptr(long)})
			return err
		}, domain.KindInvalid, []string{"name", "description"}},
		{"delete no groups", func(s *group.Service) error {
			return s.DeleteMany(context.Background(), group.DeleteManyRequest{PoolID: "p1"})
		}, domain.KindInvalid, []string{"group_ids"}},
		{"add 101 users", func(s *group.Service) error {
			return s.AddMembers(context.Background(), group.MembersRequest{PoolID: "p1", GroupID: "g1", UserIDs: make([]string, 101)})
		}, domain.KindInvalid, []string{"user_ids"}},
		{"remove no users", func(s *group.Service) error {
			return s.RemoveMembers(context.Background(), group.MembersRequest{PoolID: "p1", GroupID: "g1", UserIDs: []string{}})
		}, domain.KindInvalid, []string{"user_ids"}},
		{"members with a bad page", func(s *group.Service) error {
			_, err := s.ListMembers(context.Background(), "p1", "g1", domain.Page{Number: -1})
			return err
		}, domain.KindInvalid, []string{"page"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, f := newService()
			err := tt.run(s)
			e, ok := domain.AsError(err)
			if !ok || e.Kind != tt.kind {
				t.Fatalf("err = %v, want kind %v", err, tt.kind)
			}
			var fields []string
			for _, d := range e.Details {
				fields = append(fields, d.Field)
			}
			if !slices.Equal(fields, tt.fields) {
				t.Fatalf("fields = %v, want %v", fields, tt.fields)
			}
			if len(f.calls) != 0 {
				t.Fatalf("refused request reached the store: %v", f.calls)
			}
		})
	}
}

func TestServiceStores(t *testing.T) {
	ctx := context.Background()
	s, f := newService()

	g, err := s.Create(ctx, group.CreateRequest{PoolID: "p1", Name: " Staff ", Description: " d "})
	if err != nil || g.Name != "Staff" || g.Description != "d" || g.PoolID != "p1" || g.ID == "" ||
		!g.CreatedAt.Equal(t0.Add(time.Hour)) || !g.UpdatedAt.Equal(g.CreatedAt) {
		t.Fatalf("create: %+v %v", g, err)
	}

	f.calls = nil
	g, err = s.Update(ctx, group.UpdateRequest{PoolID: "p1", ID: "g1"})
	if err != nil || g.Name != "VIP" || !g.UpdatedAt.Equal(t0) || !slices.Equal(f.calls, []string{"get"}) {
		t.Fatalf("an edit naming no field must only read: %+v %v %v", g, err, f.calls)
	}
	g, err = s.Update(ctx, group.UpdateRequest{PoolID: "p1", ID: "g1", Description: ptr("  new ")})
	if err != nil || g.Name != "VIP" || g.Description != "new" || !g.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("edit description: %+v %v", g, err)
	}
	if _, err := s.Update(ctx, group.UpdateRequest{PoolID: "p2", ID: "g1", Name: ptr("X")}); domain.KindOf(err) != domain.KindNotFound {
		t.Fatalf("edit through another pool: %v", err)
	}

	f.groups["a"], f.groups["b"] = &domain.Group{ID: "a", PoolID: "p1"}, &domain.Group{ID: "b", PoolID: "p1"}
	if err := s.DeleteMany(ctx, group.DeleteManyRequest{PoolID: "p1", GroupIDs: []string{"a", " b", "a"}}); err != nil || !slices.Equal(f.lastIDs, []string{"a", "b"}) {
		t.Fatalf("delete many passes distinct trimmed ids: %v %v", f.lastIDs, err)
	}
	if err := s.Delete(ctx, "p1", "g1"); err != nil || !slices.Equal(f.lastIDs, []string{"g1"}) {
		t.Fatalf("delete one: %v %v", f.lastIDs, err)
	}
	if err := s.AddMembers(ctx, group.MembersRequest{PoolID: "p1", GroupID: "g1", UserIDs: []string{"u", "u"}}); err != nil || !slices.Equal(f.lastIDs, []string{"u"}) {
		t.Fatalf("add: %v %v", f.lastIDs, err)
	}
	list, err := s.ListMembers(ctx, "p1", "g1", domain.Page{})
	if err != nil || list.Page.Number != 1 || list.Page.Size != domain.DefaultPageSize {
		t.Fatalf("members get the default page: %+v %v", list, err)
	}
}
