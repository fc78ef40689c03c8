package attribute_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/attribute"
	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/internal/fake"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// attrs is an in-memory AttributeStore keyed by name.
type attrs struct {
	ports.AttributeStore
	m map[string]domain.Attribute
}

func (s *attrs) Create(_ context.Context, as ...domain.Attribute) error {
	for _, a := range as {
		s.m[a.Name] = a
	}
	return nil
}
func (s *attrs) Update(_ context.Context, poolID, name string, fn func(*domain.Attribute) error) (*domain.Attribute, error) {
	a, ok := s.m[name]
	if !ok || a.PoolID != poolID {
		return nil, domain.NotFound("attribute")
	}
	if err := fn(&a); err != nil {
		return nil, err
	}
	delete(s.m, name)
	s.m[a.Name] = a
	return &a, nil
}
func (s *attrs) InUse(context.Context, string, string) (bool, error) { return false, nil }
func (s *attrs) Delete(_ context.Context, _, name string) error      { delete(s.m, name); return nil }

func TestChangesAreAudited(t *testing.T) {
	clock := fake.Clock{T: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	log := &fake.AuditLog{}
	pools := &fake.Pools{IDs: []string{"p1"}}
	s := &attribute.Service{Pools: pools, Attributes: &attrs{m: map[string]domain.Attribute{}}, Apps: &fake.Apps{}, Locker: pools,
		Tx: fake.Tx{}, Clock: clock, IDs: &fake.IDs{}, Audit: audit.Recorder{Log: log, Clock: clock, IDs: &fake.IDs{}}}
	ctx := context.Background()
	v, err := s.Create(ctx, attribute.CreateRequest{PoolID: "p1", Name: "level", Label: "Level", Type: domain.FieldString, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	off := false
	if _, err := s.Update(ctx, attribute.UpdateRequest{PoolID: "p1", Name: "level", Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "p1", "level"); err != nil {
		t.Fatal(err)
	}
	if got := log.Actions(); !slices.Equal(got, []string{attribute.ActionCreate, attribute.ActionUpdate, attribute.ActionDelete}) {
		t.Fatalf("actions %v", got)
	}
	upd := log.Events[1]
	if upd.ObjectType != "attribute" || upd.ObjectID != v.ID || upd.Before["enabled"] != true || upd.After["enabled"] != false || upd.After["name"] != "level" {
		t.Fatalf("update row %+v", upd)
	}
	log.Fail = errors.New("disk full")
	if _, err := s.Create(ctx, attribute.CreateRequest{PoolID: "p1", Name: "tier", Label: "Tier", Type: domain.FieldString}); err == nil {
		t.Fatal("create succeeded although its audit write failed")
	}
}
