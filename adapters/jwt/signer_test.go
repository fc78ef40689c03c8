package jwt_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	jwxjwt "github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/gatehouse-iam/gatehouse/adapters/jwt"
	"github.com/gatehouse-iam/gatehouse/adapters/secrets"
	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/adapters/system"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var start = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func newCipher(t testing.TB, b byte) *secrets.Cipher {
	c, err := secrets.NewCipher(secrets.Derive(bytes.Repeat([]byte{b}, 32), "signing-keys"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type fixture struct {
	db     *storage.DB
	stores *storage.Stores
	clock  *clock
	signer *jwt.Signer
}

func setup(t testing.TB, db *storage.DB, pools ...string) *fixture {
	stores := storage.NewStores(db)
	for _, p := range pools {
		if err := stores.Pools.Create(context.Background(), &domain.Pool{ID: p, Name: "Pool " + p, CreatedAt: start, UpdatedAt: start}); err != nil {
			t.Fatal(err)
		}
	}
	f := &fixture{db: db, stores: stores, clock: &clock{now: start}}
	f.signer = f.newSigner(t, 1)
	return f
}

// newSigner is another "instance" over the same database.
func (f *fixture) newSigner(t testing.TB, cipherKey byte) *jwt.Signer {
	return jwt.New(f.stores.SigningKeys, newCipher(t, cipherKey), f.clock, system.IDs{}, jwt.Options{MaxTokenTTL: time.Hour})
}

// verifyIndependently checks tok with plain jwx against the JWKS bytes, as a relying party would.
func verifyIndependently(t *testing.T, jwks []byte, tok string) jwxjwt.Token {
	t.Helper()
	set, err := jwk.Parse(jwks)
	if err != nil {
		t.Fatalf("parse jwks: %v", err)
	}
	parsed, err := jwxjwt.ParseString(tok, jwxjwt.WithKeySet(set), jwxjwt.WithValidate(false))
	if err != nil {
		t.Fatalf("verify with the JWKS: %v", err)
	}
	return parsed
}

func TestSignEachAlgorithmVerifiesWithTheJWKS(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := setup(t, db, "p1", "p2")
		if _, err := f.signer.JWKS(ctx, "p1"); domain.KindOf(err) != domain.KindNotFound {
			t.Fatalf("JWKS before any key: %v", err)
		}
		for _, alg := range domain.SigningAlgs {
			tok, err := f.signer.Sign(ctx, "p1", alg, map[string]any{"sub": "u1", "alg_was": alg})
			if err != nil {
				t.Fatalf("%s: %v", alg, err)
			}
			set, err := f.signer.JWKS(ctx, "p1")
			if err != nil {
				t.Fatal(err)
			}
			parsed := verifyIndependently(t, set.JSON, tok)
			if parsed.Subject() != "u1" {
				t.Fatalf("%s: sub %q", alg, parsed.Subject())
			}
			header, _, _ := strings.Cut(tok, ".")
			var h map[string]any
			raw, _ := jwkDecode(header)
			_ = json.Unmarshal(raw, &h)
			if h["alg"] != alg || h["typ"] != "JWT" || h["kid"] == "" {
				t.Fatalf("%s: header %v", alg, h)
			}
			claims, err := f.signer.Verify(ctx, "p1", tok)
			if err != nil || claims["alg_was"] != alg {
				t.Fatalf("%s: own verify: %v %v", alg, claims, err)
			}
			// Another pool's keys do not verify it.
			if _, err := f.signer.Verify(ctx, "p2", tok); domain.KindOf(err) != domain.KindUnauthenticated {
				t.Fatalf("%s: verified with another pool's keys: %v", alg, err)
			}
			// A flipped signature byte does not verify.
			bad := tamper(tok)
			if _, err := f.signer.Verify(ctx, "p1", bad); domain.KindOf(err) != domain.KindUnauthenticated {
				t.Fatalf("%s: tampered token verified: %v", alg, err)
			}
		}
		set, _ := f.signer.JWKS(ctx, "p1")
		var doc struct{ Keys []map[string]any }
		if err := json.Unmarshal(set.JSON, &doc); err != nil || len(doc.Keys) != 3 {
			t.Fatalf("jwks: %s %v", set.JSON, err)
		}
		for _, k := range doc.Keys {
			if _, private := k["d"]; private || k["use"] != "sig" || k["kid"] == "" || k["alg"] == "" {
				t.Fatalf("published key %v", k)
			}
		}
		if set.ETag == "" {
			t.Fatal("no etag")
		}
		if _, err := f.signer.Sign(ctx, "p1", "HS256", map[string]any{}); domain.KindOf(err) != domain.KindInvalid {
			t.Fatalf("unsupported alg: %v", err)
		}
		if _, err := f.signer.Sign(ctx, "nope", "ES256", map[string]any{}); domain.KindOf(err) != domain.KindNotFound {
			t.Fatalf("unknown pool: %v", err)
		}
		for _, junk := range []string{"", "a.b.c", "not a token", "eyJhbGciOiJub25lIn0.e30."} {
			if _, err := f.signer.Verify(ctx, "p1", junk); domain.KindOf(err) != domain.KindUnauthenticated {
				t.Fatalf("junk %q: %v", junk, err)
			}
		}
	})
}

func jwkDecode(s string) ([]byte, error) {
	return jsonB64.DecodeString(s)
}

func TestPrivateKeysAreStoredSealed(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := setup(t, db, "p1")
		for _, alg := range domain.SigningAlgs {
			if err := f.signer.EnsureKey(ctx, "p1", alg); err != nil {
				t.Fatal(err)
			}
		}
		var rows []struct {
			ID            string `bun:"id"`
			PoolID        string `bun:"pool_id"`
			Alg           string `bun:"alg"`
			PrivateSealed []byte `bun:"private_sealed"`
			PublicJWK     string `bun:"public_jwk"`
		}
		if err := db.NewRaw("SELECT id, pool_id, alg, private_sealed, public_jwk FROM signing_keys").Scan(ctx, &rows); err != nil || len(rows) != 3 {
			t.Fatalf("%d rows %v", len(rows), err)
		}
		c := newCipher(t, 1)
		for _, r := range rows {
			if strings.Contains(r.PublicJWK, `"d"`) || strings.Contains(r.PublicJWK, `"p"`) {
				t.Fatalf("%s: private parts in public_jwk: %s", r.Alg, r.PublicJWK)
			}
			// It is the private JWK under the signing-keys cipher, bound to its own row.
			plain, err := c.Open(r.PrivateSealed, []byte("signing-key/"+r.ID+"/"+r.PoolID+"/"+r.Alg))
			if err != nil {
				t.Fatalf("%s: does not open: %v", r.Alg, err)
			}
			var k map[string]any
			if json.Unmarshal(plain, &k) != nil || k["kid"] != r.ID {
				t.Fatalf("%s: sealed content is not the private JWK", r.Alg)
			}
			// The row does not show it. (A short marker such as `"d"` would turn up by chance in
			// a random kilobyte or two about once in ten thousand keys; the private exponent or
			// scalar is tens of characters long.)
			if private, _ := k["d"].(string); len(private) < 32 || bytes.Contains(r.PrivateSealed, []byte(private)) ||
				bytes.Contains(r.PrivateSealed, plain) || json.Valid(r.PrivateSealed) {
				t.Fatalf("%s: private key readable in the row", r.Alg)
			}
			if _, err := c.Open(r.PrivateSealed, []byte("signing-key/other/"+r.PoolID+"/"+r.Alg)); err == nil {
				t.Fatalf("%s: opens under another kid", r.Alg)
			}
		}
		// An instance with another master key cannot use (nor rotate over) the pool's keys.
		other := f.newSigner(t, 2)
		if _, err := other.Sign(ctx, "p1", "ES256", map[string]any{}); domain.KindOf(err) != domain.KindInternal {
			t.Fatalf("sign under a wrong master key: %v", err)
		}
		if _, err := other.Rotate(ctx, "p1", "ES256"); domain.KindOf(err) != domain.KindInternal {
			t.Fatalf("rotate under a wrong master key: %v", err)
		}
	})
}

func TestParallelFirstUseMakesOneActiveKey(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := setup(t, db, "p1")
		// Four "instances" with eight requests each race to sign with a pool that has no key.
		instances := []*jwt.Signer{f.signer, f.newSigner(t, 1), f.newSigner(t, 1), f.newSigner(t, 1)}
		for _, alg := range []string{"ES256", "EdDSA", "RS256"} {
			var wg sync.WaitGroup
			toks := make(chan string, 32)
			for _, s := range instances {
				for range 8 {
					wg.Go(func() {
						tok, err := s.Sign(ctx, "p1", alg, map[string]any{"sub": "u"})
						if err != nil {
							t.Errorf("%s: %v", alg, err)
							return
						}
						toks <- tok
					})
				}
			}
			wg.Wait()
			close(toks)
			var active int
			if err := db.NewRaw("SELECT COUNT(*) FROM signing_keys WHERE pool_id = ? AND alg = ? AND status = ?", "p1", alg, domain.KeyActive).
				Scan(ctx, &active); err != nil || active != 1 {
				t.Fatalf("%s: %d active keys (%v)", alg, active, err)
			}
			var total int
			_ = db.NewRaw("SELECT COUNT(*) FROM signing_keys WHERE pool_id = ? AND alg = ?", "p1", alg).Scan(ctx, &total)
			if total != 1 {
				t.Fatalf("%s: %d keys stored", alg, total)
			}
			set, _ := instances[3].JWKS(ctx, "p1")
			kids := map[string]bool{}
			for tok := range toks {
				parsed := verifyIndependently(t, set.JSON, tok)
				_ = parsed
				h, _, _ := strings.Cut(tok, ".")
				kids[h] = true
			}
			if len(kids) != 1 {
				t.Fatalf("%s: tokens signed with %d different keys", alg, len(kids))
			}
		}
	})
}

func TestRotationKeepsOldKeyPublishedUntilItsTokensExpire(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := setup(t, db, "p1")
		old, err := f.signer.Sign(ctx, "p1", "ES256", map[string]any{"sub": "u"})
		if err != nil {
			t.Fatal(err)
		}
		before, _ := f.signer.JWKS(ctx, "p1")
		kid, err := f.signer.Rotate(ctx, "p1", "ES256")
		if err != nil {
			t.Fatal(err)
		}
		// Published at once...
		set, _ := f.signer.JWKS(ctx, "p1")
		if kids := kidsOf(t, set.JSON); len(kids) != 4 || kids[0] != kid {
			t.Fatalf("after rotation the JWKS has %v", kids)
		}
		if set.ETag == before.ETag {
			t.Fatal("etag did not change with the key set")
		}
		// ...but signing with it waits until every cache can have seen it.
		if tok, _ := f.signer.Sign(ctx, "p1", "ES256", map[string]any{}); kidOf(t, tok) != kidOf(t, old) {
			t.Fatal("rotated-in key signs before its publish delay")
		}
		f.clock.Add(jwt.DefaultPublishDelay)
		fresh, err := f.signer.Sign(ctx, "p1", "ES256", map[string]any{"sub": "u"})
		if err != nil {
			t.Fatal(err)
		}
		if kidOf(t, fresh) != kid {
			t.Fatalf("after the publish delay tokens use %s, rotation made %s", kidOf(t, fresh), kid)
		}
		set, _ = f.signer.JWKS(ctx, "p1")
		verifyIndependently(t, set.JSON, old)
		verifyIndependently(t, set.JSON, fresh)
		if _, err := f.signer.Verify(ctx, "p1", old); err != nil {
			t.Fatalf("token signed before rotation: %v", err)
		}

		// Retired at start; the longest token lives 1h, plus the 5 minute grace.
		f.clock.now = start.Add(time.Hour + jwt.DefaultRetireGrace - time.Second)
		set, _ = f.signer.JWKS(ctx, "p1")
		if kids := kidsOf(t, set.JSON); len(kids) != 4 {
			t.Fatalf("retired key left early: %v", kids)
		}
		f.clock.Add(jwt.DefaultCacheTTL + time.Second)
		set, _ = f.signer.JWKS(ctx, "p1")
		if kids := kidsOf(t, set.JSON); len(kids) != 3 || kids[0] != kid {
			t.Fatalf("expired key still published: %v", kids)
		}
		if _, err := f.signer.Verify(ctx, "p1", old); domain.KindOf(err) != domain.KindUnauthenticated {
			t.Fatalf("token of an expired key verified: %v", err)
		}
		if _, err := f.signer.Rotate(ctx, "p1", "none"); domain.KindOf(err) != domain.KindInvalid {
			t.Fatalf("rotate to an unknown alg: %v", err)
		}
		if _, err := f.signer.Rotate(ctx, "nope", "ES256"); domain.KindOf(err) != domain.KindNotFound {
			t.Fatalf("rotate an unknown pool: %v", err)
		}
	})
}

func TestOtherInstancesFollowARotation(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := setup(t, db, "p1")
		eager := jwt.New(f.stores.SigningKeys, newCipher(t, 1), f.clock, system.IDs{},
			jwt.Options{MaxTokenTTL: time.Hour, PublishDelay: time.Nanosecond})
		other := f.newSigner(t, 1) // a second instance, with its own cache
		before, err := other.JWKS(ctx, "p1")
		if domain.KindOf(err) != domain.KindNotFound {
			t.Fatalf("fresh pool: %v %v", before, err)
		}
		if err := other.EnsureKey(ctx, "p1", "EdDSA"); err != nil {
			t.Fatal(err)
		}
		before, _ = other.JWKS(ctx, "p1")
		kid, err := eager.Rotate(ctx, "p1", "EdDSA")
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Add(time.Millisecond)
		tok, err := eager.Sign(ctx, "p1", "EdDSA", map[string]any{"sub": "u"})
		if err != nil || kidOf(t, tok) != kid {
			t.Fatalf("eager signer: %v", err)
		}
		if got, _ := other.JWKS(ctx, "p1"); got.ETag != before.ETag {
			t.Fatal("other instance's cache bypassed")
		}
		// An unknown kid makes the other instance look again, but not more than every 5 s.
		if _, err := other.Verify(ctx, "p1", tok); domain.KindOf(err) != domain.KindUnauthenticated {
			t.Fatalf("reloaded within the floor: %v", err)
		}
		f.clock.Add(5 * time.Second)
		if _, err := other.Verify(ctx, "p1", tok); err != nil {
			t.Fatalf("other instance does not know the new key: %v", err)
		}
		if got, _ := other.JWKS(ctx, "p1"); got.ETag == before.ETag {
			t.Fatal("other instance kept its stale set")
		}
	})
}

func kidOf(t *testing.T, tok string) string {
	t.Helper()
	h, _, _ := strings.Cut(tok, ".")
	raw, err := jwkDecode(h)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	s, _ := m["kid"].(string)
	return s
}

func kidsOf(t *testing.T, jwks []byte) []string {
	t.Helper()
	var doc struct{ Keys []struct{ Kid string } }
	if err := json.Unmarshal(jwks, &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range doc.Keys {
		out = append(out, k.Kid)
	}
	return out
}

var jsonB64 = base64.RawURLEncoding

// tamper changes one character inside the signature (not the last, whose low bits may be padding).
func tamper(tok string) string {
	b := []byte(tok)
	i := len(b) - 5
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// countingStore counts the queries for a pool's publishable keys.
type countingStore struct {
	ports.SigningKeyStore
	lists atomic.Int32
}

func (c *countingStore) ListPublishable(ctx context.Context, poolID string, now time.Time) ([]domain.SigningKey, error) {
	c.lists.Add(1)
	return c.SigningKeyStore.ListPublishable(ctx, poolID, now)
}

func TestVerifyForAPoolWithoutKeysAsksTheStoreOnce(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := setup(t, db, "p1", "p2")
		tok, err := f.signer.Sign(ctx, "p1", "ES256", map[string]any{"sub": "u"})
		if err != nil {
			t.Fatal(err)
		}
		store := &countingStore{SigningKeyStore: f.stores.SigningKeys}
		s := jwt.New(store, newCipher(t, 1), f.clock, system.IDs{}, jwt.Options{MaxTokenTTL: time.Hour})
		if _, err := s.Verify(ctx, "p2", tok); domain.KindOf(err) != domain.KindUnauthenticated {
			t.Fatalf("token of another pool: %v", err)
		}
		if n := store.lists.Load(); n != 1 {
			t.Fatalf("%d queries for a pool without keys", n)
		}
	})
}
