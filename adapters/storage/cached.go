package storage

import (
	"context"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// DefaultCacheEntries bounds the read cache when CacheOptions.MaxEntries is unset.
const DefaultCacheEntries = 10_000

// CacheOptions configures the read cache of configuration rows.
type CacheOptions struct {
	// TTL is how long a row read outside a transaction is served from memory; 0 disables the
	// cache. Changes made through another instance are seen after at most this long.
	TTL time.Duration
	// Now tells the time (time.Now when nil); tests inject a clock to expire entries.
	Now func() time.Time
	// MaxEntries bounds the cache (DefaultCacheEntries when 0).
	MaxEntries int
}

// ConfigStores are the stores of configuration that every sign-in reads and administrators
// rarely change: applications (client authentication), authentication sources, a pool's OTP
// and message settings, and connector instances. Pools is here because deleting a pool deletes
// its configuration with it.
type ConfigStores struct {
	Pools           ports.PoolStore
	Applications    ports.ApplicationStore
	AuthSources     ports.AuthSourceStore
	OTPSettings     ports.OTPSettingsStore
	MessageSettings ports.MessageSettingsStore
	Connectors      ports.ConnectorStore
}

// Cached returns the configuration stores behind a read cache of o.TTL, or the plain stores
// when the TTL is 0. Every writer of these tables must go through the returned stores: a write
// made any other way is seen by this instance only once the TTL has passed.
func (s *Stores) Cached(o CacheOptions) ConfigStores {
	if o.TTL <= 0 {
		return ConfigStores{Pools: s.Pools, Applications: s.Applications, AuthSources: s.AuthSources,
			OTPSettings: s.OTPSettings, MessageSettings: s.MessageSettings, Connectors: s.Connectors}
	}
	c := newReadCache(o.TTL, o.Now, o.MaxEntries)
	return ConfigStores{
		Pools:           &cachedPools{s: s.Pools, c: c},
		Applications:    &cachedApplications{s: s.Applications, c: c},
		AuthSources:     &cachedAuthSources{s: s.AuthSources, c: c},
		OTPSettings:     &cachedOTPSettings{s: s.OTPSettings, c: c},
		MessageSettings: &cachedMessageSettings{s: s.MessageSettings, c: c},
		Connectors:      &cachedConnectors{s: s.Connectors, c: c},
	}
}

// cachedPools caches nothing; deleting a pool drops everything cached of it (the database
// cascades the delete to the pool's configuration).
type cachedPools struct {
	s *PoolStore
	c *readCache
}

var _ ports.PoolStore = (*cachedPools)(nil)

func (p *cachedPools) Create(ctx context.Context, pool *domain.Pool) error {
	return p.s.Create(ctx, pool)
}

func (p *cachedPools) Get(ctx context.Context, id string) (*domain.Pool, error) {
	return p.s.Get(ctx, id)
}

func (p *cachedPools) List(ctx context.Context, page domain.Page) (domain.List[domain.Pool], error) {
	return p.s.List(ctx, page)
}

func (p *cachedPools) Update(ctx context.Context, id string, fn func(*domain.Pool) error) (*domain.Pool, error) {
	return p.s.Update(ctx, id, fn)
}

func (p *cachedPools) SetDefault(ctx context.Context, id string) error {
	return p.s.SetDefault(ctx, id)
}

func (p *cachedPools) Delete(ctx context.Context, id string) error {
	err := p.s.Delete(ctx, id)
	p.c.written(ctx, id)
	return err
}

// cachedApplications caches Get and GetByClientID.
type cachedApplications struct {
	s *ApplicationStore
	c *readCache
}

var _ ports.ApplicationStore = (*cachedApplications)(nil)

func (a *cachedApplications) Get(ctx context.Context, poolID, id string) (*domain.Application, error) {
	return cachedRead(ctx, a.c, cacheKey{kind: kindApp, a: poolID, b: id},
		func(ctx context.Context) (*domain.Application, string, error) {
			app, err := a.s.Get(ctx, poolID, id)
			return app, poolID, err
		})
}

func (a *cachedApplications) GetByClientID(ctx context.Context, clientID string) (*domain.Application, error) {
	return cachedRead(ctx, a.c, cacheKey{kind: kindAppByClientID, a: clientID},
		func(ctx context.Context) (*domain.Application, string, error) {
			app, err := a.s.GetByClientID(ctx, clientID)
			if err != nil {
				return nil, "", err
			}
			return app, app.PoolID, nil
		})
}

func (a *cachedApplications) List(ctx context.Context, poolID string, page domain.Page) (domain.List[domain.Application], error) {
	return a.s.List(ctx, poolID, page)
}

func (a *cachedApplications) All(ctx context.Context, poolID string) ([]domain.Application, error) {
	return a.s.All(ctx, poolID)
}

func (a *cachedApplications) Create(ctx context.Context, app *domain.Application) error {
	err := a.s.Create(ctx, app)
	a.c.written(ctx, app.PoolID, kindApp, kindAppByClientID)
	return err
}

func (a *cachedApplications) Update(ctx context.Context, poolID, id string, fn func(*domain.Application) error) (*domain.Application, error) {
	out, err := a.s.Update(ctx, poolID, id, fn)
	a.c.written(ctx, poolID, kindApp, kindAppByClientID)
	return out, err
}

func (a *cachedApplications) Delete(ctx context.Context, poolID, id string) error {
	err := a.s.Delete(ctx, poolID, id)
	a.c.written(ctx, poolID, kindApp, kindAppByClientID)
	return err
}

// cachedAuthSources caches Get.
type cachedAuthSources struct {
	s *AuthSourceStore
	c *readCache
}

var _ ports.AuthSourceStore = (*cachedAuthSources)(nil)

func (a *cachedAuthSources) Get(ctx context.Context, poolID, id string) (*domain.AuthSource, error) {
	return cachedRead(ctx, a.c, cacheKey{kind: kindAuthSource, a: poolID, b: id},
		func(ctx context.Context) (*domain.AuthSource, string, error) {
			src, err := a.s.Get(ctx, poolID, id)
			return src, poolID, err
		})
}

func (a *cachedAuthSources) List(ctx context.Context, poolID string, q ports.AuthSourceQuery) (domain.List[domain.AuthSource], error) {
	return a.s.List(ctx, poolID, q)
}

func (a *cachedAuthSources) Create(ctx context.Context, src *domain.AuthSource) error {
	err := a.s.Create(ctx, src)
	a.c.written(ctx, src.PoolID, kindAuthSource)
	return err
}

func (a *cachedAuthSources) Update(ctx context.Context, poolID, id string, fn func(*domain.AuthSource) error) (*domain.AuthSource, error) {
	out, err := a.s.Update(ctx, poolID, id, fn)
	a.c.written(ctx, poolID, kindAuthSource)
	return out, err
}

func (a *cachedAuthSources) Delete(ctx context.Context, poolID, id string) error {
	err := a.s.Delete(ctx, poolID, id)
	a.c.written(ctx, poolID, kindAuthSource)
	return err
}

// cachedOTPSettings caches Get, including the answer for a pool without settings of its own
// (which Put, the only way to create them, invalidates).
type cachedOTPSettings struct {
	s *OTPSettingsStore
	c *readCache
}

var _ ports.OTPSettingsStore = (*cachedOTPSettings)(nil)

func (o *cachedOTPSettings) Get(ctx context.Context, poolID string) (*domain.OTPSettings, error) {
	return cachedRead(ctx, o.c, cacheKey{kind: kindOTPSettings, a: poolID},
		func(ctx context.Context) (*domain.OTPSettings, string, error) {
			s, err := o.s.Get(ctx, poolID)
			return s, poolID, err
		})
}

func (o *cachedOTPSettings) Put(ctx context.Context, s *domain.OTPSettings) error {
	err := o.s.Put(ctx, s)
	o.c.written(ctx, s.PoolID, kindOTPSettings)
	return err
}

// cachedMessageSettings caches Get, including the answer for a pool without settings.
type cachedMessageSettings struct {
	s *MessageSettingsStore
	c *readCache
}

var _ ports.MessageSettingsStore = (*cachedMessageSettings)(nil)

func (m *cachedMessageSettings) Get(ctx context.Context, poolID string) (*domain.MessageSettings, error) {
	return cachedRead(ctx, m.c, cacheKey{kind: kindMessageSettings, a: poolID},
		func(ctx context.Context) (*domain.MessageSettings, string, error) {
			s, err := m.s.Get(ctx, poolID)
			return s, poolID, err
		})
}

func (m *cachedMessageSettings) Put(ctx context.Context, s *domain.MessageSettings) error {
	err := m.s.Put(ctx, s)
	m.c.written(ctx, s.PoolID, kindMessageSettings)
	return err
}

// cachedConnectors caches Get.
type cachedConnectors struct {
	s *ConnectorStore
	c *readCache
}

var _ ports.ConnectorStore = (*cachedConnectors)(nil)

func (cc *cachedConnectors) Get(ctx context.Context, poolID, id string) (*domain.Connector, error) {
	return cachedRead(ctx, cc.c, cacheKey{kind: kindConnector, a: poolID, b: id},
		func(ctx context.Context) (*domain.Connector, string, error) {
			c, err := cc.s.Get(ctx, poolID, id)
			return c, poolID, err
		})
}

func (cc *cachedConnectors) List(ctx context.Context, poolID string, page domain.Page) (domain.List[domain.Connector], error) {
	return cc.s.List(ctx, poolID, page)
}

func (cc *cachedConnectors) Create(ctx context.Context, c *domain.Connector) error {
	err := cc.s.Create(ctx, c)
	cc.c.written(ctx, c.PoolID, kindConnector)
	return err
}

func (cc *cachedConnectors) Update(ctx context.Context, poolID, id string, fn func(*domain.Connector) error) (*domain.Connector, error) {
	out, err := cc.s.Update(ctx, poolID, id, fn)
	cc.c.written(ctx, poolID, kindConnector)
	return out, err
}

// Delete also drops the pool's message settings: the database clears their reference to the
// deleted connector.
func (cc *cachedConnectors) Delete(ctx context.Context, poolID, id string) error {
	err := cc.s.Delete(ctx, poolID, id)
	cc.c.written(ctx, poolID, kindConnector, kindMessageSettings)
	return err
}
