package user_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/internal/fake"
	"github.com/gatehouse-iam/gatehouse/core/user"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// users is an in-memory UserStore: enough for the use cases that change users.
type users struct {
	ports.UserStore
	mu sync.Mutex
	m  map[string]domain.User
}

func clone(u domain.User) *domain.User {
	u.GroupIDs = slices.Clone(u.GroupIDs)
	attrs := make(map[string]any, len(u.Attributes))
	for k, v := range u.Attributes {
		attrs[k] = v
	}
	u.Attributes = attrs
	return &u
}

func (s *users) Create(_ context.Context, u *domain.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[u.ID] = *clone(*u)
	return nil
}
func (s *users) Get(_ context.Context, poolID, id string) (*domain.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.m[id]
	if !ok || u.PoolID != poolID {
		return nil, domain.NotFound("user")
	}
	return clone(u), nil
}
func (s *users) Update(ctx context.Context, poolID, id string, fn func(*domain.User) error) (*domain.User, error) {
	u, err := s.Get(ctx, poolID, id)
	if err != nil {
		return nil, err
	}
	if err := fn(u); err != nil {
		return nil, err
	}
	u.RefreshStatus()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[id] = *clone(*u)
	return u, nil
}
func (s *users) Delete(ctx context.Context, poolID string, ids []string) error {
	for _, id := range ids {
		if _, err := s.Get(ctx, poolID, id); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		delete(s.m, id)
	}
	return nil
}

// hasher marks hashes so a test can look for them.
type hasher struct{}

func (hasher) Hash(pw string) (string, error)      { return "HASH(" + pw + ")", nil }
func (hasher) Verify(enc, pw string) (bool, error) { return enc == "HASH("+pw+")", nil }

func newService() (*user.Service, *fake.AuditLog) {
	clock := fake.Clock{T: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	log := &fake.AuditLog{}
	attrs := domain.DefaultAttributes()
	return &user.Service{Pools: &fake.Pools{IDs: []string{"p1", "p2"}}, Attributes: &fake.Attributes{ByPool: map[string][]domain.Attribute{"p1": attrs}},
		Users: &users{m: map[string]domain.User{}}, Hasher: hasher{}, Tx: fake.Tx{}, Clock: clock, IDs: &fake.IDs{},
		Audit: audit.Recorder{Log: log, Clock: clock, IDs: &fake.IDs{}}}, log
}

func TestChangesAreAuditedWithoutPasswords(t *testing.T) {
	s, log := newService()
	ctx := context.Background()
	u, err := s.Create(ctx, user.CreateRequest{PoolID: "p1", UserName: "alice", Email: "alice@example.com", Password: "first-password"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.Create(ctx, user.CreateRequest{PoolID: "p1", UserName: "bob", Email: "bob@example.com", Password: "first-password"})
	email := "alice@example.org"
	steps := []func() error{
		func() error {
			_, err := s.Update(ctx, user.UpdateRequest{PoolID: "p1", ID: u.ID, Email: &email})
			return err
		},
		func() error { _, err := s.Lock(ctx, "p1", u.ID); return err },
		func() error { _, err := s.Unlock(ctx, "p1", u.ID); return err },
		func() error { _, err := s.Freeze(ctx, "p1", u.ID); return err },
		func() error { _, err := s.Unfreeze(ctx, "p1", u.ID); return err },
		func() error {
			_, err := s.ResetPassword(ctx, user.ResetPasswordRequest{PoolID: "p1", ID: u.ID, Password: "second-password"})
			return err
		},
		func() error { return s.Delete(ctx, user.DeleteRequest{PoolID: "p1", IDs: []string{u.ID, b.ID, u.ID}}) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	want := []string{user.ActionCreate, user.ActionCreate, user.ActionUpdate, user.ActionLock, user.ActionUnlock, user.ActionFreeze,
		user.ActionUnfreeze, user.ActionResetPassword, user.ActionDelete, user.ActionDelete}
	if got := log.Actions(); !slices.Equal(got, want) {
		t.Fatalf("actions %v, want %v", got, want)
	}
	if all := fmt.Sprint(log.Events); strings.Contains(all, "first-password") || strings.Contains(all, "second-password") || strings.Contains(all, "HASH(") {
		t.Fatalf("a password reached the log: %s", all)
	}
	if e := log.Events[3]; e.ObjectID != u.ID || e.Before["status"] != "disabled" || e.After["status"] != "locked" {
		t.Fatalf("lock row %+v", e)
	}
	if e := log.Events[2]; e.Before["email"] != "alice@example.com" || e.After["email"] != email {
		t.Fatalf("update row %+v", e)
	}
	if log.Events[8].ObjectID != u.ID || log.Events[9].ObjectID != b.ID || log.Events[9].Before["user_name"] != "bob" {
		t.Fatalf("one delete row per user: %+v", log.Events[8:])
	}
}

func TestFailedAuditWriteFailsTheChange(t *testing.T) {
	s, log := newService()
	ctx := context.Background()
	u, err := s.Create(ctx, user.CreateRequest{PoolID: "p1", UserName: "alice", Email: "alice@example.com", Password: "first-password"})
	if err != nil {
		t.Fatal(err)
	}
	log.Fail = errors.New("disk full")
	if _, err := s.Create(ctx, user.CreateRequest{PoolID: "p1", UserName: "bob", Email: "bob@example.com", Password: "first-password"}); err == nil {
		t.Error("create succeeded although its audit write failed")
	}
	if _, err := s.Lock(ctx, "p1", u.ID); err == nil {
		t.Error("lock succeeded although its audit write failed")
	}
	if _, err := s.ResetPassword(ctx, user.ResetPasswordRequest{PoolID: "p1", ID: u.ID}); err == nil {
		t.Error("reset password succeeded although its audit write failed")
	}
	if err := s.Delete(ctx, user.DeleteRequest{PoolID: "p1", IDs: []string{u.ID}}); err == nil {
		t.Error("delete succeeded although its audit write failed")
	}
}
