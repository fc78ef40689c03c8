// Package fake holds hand-written in-memory fakes of the ports for core table tests. They keep
// the store contract (not found, duplicate → conflict, Update writes nothing when fn fails)
// but have no transactions: Tx.Run just calls fn, marking its context so a test can tell
// whether a call happened inside one (InTx).
package fake

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// Clock is a fixed clock.
type Clock struct{ T time.Time }

func (c Clock) Now() time.Time { return c.T }

// IDs counts up: id-1, id-2 …
type IDs struct {
	mu sync.Mutex
	n  int
}

func (i *IDs) NewID() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.n++
	return fmt.Sprintf("id-%d", i.n)
}

// Tx runs fn without a transaction, under a context InTx recognises.
type Tx struct{}

type txKey struct{}

func (Tx) Run(ctx context.Context, fn func(ctx context.Context) error) error {
	return fn(context.WithValue(ctx, txKey{}, true))
}

// InTx reports whether ctx comes from inside Tx.Run: a port called with it would, in a real
// store, run while the transaction holds its locks.
func InTx(ctx context.Context) bool { return ctx.Value(txKey{}) != nil }

// Hasher is a transparent SecretHasher: hash = "h:" + secret.
type Hasher struct{}

func (Hasher) Hash(secret string) string       { return "h:" + secret }
func (Hasher) Verify(hash, secret string) bool { return secret != "" && hash == "h:"+secret }

// Pools is a PoolStore and PoolLocker over a set of pool IDs. OnLock, when set, runs at the
// start of every LockPool: it stands for a change another transaction commits while this one
// waits for the lock, so a test can prove that a use case takes the lock and reads the state
// it checks only once it holds it.
type Pools struct {
	IDs    []string
	OnLock func(poolID string)
}

var (
	_ ports.PoolStore  = (*Pools)(nil)
	_ ports.PoolLocker = (*Pools)(nil)
)

func (p *Pools) LockPool(ctx context.Context, id string) error {
	if p.OnLock != nil {
		p.OnLock(id)
	}
	_, err := p.Get(ctx, id)
	return err
}
func (p *Pools) Create(context.Context, *domain.Pool) error { return nil }
func (p *Pools) Get(_ context.Context, id string) (*domain.Pool, error) {
	if !slices.Contains(p.IDs, id) {
		return nil, domain.NotFound("pool")
	}
	return &domain.Pool{ID: id, Name: id}, nil
}
func (p *Pools) List(context.Context, domain.Page) (domain.List[domain.Pool], error) {
	return domain.List[domain.Pool]{}, nil
}
func (p *Pools) Update(context.Context, string, func(*domain.Pool) error) (*domain.Pool, error) {
	return nil, nil
}
func (p *Pools) Delete(context.Context, string) error     { return nil }
func (p *Pools) SetDefault(context.Context, string) error { return nil }

// Images keeps images in a map.
type Images struct {
	mu sync.Mutex
	M  map[string]domain.Image
}

func (s *Images) Put(_ context.Context, img *domain.Image) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.M == nil {
		s.M = map[string]domain.Image{}
	}
	s.M[img.ID] = *img
	return nil
}
func (s *Images) Get(_ context.Context, id string) (*domain.Image, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	img, ok := s.M[id]
	if !ok {
		return nil, domain.NotFound("image")
	}
	return &img, nil
}
func (s *Images) Delete(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.M, id)
	return nil
}

// Attributes serves a fixed catalogue per pool.
type Attributes struct{ ByPool map[string][]domain.Attribute }

var _ ports.AttributeStore = (*Attributes)(nil)

func (a *Attributes) Create(context.Context, ...domain.Attribute) error { return nil }
func (a *Attributes) Get(_ context.Context, poolID, name string) (*domain.Attribute, error) {
	for _, at := range a.ByPool[poolID] {
		if at.Name == name {
			return &at, nil
		}
	}
	return nil, domain.NotFound("attribute")
}
func (a *Attributes) List(_ context.Context, poolID string) ([]domain.Attribute, error) {
	return a.ByPool[poolID], nil
}
func (a *Attributes) Update(context.Context, string, string, func(*domain.Attribute) error) (*domain.Attribute, error) {
	return nil, nil
}
func (a *Attributes) Delete(context.Context, string, string) error        { return nil }
func (a *Attributes) InUse(context.Context, string, string) (bool, error) { return false, nil }

// Groups is a GroupLookup over pool → group IDs.
type Groups struct{ ByPool map[string][]string }

func (g *Groups) Get(_ context.Context, poolID, id string) (*domain.Group, error) {
	if !slices.Contains(g.ByPool[poolID], id) {
		return nil, domain.NotFound("group")
	}
	return &domain.Group{ID: id, PoolID: poolID}, nil
}

// Apps keeps applications in a map.
type Apps struct {
	mu sync.Mutex
	M  map[string]domain.Application
}

var _ ports.ApplicationStore = (*Apps)(nil)

func cloneApp(a domain.Application) domain.Application {
	a.RedirectURIs, a.LogoutRedirectURIs = slices.Clone(a.RedirectURIs), slices.Clone(a.LogoutRedirectURIs)
	a.Claims, a.CORSOrigins = slices.Clone(a.Claims), slices.Clone(a.CORSOrigins)
	a.Process.Login.AssociatedSourceIDs = slices.Clone(a.Process.Login.AssociatedSourceIDs)
	a.Process.Registration.GeneralAttributes = slices.Clone(a.Process.Registration.GeneralAttributes)
	return a
}

func (s *Apps) Create(_ context.Context, a *domain.Application) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.M == nil {
		s.M = map[string]domain.Application{}
	}
	for _, o := range s.M {
		if o.ClientID == a.ClientID {
			return domain.Conflict("duplicate", "client_id")
		}
	}
	s.M[a.ID] = cloneApp(*a)
	return nil
}
func (s *Apps) Get(_ context.Context, poolID, id string) (*domain.Application, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.M[id]
	if !ok || a.PoolID != poolID {
		return nil, domain.NotFound("application")
	}
	a = cloneApp(a)
	return &a, nil
}
func (s *Apps) GetByClientID(_ context.Context, clientID string) (*domain.Application, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.M {
		if a.ClientID == clientID {
			a = cloneApp(a)
			return &a, nil
		}
	}
	return nil, domain.NotFound("application")
}
func (s *Apps) All(_ context.Context, poolID string) ([]domain.Application, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []domain.Application
	for _, a := range s.M {
		if a.PoolID == poolID {
			out = append(out, cloneApp(a))
		}
	}
	slices.SortFunc(out, func(a, b domain.Application) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}
func (s *Apps) List(ctx context.Context, poolID string, page domain.Page) (domain.List[domain.Application], error) {
	all, _ := s.All(ctx, poolID)
	return domain.List[domain.Application]{Items: all, Total: len(all), Page: page}, nil
}
func (s *Apps) Update(ctx context.Context, poolID, id string, fn func(*domain.Application) error) (*domain.Application, error) {
	a, err := s.Get(ctx, poolID, id)
	if err != nil {
		return nil, err
	}
	if err := fn(a); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.M[id] = cloneApp(*a)
	return a, nil
}
func (s *Apps) Delete(_ context.Context, poolID, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.M[id]; !ok || a.PoolID != poolID {
		return domain.NotFound("application")
	}
	delete(s.M, id)
	return nil
}

// Sources keeps authentication sources in a map.
type Sources struct {
	mu sync.Mutex
	M  map[string]domain.AuthSource
}

var _ ports.AuthSourceStore = (*Sources)(nil)

func (s *Sources) Create(_ context.Context, src *domain.AuthSource) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.M == nil {
		s.M = map[string]domain.AuthSource{}
	}
	for _, o := range s.M {
		if o.PoolID == src.PoolID && o.Name == src.Name {
			return domain.Conflict("duplicate", "name", domain.FieldError{Field: "name", Reason: "is already used"})
		}
	}
	s.M[src.ID] = *src
	return nil
}
func (s *Sources) Get(_ context.Context, poolID, id string) (*domain.AuthSource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	src, ok := s.M[id]
	if !ok || src.PoolID != poolID {
		return nil, domain.NotFound("auth source")
	}
	return &src, nil
}
func (s *Sources) List(_ context.Context, poolID string, q ports.AuthSourceQuery) (domain.List[domain.AuthSource], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []domain.AuthSource
	for _, src := range s.M {
		if src.PoolID == poolID && (q.Type == "" || q.Type == src.Type) {
			out = append(out, src)
		}
	}
	return domain.List[domain.AuthSource]{Items: out, Total: len(out), Page: q.Page}, nil
}
func (s *Sources) Update(ctx context.Context, poolID, id string, fn func(*domain.AuthSource) error) (*domain.AuthSource, error) {
	src, err := s.Get(ctx, poolID, id)
	if err != nil {
		return nil, err
	}
	if err := fn(src); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.M[id] = *src
	return src, nil
}
func (s *Sources) Delete(_ context.Context, poolID, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if src, ok := s.M[id]; !ok || src.PoolID != poolID {
		return domain.NotFound("auth source")
	}
	delete(s.M, id)
	return nil
}

// AuditLog is a ports.AuditLog that keeps events in memory. Like a database driver it fails a
// Record whose ctx has ended; with Fail set every Record fails with it (to prove a failed audit
// write fails the change).
type AuditLog struct {
	mu     sync.Mutex
	Events []domain.AuditEvent
	Fail   error
}

var _ ports.AuditLog = (*AuditLog)(nil)

func (l *AuditLog) Record(ctx context.Context, e *domain.AuditEvent) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.Fail != nil {
		return l.Fail
	}
	l.Events = append(l.Events, *e)
	return nil
}
func (l *AuditLog) List(context.Context, string, ports.AuditQuery) (domain.List[domain.AuditEvent], error) {
	return domain.List[domain.AuditEvent]{}, nil
}

// Actions lists the actions recorded so far, in order.
func (l *AuditLog) Actions() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, len(l.Events))
	for i, e := range l.Events {
		out[i] = e.Action
	}
	return out
}
