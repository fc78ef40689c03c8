package storage_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// queryHook counts the queries a database runs and lets a test stop a query of a marked ctx
// after it has read its rows.
type queryHook struct{ n atomic.Int64 }

type pauseKey struct{}

// pause holds a query of a ctx carrying it: read is closed once the query has run, and the
// query returns when release is closed.
type pause struct{ read, release chan struct{} }

func (h *queryHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (h *queryHook) AfterQuery(ctx context.Context, _ *bun.QueryEvent) {
	h.n.Add(1)
	if p, ok := ctx.Value(pauseKey{}).(*pause); ok {
		close(p.read)
		<-p.release
	}
}

// queries runs fn and tells how many queries it made.
func (h *queryHook) queries(fn func()) int64 {
	before := h.n.Load()
	fn()
	return h.n.Load() - before
}

// cacheFixture is a pool p1 whose application a1 (client-1) signs in with the SMS OTP source
// s1, sending through the connector c1 under its own OTP limits; pool p2 is empty.
type cacheFixture struct {
	db    *storage.DB
	plain *storage.Stores
	hook  *queryHook
}

func newCacheFixture(t *testing.T, db *storage.DB) *cacheFixture {
	t.Helper()
	ctx := context.Background()
	f := &cacheFixture{db: db, plain: newStores(t, db, "p1", "p2"), hook: &queryHook{}}
	db.AddQueryHook(f.hook)
	s := f.plain
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Applications.Create(ctx, newApp("a1", "p1", "client-1")))
	must(s.AuthSources.Create(ctx, &domain.AuthSource{ID: "s1", PoolID: "p1", Type: domain.SourceSMSOTP, Name: "SMS",
		Attribute: "phone_number", Enabled: true, Policy: domain.AuthSourcePolicy{CodeLength: 6, CodeTTLSeconds: 60},
		CreatedAt: testTime, UpdatedAt: testTime}))
	for _, id := range []string{"c1", "c2"} {
		must(s.Connectors.Create(ctx, &domain.Connector{ID: id, PoolID: "p1", Type: "mocksms", Channel: "sms", Name: "SMS " + id,
			Config: map[string]any{"outbox": "/tmp/" + id, "nested": map[string]any{"k": "v"}}, SealedSecrets: []byte{1, 2, 3},
			SecretsSet: []string{"api_key"}, Templates: []domain.MessageTemplate{{Usage: "login", ID: "T1", Params: []string{"code"}}},
			CreatedAt: testTime, UpdatedAt: testTime}))
	}
	must(s.MessageSettings.Put(ctx, &domain.MessageSettings{PoolID: "p1", SMSConnectorID: "c1",
		SMSTemplates: []domain.MessageTemplate{{Usage: "login", ID: "P1", Params: []string{"code"}}}, UpdatedAt: testTime}))
	otp := domain.DefaultOTPSettings("p1")
	otp.BlockedEmailDomains, otp.UpdatedAt = []string{"spam.example"}, testTime
	must(s.OTPSettings.Put(ctx, otp))
	return f
}

// read is one cached read of the fixture's configuration.
type read struct {
	name string
	do   func(ctx context.Context, cs storage.ConfigStores) (any, error)
}

var fixtureReads = []read{
	{"application", func(ctx context.Context, cs storage.ConfigStores) (any, error) {
		return cs.Applications.Get(ctx, "p1", "a1")
	}},
	{"application by client id", func(ctx context.Context, cs storage.ConfigStores) (any, error) {
		return cs.Applications.GetByClientID(ctx, "client-1")
	}},
	{"auth source", func(ctx context.Context, cs storage.ConfigStores) (any, error) {
		return cs.AuthSources.Get(ctx, "p1", "s1")
	}},
	{"otp settings", func(ctx context.Context, cs storage.ConfigStores) (any, error) { return cs.OTPSettings.Get(ctx, "p1") }},
	{"default otp settings", func(ctx context.Context, cs storage.ConfigStores) (any, error) { return cs.OTPSettings.Get(ctx, "p2") }},
	{"message settings", func(ctx context.Context, cs storage.ConfigStores) (any, error) {
		return cs.MessageSettings.Get(ctx, "p1")
	}},
	{"empty message settings", func(ctx context.Context, cs storage.ConfigStores) (any, error) {
		return cs.MessageSettings.Get(ctx, "p2")
	}},
	{"connector", func(ctx context.Context, cs storage.ConfigStores) (any, error) {
		return cs.Connectors.Get(ctx, "p1", "c1")
	}},
}

// warm makes every fixture read once through cs, filling its cache.
func warm(t *testing.T, cs storage.ConfigStores) {
	t.Helper()
	for _, r := range fixtureReads {
		if _, err := r.do(context.Background(), cs); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
	}
}

// scribble changes every part of a value a caller could reach through what a read returned.
func scribble(v any) {
	switch v := v.(type) {
	case *domain.Application:
		v.Enabled, v.Name = false, "scribbled"
		v.RedirectURIs[0] = "scribbled"
		v.Process.Login.AssociatedSourceIDs[0] = "scribbled"
		v.Process.Registration.ConsentStatements[0].Text = "scribbled"
		v.Claims = append(v.Claims, "scribbled")
	case *domain.AuthSource:
		v.Enabled, v.Policy.CodeLength = false, 9
	case *domain.OTPSettings:
		v.IPLimit = 1
		if len(v.BlockedEmailDomains) > 0 {
			v.BlockedEmailDomains[0] = "scribbled"
		}
		v.BlockedEmailDomains = append(v.BlockedEmailDomains, "scribbled")
	case *domain.MessageSettings:
		v.SMSConnectorID = "scribbled"
		if len(v.SMSTemplates) > 0 {
			v.SMSTemplates[0].Params[0] = "scribbled"
		}
		v.SMSTemplates = append(v.SMSTemplates, domain.MessageTemplate{ID: "scribbled"})
	case *domain.Connector:
		v.Name = "scribbled"
		v.Config["outbox"] = "scribbled"
		v.Config["nested"].(map[string]any)["k"] = "scribbled"
		v.SealedSecrets[0] = 9
		v.SecretsSet[0] = "scribbled"
		v.Templates[0].Params[0] = "scribbled"
		v.Templates = append(v.Templates, domain.MessageTemplate{ID: "scribbled"})
	default:
		panic(fmt.Sprintf("scribble: %T", v))
	}
}

func TestCachedStoresAnswerRepeatedReadsFromMemory(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := newCacheFixture(t, db)
		plain := f.plain.Cached(storage.CacheOptions{})
		cs := f.plain.Cached(storage.CacheOptions{TTL: time.Minute})
		for _, r := range fixtureReads {
			want, err := r.do(ctx, plain)
			if err != nil {
				t.Fatalf("%s: %v", r.name, err)
			}
			var first any
			if n := f.hook.queries(func() { first, err = r.do(ctx, cs) }); err != nil || n != 1 || !reflect.DeepEqual(first, want) {
				t.Fatalf("%s: first read made %d queries: %+v, %v; want %+v", r.name, n, first, err, want)
			}
			scribble(first)
			for i := 0; i < 2; i++ {
				var again any
				if n := f.hook.queries(func() { again, err = r.do(ctx, cs) }); err != nil || n != 0 {
					t.Fatalf("%s: a repeated read made %d queries (%v)", r.name, n, err)
				}
				if !reflect.DeepEqual(again, want) {
					t.Fatalf("%s: a caller's changes reached the cache:\n got %+v\nwant %+v", r.name, again, want)
				}
				scribble(again)
			}
		}
	})
}

func TestCachedStoresWritesAreSeenAtOnce(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := newCacheFixture(t, db)
		cs := f.plain.Cached(storage.CacheOptions{TTL: time.Hour})
		warm(t, cs)

		if _, err := cs.Applications.Update(ctx, "p1", "a1", func(a *domain.Application) error { a.Enabled = false; return nil }); err != nil {
			t.Fatal(err)
		}
		if a, err := cs.Applications.GetByClientID(ctx, "client-1"); err != nil || a.Enabled {
			t.Fatalf("disabled application by client id: %+v %v", a, err)
		}
		if a, err := cs.Applications.Get(ctx, "p1", "a1"); err != nil || a.Enabled {
			t.Fatalf("disabled application: %+v %v", a, err)
		}
		if _, err := cs.AuthSources.Update(ctx, "p1", "s1", func(s *domain.AuthSource) error { s.Enabled = false; return nil }); err != nil {
			t.Fatal(err)
		}
		if s, err := cs.AuthSources.Get(ctx, "p1", "s1"); err != nil || s.Enabled {
			t.Fatalf("disabled source: %+v %v", s, err)
		}
		// A write inside a transaction is seen once the transaction commits.
		err := db.Run(ctx, func(ctx context.Context) error {
			otp := domain.DefaultOTPSettings("p1")
			otp.IPLimit = 7
			return cs.OTPSettings.Put(ctx, otp)
		})
		if err != nil {
			t.Fatal(err)
		}
		if o, err := cs.OTPSettings.Get(ctx, "p1"); err != nil || o.IPLimit != 7 {
			t.Fatalf("changed otp settings: %+v %v", o, err)
		}
		// The defaults a pool without settings gets are replaced by its first settings at once.
		first := domain.DefaultOTPSettings("p2")
		first.IPLimit = 3
		if err := cs.OTPSettings.Put(ctx, first); err != nil {
			t.Fatal(err)
		}
		if o, _ := cs.OTPSettings.Get(ctx, "p2"); o.IPLimit != 3 {
			t.Fatalf("first otp settings of a pool: %+v", o)
		}
		if err := cs.MessageSettings.Put(ctx, &domain.MessageSettings{PoolID: "p1", SMSConnectorID: "c2", UpdatedAt: testTime}); err != nil {
			t.Fatal(err)
		}
		if m, _ := cs.MessageSettings.Get(ctx, "p1"); m.SMSConnectorID != "c2" {
			t.Fatalf("switched sms connector: %+v", m)
		}
		if _, err := cs.Connectors.Update(ctx, "p1", "c1", func(c *domain.Connector) error { c.Name = "Renamed"; return nil }); err != nil {
			t.Fatal(err)
		}
		if c, _ := cs.Connectors.Get(ctx, "p1", "c1"); c.Name != "Renamed" {
			t.Fatalf("changed connector: %+v", c)
		}
		// Deleting the connector the settings use clears their reference (the database does).
		if _, err := cs.Connectors.Get(ctx, "p1", "c2"); err != nil {
			t.Fatal(err)
		}
		if err := cs.Connectors.Delete(ctx, "p1", "c2"); err != nil {
			t.Fatal(err)
		}
		if m, _ := cs.MessageSettings.Get(ctx, "p1"); m.SMSConnectorID != "" {
			t.Fatalf("settings still name the deleted connector: %+v", m)
		}
		if _, err := cs.Connectors.Get(ctx, "p1", "c2"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("deleted connector: %v", err)
		}
		// A client id looked up before it existed is found as soon as it is created.
		if _, err := cs.Applications.GetByClientID(ctx, "client-2"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("unknown client: %v", err)
		}
		if err := cs.Applications.Create(ctx, newApp("a2", "p1", "client-2")); err != nil {
			t.Fatal(err)
		}
		if a, err := cs.Applications.GetByClientID(ctx, "client-2"); err != nil || a.ID != "a2" {
			t.Fatalf("new client: %+v %v", a, err)
		}
		if err := cs.Applications.Delete(ctx, "p1", "a2"); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Applications.GetByClientID(ctx, "client-2"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("deleted client: %v", err)
		}
		if err := cs.AuthSources.Delete(ctx, "p1", "s1"); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.AuthSources.Get(ctx, "p1", "s1"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("deleted source: %v", err)
		}
	})
}

func TestCachedStoresForgetADeletedPool(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := newCacheFixture(t, db)
		cs := f.plain.Cached(storage.CacheOptions{TTL: time.Hour})
		warm(t, cs)
		if err := cs.Pools.Delete(ctx, "p1"); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Applications.GetByClientID(ctx, "client-1"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("application of a deleted pool: %v", err)
		}
		if _, err := cs.Applications.Get(ctx, "p1", "a1"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("application of a deleted pool: %v", err)
		}
		if _, err := cs.AuthSources.Get(ctx, "p1", "s1"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("source of a deleted pool: %v", err)
		}
		if _, err := cs.Connectors.Get(ctx, "p1", "c1"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("connector of a deleted pool: %v", err)
		}
		if o, _ := cs.OTPSettings.Get(ctx, "p1"); !reflect.DeepEqual(o, domain.DefaultOTPSettings("p1")) {
			t.Fatalf("otp settings of a deleted pool: %+v", o)
		}
		if m, _ := cs.MessageSettings.Get(ctx, "p1"); m.SMSConnectorID != "" {
			t.Fatalf("message settings of a deleted pool: %+v", m)
		}
		// The other pool's entries stay.
		if n := f.hook.queries(func() { _, _ = cs.OTPSettings.Get(ctx, "p2") }); n != 0 {
			t.Fatalf("another pool's entry was dropped (%d queries)", n)
		}
	})
}

func TestCachedReadsInATransactionGoToTheDatabase(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := newCacheFixture(t, db)
		cs := f.plain.Cached(storage.CacheOptions{TTL: time.Hour})
		if _, err := cs.Applications.GetByClientID(ctx, "client-1"); err != nil {
			t.Fatal(err)
		}
		rollback := errors.New("rollback")
		err := db.Run(ctx, func(ctx context.Context) error {
			if n := f.hook.queries(func() { _, _ = cs.Applications.GetByClientID(ctx, "client-1") }); n != 1 {
				t.Errorf("a cached row read in a transaction made %d queries, want 1", n)
			}
			// The transaction sees its own uncommitted change (written past the cache here)...
			changed := domain.DefaultOTPSettings("p1")
			changed.IPLimit = 99
			if err := f.plain.OTPSettings.Put(ctx, changed); err != nil {
				return err
			}
			if o, err := cs.OTPSettings.Get(ctx, "p1"); err != nil || o.IPLimit != 99 {
				t.Errorf("read in the transaction: %+v %v", o, err)
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		// ...which never reaches the cache.
		var o *domain.OTPSettings
		if n := f.hook.queries(func() { o, err = cs.OTPSettings.Get(ctx, "p1") }); n != 1 || err != nil || o.IPLimit == 99 {
			t.Fatalf("after the rollback: %+v %v, %d queries", o, err, n)
		}
	})
}

func TestCachedWriteWinsOverAReadRacingItsCommit(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := newCacheFixture(t, db)
		cs := f.plain.Cached(storage.CacheOptions{TTL: time.Hour})
		put := func(ctx context.Context, limit int) error {
			o := domain.DefaultOTPSettings("p1")
			o.IPLimit = limit
			return cs.OTPSettings.Put(ctx, o)
		}

		// A read between the write and its commit fetches and keeps the old row; the commit
		// drops it.
		err := db.Run(ctx, func(txCtx context.Context) error {
			if err := put(txCtx, 11); err != nil {
				return err
			}
			o, err := cs.OTPSettings.Get(ctx, "p1")
			if err != nil || o.IPLimit == 11 {
				t.Errorf("a read outside the transaction saw its uncommitted row: %+v %v", o, err)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if o, _ := cs.OTPSettings.Get(ctx, "p1"); o.IPLimit != 11 {
			t.Fatalf("after the commit the old row is still served: %+v", o)
		}

		// A read that fetched the old row before the commit and stores it after is not kept.
		p := &pause{read: make(chan struct{}), release: make(chan struct{})}
		done := make(chan *domain.OTPSettings)
		err = db.Run(ctx, func(txCtx context.Context) error {
			if err := put(txCtx, 12); err != nil {
				return err
			}
			go func() {
				o, err := cs.OTPSettings.Get(context.WithValue(ctx, pauseKey{}, p), "p1")
				if err != nil {
					t.Error(err)
				}
				done <- o
			}()
			<-p.read
			return nil
		})
		close(p.release)
		if old := <-done; err != nil || old.IPLimit != 11 {
			t.Fatalf("racing read: %+v, commit: %v", old, err)
		}
		if o, _ := cs.OTPSettings.Get(ctx, "p1"); o.IPLimit != 12 {
			t.Fatalf("a read that raced the commit left the old row behind: %+v", o)
		}
	})
}

// stepClock is a clock a test moves by hand.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *stepClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestCachedRowsExpireAfterTheTTL(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := newCacheFixture(t, db)
		clock := &stepClock{now: testTime}
		cs := f.plain.Cached(storage.CacheOptions{TTL: 5 * time.Second, Now: clock.Now})
		if _, err := cs.Applications.GetByClientID(ctx, "client-1"); err != nil {
			t.Fatal(err)
		}
		// Another instance (the plain store here) disables the application.
		if _, err := f.plain.Applications.Update(ctx, "p1", "a1", func(a *domain.Application) error { a.Enabled = false; return nil }); err != nil {
			t.Fatal(err)
		}
		clock.Add(5*time.Second - time.Nanosecond)
		if a, _ := cs.Applications.GetByClientID(ctx, "client-1"); !a.Enabled {
			t.Fatal("the entry expired before its TTL")
		}
		clock.Add(time.Nanosecond)
		var a *domain.Application
		if n := f.hook.queries(func() { a, _ = cs.Applications.GetByClientID(ctx, "client-1") }); n != 1 || a.Enabled {
			t.Fatalf("after the TTL: enabled %v, %d queries", a.Enabled, n)
		}
	})
}

func TestCacheStaysBounded(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := newCacheFixture(t, db)
		cs := f.plain.Cached(storage.CacheOptions{TTL: time.Hour, MaxEntries: 8})
		for i := 0; i < 20; i++ {
			if err := f.plain.Applications.Create(ctx, newApp(fmt.Sprintf("b%d", i), "p1", fmt.Sprintf("bulk-%d", i))); err != nil {
				t.Fatal(err)
			}
		}
		for round := 0; round < 2; round++ {
			for i := 0; i < 20; i++ {
				a, err := cs.Applications.GetByClientID(ctx, fmt.Sprintf("bulk-%d", i))
				if err != nil || a.ID != fmt.Sprintf("b%d", i) {
					t.Fatalf("bulk-%d: %+v %v", i, a, err)
				}
				if n := storage.CacheLen(cs); n > 8 {
					t.Fatalf("%d entries, bound 8", n)
				}
			}
		}
		before := storage.CacheLen(cs)
		for i := 0; i < 50; i++ {
			if _, err := cs.Applications.GetByClientID(ctx, fmt.Sprintf("unknown-%d", i)); !errors.Is(err, domain.ErrNotFound) {
				t.Fatal(err)
			}
		}
		if n := storage.CacheLen(cs); n != before {
			t.Fatalf("unknown client ids changed the cache from %d to %d entries", before, n)
		}
	})
}

func TestCacheTTLZeroWiresThePlainStores(t *testing.T) {
	s := storage.NewStores(nil)
	cs := s.Cached(storage.CacheOptions{})
	if cs.Applications != ports.ApplicationStore(s.Applications) || cs.Pools != ports.PoolStore(s.Pools) ||
		cs.AuthSources != ports.AuthSourceStore(s.AuthSources) || cs.OTPSettings != ports.OTPSettingsStore(s.OTPSettings) ||
		cs.MessageSettings != ports.MessageSettingsStore(s.MessageSettings) || cs.Connectors != ports.ConnectorStore(s.Connectors) {
		t.Fatalf("TTL 0 wired %+v", cs)
	}
}

// Readers and writers at once: no data race, and once the writes stop every reader sees the
// last one.
func TestCachedStoresUnderConcurrentUse(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := newCacheFixture(t, db)
		cs := f.plain.Cached(storage.CacheOptions{TTL: time.Hour})
		stop := make(chan struct{})
		var readers sync.WaitGroup
		for i := 0; i < 4; i++ {
			readers.Add(1)
			go func() {
				defer readers.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					a, err := cs.Applications.GetByClientID(ctx, "client-1")
					if err != nil {
						t.Error(err)
						return
					}
					scribble(a)
					if _, err := cs.OTPSettings.Get(ctx, "p1"); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		for i := 1; i <= 20; i++ {
			if _, err := cs.Applications.Update(ctx, "p1", "a1", func(a *domain.Application) error { a.AccessTokenTTL = 600 + i; return nil }); err != nil {
				t.Fatal(err)
			}
			err := db.Run(ctx, func(ctx context.Context) error {
				o := domain.DefaultOTPSettings("p1")
				o.IPLimit = i
				return cs.OTPSettings.Put(ctx, o)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		close(stop)
		readers.Wait()
		if a, _ := cs.Applications.GetByClientID(ctx, "client-1"); a.AccessTokenTTL != 620 {
			t.Fatalf("last application write not seen: ttl %d", a.AccessTokenTTL)
		}
		if o, _ := cs.OTPSettings.Get(ctx, "p1"); o.IPLimit != 20 {
			t.Fatalf("last otp settings not seen: %d", o.IPLimit)
		}
	})
}

// Another instance's write reaches this one's cache only after the TTL; a ctx asking for fresh
// reads (the management API's) sees it at once and leaves the cache as it was.
func TestCachedStoresServeFreshReadsFromTheDatabase(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := newCacheFixture(t, db)
		cs := f.plain.Cached(storage.CacheOptions{TTL: time.Hour})
		warm(t, cs)
		// Written past this cache, as another instance would.
		changed := domain.DefaultOTPSettings("p1")
		changed.IPLimit = 99
		if err := f.plain.OTPSettings.Put(ctx, changed); err != nil {
			t.Fatal(err)
		}
		fresh := domain.WithFreshReads(ctx)
		for _, r := range fixtureReads {
			if n := f.hook.queries(func() { _, _ = r.do(fresh, cs) }); n != 1 {
				t.Errorf("%s: a fresh read made %d queries, want 1", r.name, n)
			}
		}
		if o, err := cs.OTPSettings.Get(fresh, "p1"); err != nil || o.IPLimit != 99 {
			t.Errorf("fresh read: %+v %v, want the IP limit written past the cache", o, err)
		}
		var o *domain.OTPSettings
		var err error
		if n := f.hook.queries(func() { o, err = cs.OTPSettings.Get(ctx, "p1") }); n != 0 || err != nil || o.IPLimit == 99 {
			t.Errorf("a plain read after fresh ones: %+v %v, %d queries; want the cached row", o, err, n)
		}
	})
}
