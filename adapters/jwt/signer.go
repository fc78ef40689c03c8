// Package jwt signs and verifies pools' tokens with github.com/lestrrat-go/jwx/v2 and keeps their
// signing keys: generated on first use (RSA 2048 for RS256, P-256 for ES256, Ed25519 for EdDSA),
// stored sealed through ports.Cipher in ports.SigningKeyStore so every instance shares them, and
// rotated on demand. It implements ports.TokenSigner.
//
// Hot paths never touch the database or parse a key: each instance caches, per pool, the
// decrypted active keys (as ready crypto.Signer values) and the serialized JWKS for CacheTTL.
// Rotation through this process drops its own cache at once; other instances pick the change up
// within CacheTTL, and a token whose kid is unknown triggers an early reload when verifying.
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
	// DefaultRetireGrace is added to the longest token lifetime when a key retires, to cover
	// clock skew between the signer and verifiers and caches of the JWKS.
	DefaultRetireGrace = 5 * time.Minute
	// reloadFloor limits how often an unknown kid may force a reload of a pool's keys, so
	// tokens with made-up kids cannot turn into one database query each.
	reloadFloor = 5 * time.Second
)

// Signer implements ports.TokenSigner. Build it with New.
type Signer struct {
	keys   ports.SigningKeyStore
	cipher ports.Cipher
	clock  ports.Clock
	ids    ports.IDs
	// maxTokenTTL is the longest lifetime of any token signed with a key: a retired key stays
	// in the JWKS for maxTokenTTL + grace after its retirement.
	maxTokenTTL time.Duration
	grace       time.Duration
	cacheTTL    time.Duration

	mu     sync.RWMutex
	active map[string]*activeKey // by pool ":" alg
	sets   map[string]*keySet    // by pool

	// createMu serializes this process's key generation, so a burst of first requests makes one
	// key rather than one per request. Across processes the store's unique slot decides.
	createMu sync.Mutex
}

// Options tune a Signer; zero values take the defaults.
type Options struct {
	MaxTokenTTL time.Duration // required: the longest lifetime of a signed token
	RetireGrace time.Duration
	CacheTTL    time.Duration
}

// New builds a Signer.
func New(keys ports.SigningKeyStore, cipher ports.Cipher, clock ports.Clock, ids ports.IDs, o Options) *Signer {
	if o.RetireGrace == 0 {
		o.RetireGrace = DefaultRetireGrace
	}
	if o.CacheTTL == 0 {
		o.CacheTTL = DefaultCacheTTL
	}
	return &Signer{keys: keys, cipher: cipher, clock: clock, ids: ids, maxTokenTTL: o.MaxTokenTTL, grace: o.RetireGrace,
		cacheTTL: o.CacheTTL, active: map[string]*activeKey{}, sets: map[string]*keySet{}}
}

var _ ports.TokenSigner = (*Signer)(nil)

// activeKey is a decrypted signing key, ready to sign.
type activeKey struct {
	kid    string
	alg    jwa.SignatureAlgorithm
	signer crypto.Signer
	loaded time.Time
}

// keySet is a pool's published keys: the JWKS bytes and the parsed public keys by kid.
type keySet struct {
	doc    ports.KeySet
	byKid  map[string]publicKey
	loaded time.Time
}

type publicKey struct {
	alg jwa.SignatureAlgorithm
	key crypto.PublicKey
}

func slotOf(poolID, alg string) string { return poolID + ":" + alg }

// Sign implements ports.TokenSigner.
func (s *Signer) Sign(ctx context.Context, poolID, alg string, claims map[string]any) (string, error) {
	k, err := s.activeKey(ctx, poolID, alg)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", domain.Internal("encode claims", err)
	}
	// Headers are built per call: jws.Sign writes "alg" into the header object it is given.
	h := jws.NewHeaders()
	_ = h.Set(jws.KeyIDKey, k.kid)
	_ = h.Set(jws.TypeKey, "JWT")
	tok, err := jws.Sign(payload, jws.WithKey(k.alg, k.signer, jws.WithProtectedHeaders(h)))
	if err != nil {
		return "", domain.Internal("sign token", err)
	}
	return string(tok), nil
}

// activeKey returns the cached active key of pool and alg, loading (or creating) it on a miss.
func (s *Signer) activeKey(ctx context.Context, poolID, alg string) (*activeKey, error) {
	if !domain.ValidSigningAlg(alg) {
		return nil, domain.InvalidField("alg", "must be one of RS256, ES256, EdDSA")
	}
	slot := slotOf(poolID, alg)
	now := s.clock.Now()
	s.mu.RLock()
	k := s.active[slot]
	s.mu.RUnlock()
	if k != nil && now.Sub(k.loaded) < s.cacheTTL && !now.Before(k.loaded) {
		return k, nil
	}
	row, err := s.ensure(ctx, poolID, alg)
	if err != nil {
		return nil, err
	}
	k, err = s.open(row, now)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.active[slot] = k
	s.mu.Unlock()
	return k, nil
}

// ensure returns the pool's active key for alg, creating it when there is none. When another
// instance creates one at the same moment, the store's unique slot lets only one in and the
// loser reads the winner's key.
func (s *Signer) ensure(ctx context.Context, poolID, alg string) (*domain.SigningKey, error) {
	row, err := s.keys.Active(ctx, poolID, alg)
	if err == nil || domain.KindOf(err) != domain.KindNotFound {
		return row, err
	}
	s.createMu.Lock()
	defer s.createMu.Unlock()
	if row, err := s.keys.Active(ctx, poolID, alg); err == nil || domain.KindOf(err) != domain.KindNotFound {
		return row, err
	}
	next, err := s.generate(poolID, alg)
	if err != nil {
		return nil, err
	}
	err = s.keys.Insert(ctx, next)
	if domain.KindOf(err) == domain.KindConflict {
		return s.keys.Active(ctx, poolID, alg)
	}
	if err != nil {
		return nil, err
	}
	s.invalidate(poolID)
	return next, nil
}

// EnsureKey implements ports.TokenSigner.
func (s *Signer) EnsureKey(ctx context.Context, poolID, alg string) error {
	_, err := s.activeKey(ctx, poolID, alg)
	return err
}

// Rotate implements ports.TokenSigner.
func (s *Signer) Rotate(ctx context.Context, poolID, alg string) (string, error) {
	if !domain.ValidSigningAlg(alg) {
		return "", domain.InvalidField("alg", "must be one of RS256, ES256, EdDSA")
	}
	// Refuse to rotate under a different master key than the one the current key was sealed
	// with (a maintenance command pointed at the wrong data directory): the new key would not
	// open on the servers.
	if cur, err := s.keys.Active(ctx, poolID, alg); err == nil {
		if _, err := s.open(cur, s.clock.Now()); err != nil {
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
	if err := s.keys.Rotate(ctx, next, now, now.Add(s.maxTokenTTL+s.grace)); err != nil {
		return "", err
	}
	s.invalidate(poolID)
	return next.ID, nil
}

// invalidate drops this process's cached keys of a pool.
func (s *Signer) invalidate(poolID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sets, poolID)
	for _, alg := range domain.SigningAlgs {
		delete(s.active, slotOf(poolID, alg))
	}
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
		return nil, domain.InvalidField("alg", "must be one of RS256, ES256, EdDSA")
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
func (s *Signer) open(row *domain.SigningKey, now time.Time) (*activeKey, error) {
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
	return &activeKey{kid: row.ID, alg: jwa.SignatureAlgorithm(row.Alg), signer: signer, loaded: now}, nil
}

// JWKS implements ports.TokenSigner. A pool without any key answers not found; the caller
// decides whether to create one.
func (s *Signer) JWKS(ctx context.Context, poolID string) (*ports.KeySet, error) {
	set, err := s.keySet(ctx, poolID, false)
	if err != nil {
		return nil, err
	}
	return &set.doc, nil
}

// keySet returns the pool's cached published keys, reloading them when stale (or when force
// is set and the last load is older than reloadFloor).
func (s *Signer) keySet(ctx context.Context, poolID string, force bool) (*keySet, error) {
	now := s.clock.Now()
	s.mu.RLock()
	set := s.sets[poolID]
	s.mu.RUnlock()
	if set != nil && !now.Before(set.loaded) {
		age := now.Sub(set.loaded)
		if age < s.cacheTTL && (!force || age < reloadFloor) {
			return set, nil
		}
	}
	rows, err := s.keys.ListPublishable(ctx, poolID, now)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, domain.NotFound("signing key")
	}
	set, err = buildSet(rows, now)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.sets[poolID] = set
	s.mu.Unlock()
	return set, nil
}

// buildSet serializes the JWKS once, from the stored public JWKs, and parses each public key
// for verification.
func buildSet(rows []domain.SigningKey, now time.Time) (*keySet, error) {
	set := &keySet{byKid: make(map[string]publicKey, len(rows)), loaded: now}
	keys := make([]json.RawMessage, 0, len(rows))
	for _, r := range rows {
		k, err := jwk.ParseKey([]byte(r.PublicJWK))
		if err != nil {
			return nil, domain.Internal("parse public jwk "+r.ID, err)
		}
		var raw any
		if err := k.Raw(&raw); err != nil {
			return nil, domain.Internal("raw public jwk "+r.ID, err)
		}
		set.byKid[r.ID] = publicKey{alg: jwa.SignatureAlgorithm(r.Alg), key: raw}
		keys = append(keys, json.RawMessage(r.PublicJWK))
	}
	doc, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		return nil, domain.Internal("encode jwks", err)
	}
	sum := sha256.Sum256(doc)
	set.doc = ports.KeySet{JSON: doc, ETag: `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`}
	return set, nil
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
	set, err := s.keySet(ctx, poolID, false)
	if err != nil && domain.KindOf(err) != domain.KindNotFound {
		return nil, err
	}
	pk, ok := publicKey{}, false
	if set != nil {
		pk, ok = set.byKid[kid]
	}
	if !ok {
		// Maybe another instance rotated since we loaded: look again, at most every reloadFloor.
		if set, err = s.keySet(ctx, poolID, true); err != nil && domain.KindOf(err) != domain.KindNotFound {
			return nil, err
		}
		if set == nil {
			return nil, errInvalidToken
		}
		if pk, ok = set.byKid[kid]; !ok {
			return nil, errInvalidToken
		}
	}
	// The algorithm is the key's own, never the token header's.
	payload, err := jws.Verify([]byte(token), jws.WithKey(pk.alg, pk.key))
	if err != nil {
		return nil, errInvalidToken
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, errInvalidToken
	}
	return claims, nil
}
