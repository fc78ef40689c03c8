package pool_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/pool"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// Hand-written fakes of the ports the pool use cases need.

type fakePools struct {
	byID map[string]domain.Pool
}

func (f *fakePools) Create(_ context.Context, p *domain.Pool) error {
	for _, q := range f.byID {
		if q.Name == p.Name {
			return domain.Conflict("duplicate", "exists", domain.FieldError{Field: "name", Reason: "is already used"})
		}
	}
	f.byID[p.ID] = *p
	return nil
}
func (f *fakePools) Get(_ context.Context, id string) (*domain.Pool, error) {
	p, ok := f.byID[id]
	if !ok {
		return nil, domain.NotFound("pool")
	}
	return &p, nil
}
func (f *fakePools) List(context.Context, domain.Page) (domain.List[domain.Pool], error) {
	return domain.List[domain.Pool]{}, nil
}
func (f *fakePools) Update(_ context.Context, id string, fn func(*domain.Pool) error) (*domain.Pool, error) {
	p, ok := f.byID[id]
	if !ok {
		return nil, domain.NotFound("pool")
	}
	if err := fn(&p); err != nil {
		return nil, err
	}
	f.byID[id] = p
	return &p, nil
}
func (f *fakePools) Delete(_ context.Context, id string) error { delete(f.byID, id); return nil }
func (f *fakePools) SetDefault(context.Context, string) error  { return nil }

type fakeImages struct{ byID map[string]domain.Image }

func (f *fakeImages) Put(_ context.Context, img *domain.Image) error {
	f.byID[img.ID] = *img
	return nil
}
func (f *fakeImages) Get(_ context.Context, id string) (*domain.Image, error) {
	img, ok := f.byID[id]
	if !ok {
		return nil, domain.NotFound("image")
	}
	return &img, nil
}
func (f *fakeImages) Delete(_ context.Context, id string) error { delete(f.byID, id); return nil }

type fakeAttributes struct {
	ports.AttributeStore
	created []domain.Attribute
}

func (f *fakeAttributes) Create(_ context.Context, attrs ...domain.Attribute) error {
	f.created = append(f.created, attrs...)
	return nil
}

type fakeApps struct{ enabled int }

func (f fakeApps) CountEnabled(context.Context, string) (int, error) { return f.enabled, nil }

type fakeAudit struct {
	events []domain.AuditEvent
	fail   error
}

func (f *fakeAudit) Record(_ context.Context, e *domain.AuditEvent) error {
	if f.fail != nil {
		return f.fail
	}
	f.events = append(f.events, *e)
	return nil
}
func (f *fakeAudit) List(context.Context, string, ports.AuditQuery) (domain.List[domain.AuditEvent], error) {
	return domain.List[domain.AuditEvent]{}, nil
}

type noLock struct{}

func (noLock) LockPool(context.Context, string) error { return nil }

type noTx struct{}

func (noTx) Run(ctx context.Context, fn func(context.Context) error) error { return fn(ctx) }

type fixedClock struct{}

func (fixedClock) Now() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

type seqIDs struct{ n int }

func (s *seqIDs) NewID() string { s.n++; return fmt.Sprintf("id-%d", s.n) }

func newService(enabledApps int) (*pool.Service, *fakePools, *fakeImages, *fakeAttributes) {
	s, pools, images, attrs, _ := newAuditedService(enabledApps)
	return s, pools, images, attrs
}

func newAuditedService(enabledApps int) (*pool.Service, *fakePools, *fakeImages, *fakeAttributes, *fakeAudit) {
	pools := &fakePools{byID: map[string]domain.Pool{}}
	images := &fakeImages{byID: map[string]domain.Image{}}
	attrs := &fakeAttributes{}
	log := &fakeAudit{}
	ids := &seqIDs{}
	return &pool.Service{Pools: pools, Images: images, Attributes: attrs, Apps: fakeApps{enabledApps}, Locker: noLock{}, Tx: noTx{},
		Clock: fixedClock{}, IDs: ids, PublicURL: "https://id.example.com/",
		Audit: audit.Recorder{Log: log, Clock: fixedClock{}, IDs: ids}}, pools, images, attrs, log
}

var png = []byte("\x89PNG\r\n\x1a\nrest")

func TestCreateSeedsAttributesAndLogo(t *testing.T) {
	s, _, images, attrs := newService(0)
	p, err := s.Create(context.Background(), pool.CreateRequest{Name: "  Shop ", Logo: png})
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Shop" || p.LogoImageID == "" || images.byID[p.LogoImageID].ContentType != "image/png" {
		t.Fatalf("pool %+v, images %v", p, images.byID)
	}
	if len(attrs.created) != len(domain.DefaultAttributes()) || attrs.created[0].PoolID != p.ID {
		t.Fatalf("seeded %d attributes", len(attrs.created))
	}
	if got := s.Issuer(p.ID); got != "https://id.example.com/pools/"+p.ID {
		t.Fatalf("issuer %q", got)
	}
}

func TestCreateRefusesBadInput(t *testing.T) {
	long := make([]rune, 129)
	for i := range long {
		long[i] = 'ß'
	}
	for name, req := range map[string]pool.CreateRequest{
		"empty name":    {Name: " "},
		"129 chars":     {Name: string(long)},
		"gif logo":      {Name: "a", Logo: []byte("GIF89a....")},
		"oversize logo": {Name: "a", Logo: append(png, make([]byte, domain.MaxImageBytes)...)},
	} {
		t.Run(name, func(t *testing.T) {
			s, pools, _, attrs := newService(0)
			_, err := s.Create(context.Background(), req)
			if domain.KindOf(err) != domain.KindInvalid {
				t.Fatalf("got %v, want invalid", err)
			}
			if len(pools.byID) != 0 || len(attrs.created) != 0 {
				t.Fatal("refused create stored something")
			}
		})
	}
}

func TestDeleteRules(t *testing.T) {
	ctx := context.Background()
	t.Run("enabled applications block deletion", func(t *testing.T) {
		s, pools, _, _ := newService(2)
		p, _ := s.Create(ctx, pool.CreateRequest{Name: "Shop"})
		err := s.Delete(ctx, pool.DeleteRequest{ID: p.ID, Confirm: "Shop"})
		if domain.CodeOf(err) != "pool_has_enabled_applications" || domain.KindOf(err) != domain.KindConflict {
			t.Fatalf("got %v", err)
		}
		if _, ok := pools.byID[p.ID]; !ok {
			t.Fatal("pool deleted despite enabled applications")
		}
	})
	t.Run("confirmation must repeat the name", func(t *testing.T) {
		s, pools, _, _ := newService(0)
		p, _ := s.Create(ctx, pool.CreateRequest{Name: "Shop"})
		if err := s.Delete(ctx, pool.DeleteRequest{ID: p.ID, Confirm: "shop"}); domain.CodeOf(err) != "confirmation_required" {
			t.Fatalf("got %v", err)
		}
		if err := s.Delete(ctx, pool.DeleteRequest{ID: p.ID, Confirm: "Shop"}); err != nil {
			t.Fatal(err)
		}
		if len(pools.byID) != 0 {
			t.Fatal("pool not deleted")
		}
	})
	t.Run("unknown pool", func(t *testing.T) {
		s, _, _, _ := newService(0)
		if err := s.Delete(ctx, pool.DeleteRequest{ID: "x", Confirm: "x"}); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestUpdateReplacesAndRemovesLogo(t *testing.T) {
	ctx := context.Background()
	s, _, images, _ := newService(0)
	p, _ := s.Create(ctx, pool.CreateRequest{Name: "Shop", Logo: png})
	first := p.LogoImageID
	jpeg := []byte{0xFF, 0xD8, 0xFF, 0xE0, 1, 2}
	p, err := s.Update(ctx, pool.UpdateRequest{ID: p.ID, Logo: &jpeg})
	if err != nil || p.LogoImageID == first || images.byID[p.LogoImageID].ContentType != "image/jpeg" {
		t.Fatalf("replace: %+v %v", p, err)
	}
	if _, ok := images.byID[first]; ok {
		t.Fatal("old logo kept")
	}
	empty := []byte{}
	p, err = s.Update(ctx, pool.UpdateRequest{ID: p.ID, Logo: &empty})
	if err != nil || p.LogoImageID != "" || len(images.byID) != 0 {
		t.Fatalf("remove: %+v %v %v", p, err, images.byID)
	}
}

func TestEveryChangeIsAudited(t *testing.T) {
	ctx := domain.WithRequestInfo(context.Background(), domain.RequestInfo{Actor: "admin", IP: "192.0.2.7", UserAgent: "curl/8"})
	s, _, _, _, log := newAuditedService(0)
	p, err := s.Create(ctx, pool.CreateRequest{Name: "Shop", Logo: png})
	if err != nil {
		t.Fatal(err)
	}
	name := "Shop 2"
	if _, err := s.Update(ctx, pool.UpdateRequest{ID: p.ID, Name: &name}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetDefault(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, pool.DeleteRequest{ID: p.ID, Confirm: name}); err != nil {
		t.Fatal(err)
	}
	want := []string{domain.ActionPoolCreate, domain.ActionPoolUpdate, domain.ActionPoolSetDefault, domain.ActionPoolDelete}
	if len(log.events) != len(want) {
		t.Fatalf("recorded %d events, want %d: %+v", len(log.events), len(want), log.events)
	}
	for i, e := range log.events {
		if e.Action != want[i] || e.Type != domain.AuditAdminChange || e.Result != domain.AuditSuccess ||
			e.PoolID != p.ID || e.ObjectType != "pool" || e.ObjectID != p.ID || e.Actor != "admin" ||
			e.IP != "192.0.2.7" || e.UserAgent != "curl/8" || e.ID == "" || e.Time.IsZero() {
			t.Errorf("event %d: %+v", i, e)
		}
	}
	create, update, del := log.events[0], log.events[1], log.events[3]
	if create.Before != nil || create.After["name"] != "Shop" || create.After["logo_image_id"] == nil {
		t.Errorf("create snapshots: before %v after %v", create.Before, create.After)
	}
	if update.Before["name"] != "Shop" || update.After["name"] != "Shop 2" {
		t.Errorf("update snapshots: before %v after %v", update.Before, update.After)
	}
	if del.Before["name"] != "Shop 2" || del.After != nil {
		t.Errorf("delete snapshots: before %v after %v", del.Before, del.After)
	}
}

func TestFailedAuditWriteFailsTheChange(t *testing.T) {
	ctx := context.Background()
	s, _, _, _, log := newAuditedService(0)
	p, err := s.Create(ctx, pool.CreateRequest{Name: "Shop"})
	if err != nil {
		t.Fatal(err)
	}
	log.fail = errors.New("disk full")
	name := "Other"
	if _, err := s.Update(ctx, pool.UpdateRequest{ID: p.ID, Name: &name}); err == nil {
		t.Fatal("update succeeded although its audit write failed")
	}
	if err := s.Delete(ctx, pool.DeleteRequest{ID: p.ID, Confirm: "Shop"}); err == nil {
		t.Fatal("delete succeeded although its audit write failed")
	}
	if _, err := s.SetDefault(ctx, p.ID); err == nil {
		t.Fatal("set default succeeded although its audit write failed")
	}
	if _, err := s.Create(ctx, pool.CreateRequest{Name: "Third"}); err == nil {
		t.Fatal("create succeeded although its audit write failed")
	}
}
