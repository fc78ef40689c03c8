package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

func newChallenge(id, pool string, now time.Time) *domain.OTPChallenge {
	return &domain.OTPChallenge{ID: id, PoolID: pool, ApplicationID: "app", AuthSourceID: "src", Channel: "sms",
		Recipient: "+8613612345678", Usage: "login", CodeHMAC: fmt.Sprintf("%064d", 1), TokenHash: fmt.Sprintf("%064s", id),
		CodeExpiresAt: now.Add(time.Minute), TokenExpiresAt: now.Add(5 * time.Minute), CreatedAt: now}
}

// burn makes a challenge unusable with wrong codes.
func burn(t *testing.T, s *storage.Stores, id string, now time.Time) {
	t.Helper()
	for range domain.OTPMaxAttempts {
		if _, err := s.OTP.Fail(context.Background(), id, domain.OTPMaxAttempts, now); err != nil {
			t.Fatal(err)
		}
	}
}

// A challenge stored with its send's event: both are stored, or, when one cannot be, neither.
func TestOTPCreateWithItsSend(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "p1")
		sent := func(id string) *domain.AuditEvent {
			return &domain.AuditEvent{ID: id, PoolID: "p1", Time: testTime, Type: domain.AuditSendOTP, Result: domain.AuditSuccess,
				Details: "usage=login channel=sms"}
		}
		events := func(id string) int64 {
			n, err := db.NewSelect().Table("audit_logs").Where("id = ?", id).Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		c := newChallenge("c1", "p1", testTime)
		if err := s.OTP.Create(ctx, c, sent("e1")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.OTP.GetByToken(ctx, "p1", c.TokenHash); err != nil || events("e1") != 1 {
			t.Fatalf("after a send: challenge %v, %d events", err, events("e1"))
		}
		// The event's ID is taken: the challenge is not stored either.
		c2 := newChallenge("c2", "p1", testTime)
		if err := s.OTP.Create(ctx, c2, sent("e1")); domain.KindOf(err) != domain.KindConflict {
			t.Fatalf("a send whose event cannot be stored: %v, want a conflict", err)
		}
		if _, err := s.OTP.GetByToken(ctx, "p1", c2.TokenHash); domain.KindOf(err) != domain.KindNotFound {
			t.Fatalf("the challenge of a send whose event was refused: %v, want not found", err)
		}
		// The challenge's token is taken: a conflict, and no event (the atomicity itself is the
		// case above, where the unit's second statement fails).
		c3 := newChallenge("c3", "p1", testTime)
		c3.TokenHash = c.TokenHash
		if err := s.OTP.Create(ctx, c3, sent("e3")); domain.KindOf(err) != domain.KindConflict || events("e3") != 0 {
			t.Fatalf("a send whose challenge cannot be stored: %v and %d events, want a conflict and none", err, events("e3"))
		}
	})
}

func TestOTPStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "p1", "p2")
		now := testTime
		c := newChallenge("c1", "p1", now)
		if err := s.OTP.Create(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
		got, err := s.OTP.GetByToken(ctx, "p1", c.TokenHash)
		if err != nil || got.Recipient != c.Recipient || got.Usage != "login" || !got.CodeExpiresAt.Equal(c.CodeExpiresAt) || got.Attempts != 0 {
			t.Fatalf("get %+v %v", got, err)
		}
		if _, err := s.OTP.GetByToken(ctx, "p2", c.TokenHash); domain.KindOf(err) != domain.KindNotFound {
			t.Fatalf("another pool's token: %v", err)
		}

		// Wrong codes count; the fifth burns; nothing counts after that.
		for i := 1; i <= 5; i++ {
			if ok, err := s.OTP.Fail(ctx, "c1", 5, now); !ok || err != nil {
				t.Fatalf("fail %d: %v %v", i, ok, err)
			}
		}
		if ok, _ := s.OTP.Fail(ctx, "c1", 5, now); ok {
			t.Fatal("a burned challenge counted a sixth failure")
		}
		got, _ = s.OTP.GetByToken(ctx, "p1", c.TokenHash)
		if got.Attempts != 5 || got.BurnedAt == nil || got.Usable(now) {
			t.Fatalf("after 5 failures %+v", got)
		}
		if ok, _ := s.OTP.Consume(ctx, "c1", 5, now); ok {
			t.Fatal("consumed a burned challenge")
		}

		// Consume wins once, even concurrently, and never after the code expired.
		if err := s.OTP.Create(ctx, newChallenge("c2", "p1", now), nil); err != nil {
			t.Fatal(err)
		}
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := s.OTP.Consume(ctx, "c2", 5, now)
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d consumes won", wins.Load())
		}
		if err := s.OTP.Create(ctx, newChallenge("c3", "p1", now), nil); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.OTP.Consume(ctx, "c3", 5, now.Add(time.Minute)); ok {
			t.Fatal("consumed an expired code")
		}
		burn(t, s, "c3", now)
		if ok, _ := s.OTP.Consume(ctx, "c3", 5, now); ok {
			t.Fatal("consumed a burned code")
		}

		// Settings: defaults, then a round trip.
		set, err := s.OTPSettings.Get(ctx, "p1")
		if err != nil || set.RecipientHourlyLimit != 5 || set.PoolDailyLimit != 10000 || len(set.BlockedEmailDomains) != 0 {
			t.Fatalf("defaults %+v %v", set, err)
		}
		set.IPLimit, set.BlockedEmailDomains, set.UpdatedAt = 7, []string{"spam.example"}, now
		if err := s.OTPSettings.Put(ctx, set); err != nil {
			t.Fatal(err)
		}
		set.IPLimit = 8
		if err := s.OTPSettings.Put(ctx, set); err != nil {
			t.Fatal(err)
		}
		if got, err := s.OTPSettings.Get(ctx, "p1"); err != nil || got.IPLimit != 8 || got.BlockedEmailDomains[0] != "spam.example" {
			t.Fatalf("round trip %+v %v", got, err)
		}

		// Deleting the pool removes its challenges, counters and settings.
		if ok, _, err := s.RateLimiter.Hit(ctx, "p1", "k", time.Hour, 1, now); !ok || err != nil {
			t.Fatal(ok, err)
		}
		throttle := ports.Throttle{Windows: [2]ports.Window{{Length: time.Hour, Limit: 1}, {Length: time.Hour, Limit: 1}}}
		if ok, _, err := s.RateLimiter.Throttle(ctx, "p1", "r", throttle, now); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if err := s.Pools.Delete(ctx, "p1"); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"otp_challenges", "rate_counters", "recipient_counters", "otp_settings"} {
			if n := countRows(t, db, table, "pool_id = ?", "p1"); n != 0 {
				t.Fatalf("%s: %d rows outlived the pool", table, n)
			}
		}
	})
}

func TestRateLimiter(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "p1")
		rl := s.RateLimiter
		now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

		// Of 40 concurrent hits on a limit of 10, exactly 10 pass.
		var allowed atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, _, err := rl.Hit(ctx, "p1", "burst", time.Hour, 10, now)
				if err != nil {
					t.Error(err)
				}
				if ok {
					allowed.Add(1)
				}
			}()
		}
		wg.Wait()
		if allowed.Load() != 10 {
			t.Fatalf("%d hits allowed, want 10", allowed.Load())
		}
		ok, retry, _ := rl.Hit(ctx, "p1", "burst", time.Hour, 10, now.Add(30*time.Minute))
		if ok || retry != 30*time.Minute {
			t.Fatalf("full window: %v retry %v", ok, retry)
		}
		if ok, _, _ := rl.Hit(ctx, "p1", "burst", time.Hour, 10, now.Add(time.Hour)); !ok {
			t.Fatal("the next window refused")
		}
		// A window shorter than the counters' millisecond is one millisecond long.
		if ok, _, err := rl.Hit(ctx, "p1", "instant", time.Microsecond, 1, now); !ok || err != nil {
			t.Fatalf("sub-millisecond window: %v %v", ok, err)
		}
		if ok, retry, _ := rl.Hit(ctx, "p1", "instant", 0, 1, now); ok || retry != time.Millisecond {
			t.Fatalf("full sub-millisecond window: %v retry %v", ok, retry)
		}
		if ok, _, _ := rl.Hit(ctx, "p1", "other", time.Hour, 10, now); !ok {
			t.Fatal("keys are not independent")
		}
	})
}

// A throttle decides its cooldown and both windows in one step: a refusal names the time until
// the refusing limit passes and counts nothing, and of concurrent events exactly the allowed
// number pass.
func TestRateLimiterThrottle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "p1")
		rl := s.RateLimiter
		now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
		limits := ports.Throttle{Cooldown: time.Minute, Windows: [2]ports.Window{{Length: time.Hour, Limit: 3}, {Length: 24 * time.Hour, Limit: 4}}}
		step := func(at time.Duration, wantOK bool, wantRetry time.Duration) {
			t.Helper()
			ok, retry, err := rl.Throttle(ctx, "p1", "r", limits, now.Add(at))
			if err != nil || ok != wantOK || retry != wantRetry {
				t.Fatalf("at +%v: allowed %v retry %v err %v; want %v %v", at, ok, retry, err, wantOK, wantRetry)
			}
		}
		step(0, true, 0)
		step(20*time.Second, false, 40*time.Second) // the cooldown, from the last allowed event
		step(59*time.Second, false, time.Second)
		step(time.Minute, true, 0)
		step(2*time.Minute, true, 0)
		step(3*time.Minute, false, 57*time.Minute) // 3 this hour: the hour's end
		step(10*time.Minute, false, 50*time.Minute)
		step(time.Hour, true, 0)                                     // a new hour; refusals counted nothing
		step(time.Hour+time.Minute, false, 13*time.Hour-time.Minute) // 4 today: the day's end (UTC midnight)
		step(24*time.Hour, true, 0)
		if ok, _, _ := rl.Throttle(ctx, "p1", "other", limits, now); !ok {
			t.Fatal("keys are not independent")
		}
		if ok, _, _ := rl.Throttle(ctx, "p1", "r", ports.Throttle{Windows: [2]ports.Window{{Length: time.Hour, Limit: 0}, {Length: time.Hour, Limit: 9}}}, now); ok {
			t.Fatal("a zero limit allowed an event")
		}

		// Of 30 concurrent events, the cooldown lets one pass; without one, the hourly cap 3.
		for _, tc := range []struct {
			cooldown time.Duration
			want     int32
		}{{time.Minute, 1}, {0, 3}} {
			var allowed atomic.Int32
			var wg sync.WaitGroup
			key := fmt.Sprintf("burst-%v", tc.cooldown)
			l := limits
			l.Cooldown = tc.cooldown
			for i := 0; i < 30; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ok, _, err := rl.Throttle(ctx, "p1", key, l, now)
					if err != nil {
						t.Error(err)
					}
					if ok {
						allowed.Add(1)
					}
				}()
			}
			wg.Wait()
			if allowed.Load() != tc.want {
				t.Errorf("cooldown %v: %d of 30 concurrent events passed, want %d", tc.cooldown, allowed.Load(), tc.want)
			}
		}
	})
}

// A large limit is leased to instances in slices, and still never exceeded: one instance
// allows exactly the limit; two sharing the database allow at most the limit and at most one
// lease fewer; and a lease taken in a transaction that rolls back is not handed out twice.
func TestRateLimiterLeases(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		newStores(t, db, "p1")
		now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
		const limit, lease = 1000, 1000 / 64
		hammer := func(key string, hits int, limiters ...*storage.RateLimiter) int {
			var allowed atomic.Int32
			var wg sync.WaitGroup
			for i := 0; i < 8; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := i; j < hits; j += 8 {
						ok, _, err := limiters[j%len(limiters)].Hit(ctx, "p1", key, time.Hour, limit, now)
						if err != nil {
							t.Error(err)
							return
						}
						if ok {
							allowed.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			return int(allowed.Load())
		}
		if got := hammer("one", limit+200, storage.NewStores(db).RateLimiter); got != limit {
			t.Errorf("one instance allowed %d of a limit of %d", got, limit)
		}
		a, b := storage.NewStores(db).RateLimiter, storage.NewStores(db).RateLimiter
		if got := hammer("two", limit+200, a, b); got > limit || got < limit-lease {
			t.Errorf("two instances allowed %d of a limit of %d", got, limit)
		}

		const small = 128 // leases of 2
		a, b = storage.NewStores(db).RateLimiter, storage.NewStores(db).RateLimiter
		allowed := 0
		rollback := errors.New("rollback")
		err := db.Run(ctx, func(ctx context.Context) error {
			if ok, _, err := a.Hit(ctx, "p1", "tx", time.Hour, small, now); err != nil || !ok {
				t.Fatalf("first hit: %v %v", ok, err)
			}
			allowed++
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		for _, rl := range []*storage.RateLimiter{b, a} {
			for {
				ok, _, err := rl.Hit(ctx, "p1", "tx", time.Hour, small, now)
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					break
				}
				allowed++
			}
		}
		// On SQLite the event is counted inside the transaction, and the rollback returns it.
		want := small
		if db.Dialect == "sqlite" {
			want = small + 1
		}
		if allowed != want {
			t.Errorf("around a rolled-back transaction %d events were allowed, want %d", allowed, want)
		}
	})
}

// Leases of live windows on more keys than the lease table holds (a generous per-address limit
// hit from many addresses) do not grow it past its bound.
func TestRateLimiterLeaseTableStaysBounded(t *testing.T) {
	rl := storage.NewStores(nil).RateLimiter
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	start, end := now.UnixMilli(), now.Add(24*time.Hour).UnixMilli()
	for i := range storage.MaxLeases + 100 {
		storage.AddLease(rl, "p1", fmt.Sprint("ip:", i), start, end, 10, now)
		if n := storage.LeaseCount(rl); n > storage.MaxLeases {
			t.Fatalf("%d leases kept after %d keys, bound %d", n, i+1, storage.MaxLeases)
		}
	}
}

// Concurrent challenges share rounds; one that cannot be stored fails alone.
func TestOTPCreateConcurrent(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "p1")
		challenge := func(id, tokenHash string) *domain.OTPChallenge {
			c := newChallenge(id, "p1", testTime)
			c.TokenHash = tokenHash
			return c
		}
		if err := s.OTP.Create(ctx, challenge("taken", "hash-taken"), nil); err != nil {
			t.Fatal(err)
		}
		insertConcurrently(t, func(i int, collide bool) error {
			hash := fmt.Sprint("hash-", i)
			if collide {
				hash = "hash-taken" // the token hash is unique
			}
			return s.OTP.Create(ctx, challenge(fmt.Sprint("c", i), hash), nil)
		}, func(i int) error {
			_, err := s.OTP.GetByToken(ctx, "p1", fmt.Sprint("hash-", i))
			return err
		})
	})
}

// insertConcurrently inserts 40 rows at once, the 8th colliding with a stored one (collide),
// and checks that exactly that insert failed, as a conflict, and every other row can be read.
// Batched inserts must fail a bad row alone, not its neighbours.
func insertConcurrently(t *testing.T, insert func(i int, collide bool) error, read func(i int) error) {
	t.Helper()
	const n, bad = 40, 7
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = insert(i, i == bad)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		switch {
		case i == bad && domain.KindOf(err) != domain.KindConflict:
			t.Errorf("insert %d, a duplicate: %v", i, err)
		case i != bad && err != nil:
			t.Errorf("insert %d: %v", i, err)
		case i != bad:
			if err := read(i); err != nil {
				t.Errorf("read %d: %v", i, err)
			}
		}
	}
}

// GetByTokenWithUser joins the pool's user whose phone or email is the recipient.
func TestOTPChallengeWithUser(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "p1", "p2")
		now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
		ally := newUser("p1", "u1", "ally", now)
		ally.PhoneNumber = "+8613612345678"
		twin := newUser("p2", "u2", "ally", now) // the same phone in another pool
		twin.PhoneNumber = "+8613612345678"
		for _, u := range []*domain.User{ally, twin} {
			if err := s.Users.Create(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		for hash, recipient := range map[string]string{"h-phone": "+8613612345678", "h-email": "ally@example.com", "h-nobody": "+8613700000000"} {
			c := newChallenge(hash, "p1", now)
			c.Recipient, c.TokenHash = recipient, hash
			if err := s.OTP.Create(ctx, c, nil); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			hash   string
			key    ports.UserKey
			wantID string
		}{
			{"h-phone", ports.ByPhone, "u1"}, {"h-phone", ports.ByEmail, ""},
			{"h-email", ports.ByEmail, "u1"}, {"h-email", ports.ByPhone, ""},
			{"h-nobody", ports.ByPhone, ""},
		} {
			c, u, err := s.OTP.GetByTokenWithUser(ctx, "p1", tc.hash, tc.key)
			if err != nil || c.TokenHash != tc.hash || c.Usage != domain.UsageLogin || !c.CodeExpiresAt.Equal(now.Add(time.Minute)) {
				t.Fatalf("%s by %s: challenge %+v, %v", tc.hash, tc.key, c, err)
			}
			switch {
			case tc.wantID == "" && u != nil:
				t.Errorf("%s by %s: joined %s", tc.hash, tc.key, u.ID)
			case tc.wantID != "" && (u == nil || u.ID != tc.wantID || u.PoolID != "p1" || u.UserName != "ally" || u.Status != domain.UserDisabled):
				t.Errorf("%s by %s: user %+v, want %s", tc.hash, tc.key, u, tc.wantID)
			}
		}
		if _, _, err := s.OTP.GetByTokenWithUser(ctx, "p2", "h-phone", ports.ByPhone); domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("another pool's challenge: %v", err)
		}
	})
}

// loginCommit is a login of user in pool with the challenge, its audit event and refresh token
// named after the challenge and the attempt (so that racing attempts write distinct rows).
func loginCommit(pool, challenge, user, attempt string, at time.Time) ports.LoginCommit {
	id := challenge + "-" + attempt
	return ports.LoginCommit{ChallengeID: challenge, MaxAttempts: domain.OTPMaxAttempts, PoolID: pool, UserID: user, At: at,
		Event: &domain.AuditEvent{ID: "e-" + id, PoolID: pool, Time: at, Type: domain.AuditLogin, Result: domain.AuditSuccess,
			UserID: user, Details: "otp sms"},
		RefreshToken: &domain.RefreshToken{ID: "rt-" + id, PoolID: pool, ApplicationID: "app", UserID: user, FamilyID: "f-" + id,
			TokenHash: fmt.Sprintf("%064s", "rt-"+id), Scope: "openid", AMR: []string{"otp", "sms"}, AuthTime: at,
			ExpiresAt: at.Add(time.Hour), CreatedAt: at}}
}

// loginWrites tells whether a login commit's event and refresh token are stored, failing the
// test when only one of them is.
func loginWrites(t *testing.T, db *storage.DB, s *storage.Stores, l ports.LoginCommit) bool {
	t.Helper()
	ctx := context.Background()
	events, err := db.NewSelect().Table("audit_logs").Where("id = ?", l.Event.ID).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := s.RefreshTokens.GetByHash(ctx, l.PoolID, l.RefreshToken.TokenHash)
	if err != nil && domain.KindOf(err) != domain.KindNotFound {
		t.Fatal(err)
	}
	if events > 1 || (events == 1) != (rt != nil) {
		t.Fatalf("login %s: %d events and refresh token %+v, want both or neither", l.Event.ID, events, rt)
	}
	if rt != nil && (rt.UserID != l.UserID || rt.FamilyID != l.RefreshToken.FamilyID || !rt.ExpiresAt.Equal(l.RefreshToken.ExpiresAt)) {
		t.Fatalf("login %s stored refresh token %+v, want %+v", l.Event.ID, rt, l.RefreshToken)
	}
	return events == 1
}

// CommitLogin consumes a live challenge and, in the same commit, records the login and stores
// its event and refresh token: the first login enables a user, a lock or a freeze is kept; a
// challenge no longer live, or a user gone, writes nothing and leaves the challenge as it was.
func TestOTPCommitLogin(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "pa")
		fresh := newUser("pa", "fresh", "fresh", testTime)
		fresh.ErrorCount = 2
		locked := newUser("pa", "locked", "locked", testTime)
		if err := locked.Lock(testTime); err != nil {
			t.Fatal(err)
		}
		frozen := newUser("pa", "frozen", "frozen", testTime)
		if err := frozen.Freeze(); err != nil {
			t.Fatal(err)
		}
		for _, u := range []*domain.User{fresh, locked, frozen} {
			if err := s.Users.Create(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		at := testTime.Add(30 * time.Second)
		for id, want := range map[string]domain.UserStatus{"fresh": domain.UserEnabled, "locked": domain.UserLocked, "frozen": domain.UserFrozen} {
			if err := s.OTP.Create(ctx, newChallenge("c-"+id, "pa", testTime), nil); err != nil {
				t.Fatal(err)
			}
			l := loginCommit("pa", "c-"+id, id, "1", at)
			if won, err := s.OTP.CommitLogin(ctx, l); err != nil || !won {
				t.Fatalf("%s: commit login = %v, %v", id, won, err)
			}
			if !loginWrites(t, db, s, l) {
				t.Fatalf("%s: the login's event and refresh token were not stored", id)
			}
			got, err := s.Users.Get(ctx, "pa", id)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != want || !got.AlreadyFirstLogin || got.ErrorCount != 0 || got.LastLoginAt == nil ||
				!got.LastLoginAt.Equal(at) || !got.UpdatedAt.Equal(at) {
				t.Errorf("%s after a login: %+v, want status %s", id, got, want)
			}
			// The store agrees with the domain's rule.
			before := map[string]*domain.User{"fresh": fresh, "locked": locked, "frozen": frozen}[id]
			before.RecordLogin(at)
			if before.Status != got.Status {
				t.Errorf("%s: store says %s, domain.User.RecordLogin says %s", id, got.Status, before.Status)
			}
		}
		// Without a refresh token the event alone is stored.
		if err := s.OTP.Create(ctx, newChallenge("c-bare", "pa", testTime), nil); err != nil {
			t.Fatal(err)
		}
		bare := loginCommit("pa", "c-bare", "fresh", "1", at)
		bare.RefreshToken = nil
		if won, err := s.OTP.CommitLogin(ctx, bare); err != nil || !won {
			t.Fatalf("login without a refresh token: %v, %v", won, err)
		}
		if n, err := db.NewSelect().Table("audit_logs").Where("id = ?", bare.Event.ID).Count(ctx); err != nil || n != 1 {
			t.Fatalf("login without a refresh token: %d events, %v", n, err)
		}

		// Used once: the second time writes nothing.
		later := at.Add(time.Second)
		refused := func(challenge, user string) {
			t.Helper()
			l := loginCommit("pa", challenge, user, "refused", later)
			if won, err := s.OTP.CommitLogin(ctx, l); err != nil || won {
				t.Fatalf("%s: commit login = %v, %v", challenge, won, err)
			}
			if loginWrites(t, db, s, l) {
				t.Fatalf("%s: a refused login stored its event and refresh token", challenge)
			}
		}
		refused("c-fresh", "fresh")
		// Expired, or burned: nothing either.
		if err := s.OTP.Create(ctx, newChallenge("c-old", "pa", testTime.Add(-time.Hour)), nil); err != nil {
			t.Fatal(err)
		}
		if err := s.OTP.Create(ctx, newChallenge("c-burned", "pa", testTime), nil); err != nil {
			t.Fatal(err)
		}
		burn(t, s, "c-burned", testTime)
		refused("c-old", "fresh")
		refused("c-burned", "fresh")
		if got, _ := s.Users.Get(ctx, "pa", "fresh"); got == nil || !got.LastLoginAt.Equal(at) {
			t.Fatalf("fresh's last login moved on refused logins: %+v", got)
		}
		// A user of another pool (or gone) writes nothing and leaves the code unconsumed.
		if err := s.OTP.Create(ctx, newChallenge("c-gone", "pa", testTime), nil); err != nil {
			t.Fatal(err)
		}
		refused("c-gone", "nobody")
		if c, err := s.OTP.GetByToken(ctx, "pa", newChallenge("c-gone", "pa", testTime).TokenHash); err != nil || c.ConsumedAt != nil {
			t.Fatalf("the challenge of an unknown user: %+v %v", c, err)
		}
		// A commit that fails (its event's ID is taken) writes nothing, the consumption included.
		if err := s.OTP.Create(ctx, newChallenge("c-dup", "pa", testTime), nil); err != nil {
			t.Fatal(err)
		}
		dup := loginCommit("pa", "c-dup", "fresh", "1", later)
		dup.Event.ID = bare.Event.ID
		if won, err := s.OTP.CommitLogin(ctx, dup); domain.KindOf(err) != domain.KindConflict || won {
			t.Fatalf("a login whose event cannot be stored: %v, %v; want a conflict", won, err)
		}
		if c, err := s.OTP.GetByToken(ctx, "pa", newChallenge("c-dup", "pa", testTime).TokenHash); err != nil || c.ConsumedAt != nil {
			t.Fatalf("the challenge of a failed login commit: %+v %v", c, err)
		}
		if _, err := s.RefreshTokens.GetByHash(ctx, "pa", dup.RefreshToken.TokenHash); domain.KindOf(err) != domain.KindNotFound {
			t.Fatalf("the refresh token of a failed login commit: %v", err)
		}
	})
}

// Concurrent logins: of the requests racing with one code exactly one wins, records its login
// and stores its event and refresh token; logins with codes of their own each keep their own
// time.
func TestOTPCommitLoginConcurrent(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "pa")
		const n = 30
		for i := range n {
			id := fmt.Sprint("u", i)
			if err := s.Users.Create(ctx, newUser("pa", id, fmt.Sprint("user", i), testTime)); err != nil {
				t.Fatal(err)
			}
			if err := s.OTP.Create(ctx, newChallenge("c-"+id, "pa", testTime), nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Users.Create(ctx, newUser("pa", "racer", "racer", testTime)); err != nil {
			t.Fatal(err)
		}
		if err := s.OTP.Create(ctx, newChallenge("shared", "pa", testTime), nil); err != nil {
			t.Fatal(err)
		}
		racers := make([]ports.LoginCommit, n)
		won := make([]bool, n)
		var wg sync.WaitGroup
		for i := range n {
			id := fmt.Sprint("u", i)
			wg.Go(func() {
				l := loginCommit("pa", "c-"+id, id, "1", testTime.Add(time.Duration(i+1)*time.Second))
				if won, err := s.OTP.CommitLogin(ctx, l); err != nil || !won {
					t.Errorf("%s: %v %v", id, won, err)
				}
			})
			racers[i] = loginCommit("pa", "shared", "racer", fmt.Sprint(i), testTime.Add(45*time.Second))
			wg.Go(func() {
				var err error
				if won[i], err = s.OTP.CommitLogin(ctx, racers[i]); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		wins := 0
		for i, l := range racers {
			if stored := loginWrites(t, db, s, l); stored != won[i] {
				t.Errorf("racer %d won %v but its writes stored %v", i, won[i], stored)
			}
			if won[i] {
				wins++
			}
		}
		if wins != 1 {
			t.Fatalf("%d requests won one code", wins)
		}
		for i := range n + 1 {
			id, want := fmt.Sprint("u", i), testTime.Add(time.Duration(i+1)*time.Second)
			if i == n {
				id, want = "racer", testTime.Add(45*time.Second)
			}
			got, err := s.Users.Get(ctx, "pa", id)
			if err != nil {
				t.Fatal(err)
			}
			if got.LastLoginAt == nil || !got.LastLoginAt.Equal(want) || got.Status != domain.UserEnabled {
				t.Errorf("%s: last login %v status %s, want %v enabled", id, got.LastLoginAt, got.Status, want)
			}
		}
	})
}
