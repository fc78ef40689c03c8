// Package jwt signs and verifies pools' tokens with github.com/lestrrat-go/jwx/v2 and keeps their
// signing keys: generated on first use (RSA 2048 for RS256, P-256 for ES256, Ed25519 for EdDSA),
// stored sealed through ports.Cipher in ports.SigningKeyStore so every instance shares them, and
// rotated on demand. It implements ports.TokenSigner.
//
// Hot paths never touch the database or parse a key: each instance caches, per pool, the
// serialized JWKS, the parsed public keys and the decrypted signing keys (ready crypto.Signer
// values with their encoded JWS headers) for CacheTTL. Rotation through this process drops its
// own cache at once; other instances pick the change up within CacheTTL, and a token whose kid
// is unknown triggers an early reload when verifying.
//
// Key lifecycle. A pool's first use creates one key per algorithm at once, so its JWKS lists
// every key it may sign with from the start. A rotation publishes the new key at once but keeps
// signing with the previous one for PublishDelay (longer than CacheTTL plus the JWKS max-age),
// so no instance signs with a key that relying parties or other instances cannot see yet. The
// retired key stays in the JWKS until retired_at + MaxTokenTTL + RetireGrace (the grace covers
// the publish delay, the cache lifetime and clock skew).
package jwt

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// Defaults of Signer's tunables.
const (
	// DefaultCacheTTL bounds how long an instance serves keys it loaded: another instance's
	// rotation is visible here after at most this long.
	DefaultCacheTTL = 30 * time.Second
	// DefaultPublishDelay is how long a rotated-in key is published before it signs: the
	// cache lifetime plus the JWKS max-age given to clients (60 s).
	DefaultPublishDelay = 90 * time.Second
	// DefaultRetireGrace is added to the longest token lifetime when a key retires. It covers
	// the publish delay (the retired key may still sign during it), the cache lifetime and clock
	// skew between the server and verifiers.
	DefaultRetireGrace = 5 * time.Minute
	// reloadFloor limits how often an unknown kid may force a reload of a pool's keys, so
	// tokens with made-up kids cannot turn into one database query each.
	reloadFloor = 5 * time.Second
)

// Options tune a Signer; zero values take the defaults.
type Options struct {
	MaxTokenTTL  time.Duration // required: the longest lifetime of a signed token
	RetireGrace  time.Duration
	CacheTTL     time.Duration
	PublishDelay time.Duration
}

// Signer implements ports.TokenSigner. Build it with New.
type Signer struct {
	store  ports.SigningKeyStore
	cipher ports.Cipher
	clock  ports.Clock
	ids    ports.IDs
	opt    Options

	mu    sync.RWMutex
	pools map[string]*poolKeys

	// createMu serializes this process's key generation, so a burst of first requests makes one
	// key set rather than one per request. Across processes the store's unique slot decides.
	createMu sync.Mutex
}

var _ ports.TokenSigner = (*Signer)(nil)

// New builds a Signer.
func New(store ports.SigningKeyStore, cipher ports.Cipher, clock ports.Clock, ids ports.IDs, o Options) *Signer {
	if o.RetireGrace == 0 {
		o.RetireGrace = DefaultRetireGrace
	}
	if o.CacheTTL == 0 {
		o.CacheTTL = DefaultCacheTTL
	}
	if o.PublishDelay == 0 {
		o.PublishDelay = DefaultPublishDelay
	}
	return &Signer{store: store, cipher: cipher, clock: clock, ids: ids, opt: o, pools: map[string]*poolKeys{}}
}

// poolKeys is one pool's cached keys.
type poolKeys struct {
	loaded time.Time
	doc    ports.KeySet
	pubs   map[string]publicKey
	// signing is, per algorithm, the stored key to sign with; opened holds it decrypted, filled
	// on first use (index: position in domain.SigningAlgs).
	signing map[string]*domain.SigningKey
	opened  [3]atomic.Pointer[signingKey]
}

type publicKey struct {
	alg jwa.SignatureAlgorithm
	key crypto.PublicKey
}

// signingKey is a decrypted private key, ready to sign, with its JWS protected header already
// encoded: the header is the same for every token the key signs, and building it per token
// (jws.Sign marshals a header object each time) cost as much as a sixth of an ES256 signature.
type signingKey struct {
	key    crypto.Signer
	sign   jws.Signer // the algorithm's JWS signature, as jws.Sign applies it
	header string     // BASE64URL(UTF8(protected header)) of the JWS Compact Serialization
}

func algIndex(alg string) int {
	for i, a := range domain.SigningAlgs {
		if a == alg {
			return i
		}
	}
	return -1
}

var errBadAlg = domain.InvalidField("alg", "must be one of RS256, ES256, EdDSA")

// Sign implements ports.TokenSigner.
func (s *Signer) Sign(ctx context.Context, poolID, alg string, claims map[string]any) (string, error) {
	k, err := s.signingKey(ctx, poolID, alg)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", domain.Internal("encode claims", err)
	}
	// The JWS Compact Serialization (RFC 7515 §7.1): header.payload.signature, each BASE64URL,
	// the signature over the first two joined by a dot.
	enc := base64.RawURLEncoding
	// Room for a signature of up to 512 bytes (RSA 4096), so the token is built in one buffer.
	tok := make([]byte, 0, len(k.header)+2+enc.EncodedLen(len(payload))+enc.EncodedLen(512))
	tok = append(tok, k.header...)
	tok = append(tok, '.')
	tok = enc.AppendEncode(tok, payload)
	sig, err := k.sign.Sign(tok, k.key)
	if err != nil {
		return "", domain.Internal("sign token", err)
	}
	tok = append(tok, '.')
	return string(enc.AppendEncode(tok, sig)), nil
}

func (s *Signer) signingKey(ctx context.Context, poolID, alg string) (*signingKey, error) {
	i := algIndex(alg)
	if i < 0 {
		return nil, errBadAlg
	}
	pk, err := s.load(ctx, poolID, alg, false)
	if err != nil {
		return nil, err
	}
	if k := pk.opened[i].Load(); k != nil {
		return k, nil
	}
	// Two goroutines may both open it the first time; either result is the same key.
	k, err := s.open(pk.signing[alg])
	if err != nil {
		return nil, err
	}
	pk.opened[i].Store(k)
	return k, nil
}

// load returns the pool's cached keys, reloading them when stale. need names an algorithm the
// pool must have an active key for (created, with the other missing ones, when absent); force
// reloads keys older than reloadFloor.
func (s *Signer) load(ctx context.Context, poolID, need string, force bool) (*poolKeys, error) {
	now := s.clock.Now()
	s.mu.RLock()
	pk := s.pools[poolID]
	s.mu.RUnlock()
	if pk != nil && !now.Before(pk.loaded) {
		age := now.Sub(pk.loaded)
		if age < s.opt.CacheTTL && (!force || age < reloadFloor) && (need == "" || pk.signing[need] != nil) {
			return pk, nil
		}
	}
	rows, err := s.store.ListPublishable(ctx, poolID, now)
	if err != nil {
		return nil, err
	}
	if need != "" && activeOf(rows, need) == nil {
		if rows, err = s.createMissing(ctx, poolID, now); err != nil {
			return nil, err
		}
	}
	if len(rows) == 0 {
		return nil, domain.NotFound("signing key")
	}
	pk, err = s.build(rows, now)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.pools[poolID] = pk
	if len(s.pools) > sweepAbove {
		// Forget pools not used for a cache lifetime (deleted ones, rarely used ones), so the
		// map stays the size of the working set.
		for id, e := range s.pools {
			if now.Sub(e.loaded) >= s.opt.CacheTTL || e.loaded.After(now) {
				delete(s.pools, id)
			}
		}
	}
	s.mu.Unlock()
	return pk, nil
}

// sweepAbove is the cached pool count above which a reload sweeps stale entries.
const sweepAbove = 1024

func activeOf(rows []domain.SigningKey, alg string) *domain.SigningKey {
	for i := range rows {
		if rows[i].Alg == alg && rows[i].Status == domain.KeyActive {
			return &rows[i]
		}
	}
	return nil
}

// createMissing gives the pool an active key for every algorithm it lacks one for, so its
// JWKS lists every key it may sign with before any token exists. When another instance does
// the same at the same moment, the store's unique slot lets one key per algorithm in and the
// losers' keys are dropped. It returns the pool's publishable keys afterwards.
func (s *Signer) createMissing(ctx context.Context, poolID string, now time.Time) ([]domain.SigningKey, error) {
	s.createMu.Lock()
	defer s.createMu.Unlock()
	rows, err := s.store.ListPublishable(ctx, poolID, now)
	if err != nil {
		return nil, err
	}
	// The cheap keys first: an unknown pool fails on the first insert, before any RSA work.
	for _, alg := range []string{domain.AlgEdDSA, domain.AlgES256, domain.AlgRS256} {
		if activeOf(rows, alg) != nil {
			continue
		}
		next, err := s.generate(poolID, alg)
		if err != nil {
			return nil, err
		}
		if err := s.store.Insert(ctx, next); err != nil && domain.KindOf(err) != domain.KindConflict {
			return nil, err
		}
	}
	return s.store.ListPublishable(ctx, poolID, now)
}

// build serializes the JWKS once, from the stored public JWKs (newest first), parses each public
// key for verification and picks the key each algorithm signs with: the active one, or while
// it is younger than PublishDelay the newest retired one.
func (s *Signer) build(rows []domain.SigningKey, now time.Time) (*poolKeys, error) {
	pk := &poolKeys{loaded: now, pubs: make(map[string]publicKey, len(rows)), signing: map[string]*domain.SigningKey{}}
	keys := make([]json.RawMessage, 0, len(rows))
	for i := range rows {
		r := &rows[i]
		k, err := jwk.ParseKey([]byte(r.PublicJWK))
		if err != nil {
			return nil, domain.Internal("parse public jwk "+r.ID, err)
		}
		var raw any
		if err := k.Raw(&raw); err != nil {
			return nil, domain.Internal("raw public jwk "+r.ID, err)
		}
		pk.pubs[r.ID] = publicKey{alg: jwa.SignatureAlgorithm(r.Alg), key: raw}
		keys = append(keys, json.RawMessage(r.PublicJWK))
	}
	for _, alg := range domain.SigningAlgs {
		active := activeOf(rows, alg)
		if active == nil {
			continue
		}
		pk.signing[alg] = active
		if now.Before(active.CreatedAt.Add(s.opt.PublishDelay)) {
			for i := range rows { // newest first: the first retired one is the previous key
				if rows[i].Alg == alg && rows[i].Status == domain.KeyRetired {
					pk.signing[alg] = &rows[i]
					break
				}
			}
		}
	}
	doc, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		return nil, domain.Internal("encode jwks", err)
	}
	sum := sha256.Sum256(doc)
	pk.doc = ports.KeySet{JSON: doc, ETag: `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`}
	return pk, nil
}

// EnsureKey implements ports.TokenSigner.
func (s *Signer) EnsureKey(ctx context.Context, poolID, alg string) error {
	if algIndex(alg) < 0 {
		return errBadAlg
	}
	_, err := s.load(ctx, poolID, alg, false)
	return err
}

// Rotate implements ports.TokenSigner.
func (s *Signer) Rotate(ctx context.Context, poolID, alg string) (string, error) {
	if algIndex(alg) < 0 {
		return "", errBadAlg
	}
	// Refuse to rotate under a different master key than the one the current key was sealed
	// with (a maintenance command pointed at the wrong data directory): the new key would not
	// open on the servers.
	if cur, err := s.store.Active(ctx, poolID, alg); err == nil {
		if _, err := s.open(cur); err != nil {
			return "", err
		}
	} else if domain.KindOf(err) != domain.KindNotFound {
		return "", err
	}
	next, err := s.generate(poolID, alg)
	if err != nil {
		return "", err
	}
	now := next.CreatedAt
	if err := s.store.Rotate(ctx, next, now, now.Add(s.opt.MaxTokenTTL+s.opt.RetireGrace)); err != nil {
		return "", err
	}
	s.mu.Lock()
	delete(s.pools, poolID)
	s.mu.Unlock()
	return next.ID, nil
}

// generate makes a new key for alg, sealed and bound to its kid, pool and algorithm.
func (s *Signer) generate(poolID, alg string) (*domain.SigningKey, error) {
	var raw any
	var err error
	switch alg {
	case domain.AlgRS256:
		raw, err = rsa.GenerateKey(rand.Reader, 2048)
	case domain.AlgES256:
		raw, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case domain.AlgEdDSA:
		_, raw, err = ed25519.GenerateKey(rand.Reader)
	default:
		return nil, errBadAlg
	}
	if err != nil {
		return nil, domain.Internal("generate "+alg+" key", err)
	}
	kid := s.ids.NewID()
	priv, err := jwk.FromRaw(raw)
	if err != nil {
		return nil, domain.Internal("jwk from key", err)
	}
	for k, v := range map[string]any{jwk.KeyIDKey: kid, jwk.AlgorithmKey: alg, jwk.KeyUsageKey: "sig"} {
		if err := priv.Set(k, v); err != nil {
			return nil, domain.Internal("set jwk "+k, err)
		}
	}
	pub, err := priv.PublicKey()
	if err != nil {
		return nil, domain.Internal("public jwk", err)
	}
	privJSON, err := json.Marshal(priv)
	if err != nil {
		return nil, domain.Internal("encode private jwk", err)
	}
	pubJSON, err := json.Marshal(pub)
	if err != nil {
		return nil, domain.Internal("encode public jwk", err)
	}
	sealed, err := s.cipher.Seal(privJSON, associated(kid, poolID, alg))
	if err != nil {
		return nil, domain.Internal("seal signing key", err)
	}
	return &domain.SigningKey{ID: kid, PoolID: poolID, Alg: alg, PrivateSealed: sealed, PublicJWK: string(pubJSON),
		Status: domain.KeyActive, CreatedAt: s.clock.Now()}, nil
}

// associated binds a sealed private key to its row: copied to another kid, pool or algorithm it
// does not decrypt.
func associated(kid, poolID, alg string) []byte {
	return []byte("signing-key/" + kid + "/" + poolID + "/" + alg)
}

// open decrypts a stored key into a ready signer.
func (s *Signer) open(row *domain.SigningKey) (*signingKey, error) {
	plain, err := s.cipher.Open(row.PrivateSealed, associated(row.ID, row.PoolID, row.Alg))
	if err != nil {
		return nil, domain.Internal("open signing key "+row.ID+" (was the secret key changed?)", err)
	}
	key, err := jwk.ParseKey(plain)
	if err != nil {
		return nil, domain.Internal("parse signing key "+row.ID, err)
	}
	var raw any
	if err := key.Raw(&raw); err != nil {
		return nil, domain.Internal("raw signing key "+row.ID, err)
	}
	signer, ok := raw.(crypto.Signer)
	if !ok {
		return nil, domain.Internal("signing key "+row.ID, fmt.Errorf("%T is not a signer", raw))
	}
	alg := jwa.SignatureAlgorithm(row.Alg)
	sign, err := jws.NewSigner(alg)
	if err != nil {
		return nil, domain.Internal("signing key "+row.ID, err)
	}
	h := jws.NewHeaders()
	_ = h.Set(jws.AlgorithmKey, alg)
	_ = h.Set(jws.KeyIDKey, row.ID)
	_ = h.Set(jws.TypeKey, "JWT")
	header, err := json.Marshal(h)
	if err != nil {
		return nil, domain.Internal("signing key "+row.ID+": header", err)
	}
	return &signingKey{key: signer, sign: sign, header: base64.RawURLEncoding.EncodeToString(header)}, nil
}

// JWKS implements ports.TokenSigner. A pool without any key answers not found; the caller
// decides whether to create one.
func (s *Signer) JWKS(ctx context.Context, poolID string) (*ports.KeySet, error) {
	pk, err := s.load(ctx, poolID, "", false)
	if err != nil {
		return nil, err
	}
	return &pk.doc, nil
}

// errInvalidToken is what every signature failure looks like to a client.
var errInvalidToken = domain.Unauthenticated("invalid_token", "The token is malformed, or its signature does not verify.")

// Verify implements ports.TokenSigner.
func (s *Signer) Verify(ctx context.Context, poolID, token string) (map[string]any, error) {
	msg, err := jws.ParseString(token)
	if err != nil || len(msg.Signatures()) != 1 {
		return nil, errInvalidToken
	}
	kid := msg.Signatures()[0].ProtectedHeaders().KeyID()
	if kid == "" {
		return nil, errInvalidToken
	}
	lookup := func(force bool) (publicKey, bool, error) {
		pk, err := s.load(ctx, poolID, "", force)
		if err != nil {
			return publicKey{}, false, err
		}
		key, ok := pk.pubs[kid]
		return key, ok, nil
	}
	key, ok, err := lookup(false)
	if err == nil && !ok {
		// Maybe another instance rotated since we loaded: look again, at most every reloadFloor.
		// (A pool without keys is not found, straight from the store: looking again would only
		// repeat the query.)
		key, ok, err = lookup(true)
	}
	if domain.KindOf(err) == domain.KindNotFound {
		return nil, errInvalidToken
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errInvalidToken
	}
	// The algorithm is the key's own, never the token header's.
	payload, err := jws.Verify([]byte(token), jws.WithKey(key.alg, key.key))
	if err != nil {
		return nil, errInvalidToken
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, errInvalidToken
	}
	return claims, nil
}
