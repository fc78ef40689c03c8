package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/lestrrat-go/jwx/v2/jwk"
	jwxjwt "github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/token"
	"github.com/gatehouse-iam/gatehouse/server"
	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

// eachWithClock is servertest.Each with a settable clock starting now (go-oidc's HTTP client
// and jwx compare nothing with it, but the server's key caches and expiry do).
func eachWithClock(t *testing.T, fn func(t *testing.T, s *servertest.Server, clock *servertest.Clock)) {
	for _, d := range []string{"sqlite", "mysql"} {
		t.Run(d, func(t *testing.T) {
			clock := servertest.NewClock(time.Now().UTC().Truncate(time.Second))
			s := servertest.Start(t, d, func(_ *server.Config, ov *server.Overrides) { ov.Clock = clock })
			fn(t, s, clock)
		})
	}
}

func signingKeyCount(t *testing.T, db *storage.DB) int {
	t.Helper()
	var n int
	if err := db.NewRaw("SELECT COUNT(*) FROM signing_keys").Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOpenIDDiscoveryAndJWKS(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		p := createPool(t, s, "Shop")
		iss := s.URL + "/pools/" + p.ID

		// Public: no admin token needed.
		r := s.DoWith("GET", "/pools/"+p.ID+"/.well-known/openid-configuration", "", nil).Expect(http.StatusOK)
		var d map[string]any
		r.Decode(&d)
		want := map[string]string{
			"issuer": iss, "authorization_endpoint": iss + "/oauth2/authorize", "token_endpoint": iss + "/oauth2/token",
			"userinfo_endpoint": iss + "/oauth2/userinfo", "jwks_uri": iss + "/oauth2/jwks",
			"revocation_endpoint": iss + "/oauth2/revoke", "introspection_endpoint": iss + "/oauth2/introspect",
		}
		for k, v := range want {
			if d[k] != v {
				t.Errorf("%s = %v, want %s", k, d[k], v)
			}
		}
		has := func(field string, values ...string) {
			t.Helper()
			raw, _ := d[field].([]any)
			var got []string
			for _, v := range raw {
				got = append(got, v.(string))
			}
			for _, v := range values {
				if !slices.Contains(got, v) {
					t.Errorf("%s = %v lacks %q", field, got, v)
				}
			}
		}
		has("response_types_supported", "code")
		has("subject_types_supported", "public")
		has("id_token_signing_alg_values_supported", "RS256", "ES256", "EdDSA")
		has("grant_types_supported", "http://tencentciam.com/oauth2/grant-type/otp/sms",
			"http://tencentciam.com/oauth2/grant-type/otp/email", "refresh_token", "client_credentials")
		has("token_endpoint_auth_methods_supported", "client_secret_basic", "client_secret_post", "none")
		has("scopes_supported", "openid")
		has("claims_supported", "sub", "iss", "aud", "exp", "iat", "auth_time", "amr", "azp", "nonce")

		// The JWKS of a fresh pool: its keys are made on first use, one per algorithm.
		r = s.DoWith("GET", "/pools/"+p.ID+"/oauth2/jwks", "", nil).Expect(http.StatusOK)
		set, err := jwk.Parse(r.Body)
		if err != nil || set.Len() != 3 {
			t.Fatalf("jwks %s: %v", r.Body, err)
		}
		etag := r.Header.Get("ETag")
		if etag == "" || !strings.Contains(r.Header.Get("Cache-Control"), "max-age=") ||
			!strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("headers %v", r.Header)
		}
		if bytes.Contains(r.Body, []byte(`"d":`)) {
			t.Fatal("private key material in the JWKS")
		}
		req, _ := http.NewRequest("GET", s.URL+"/pools/"+p.ID+"/oauth2/jwks", nil)
		req.Header.Set("If-None-Match", etag)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotModified {
			t.Fatalf("If-None-Match: %d", resp.StatusCode)
		}
		again := s.DoWith("GET", "/pools/"+p.ID+"/oauth2/jwks", "", nil).Expect(http.StatusOK)
		if !bytes.Equal(again.Body, r.Body) || signingKeyCount(t, s.DB) != 3 {
			t.Fatal("second fetch made other keys")
		}

		// Unknown pools are 404 in the standard body, and get no keys.
		s.DoWith("GET", "/pools/nope/.well-known/openid-configuration", "", nil).ExpectError(http.StatusNotFound, "not_found")
		s.DoWith("GET", "/pools/nope/oauth2/jwks", "", nil).ExpectError(http.StatusNotFound, "not_found")
		if n := signingKeyCount(t, s.DB); n != 3 {
			t.Fatalf("%d keys after unknown pool requests", n)
		}
		// Deleting the pool removes its keys.
		s.Do("DELETE", "/admin/v1/pools/"+p.ID+"?confirm=Shop", nil).Expect(http.StatusNoContent)
		if n := signingKeyCount(t, s.DB); n != 0 {
			t.Fatalf("%d keys outlived their pool", n)
		}
	})
}

func mint(t *testing.T, s *servertest.Server, req token.MintRequest) *token.Tokens {
	t.Helper()
	toks, err := s.App.Tokens.Mint(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return toks
}

func TestTokensVerifyWithIndependentClients(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *servertest.Server, clock *servertest.Clock) {
		ctx := context.Background()
		p := createPool(t, s, "Shop")
		other := createPool(t, s, "Other")
		iss := s.URL + "/pools/" + p.ID
		provider, err := oidc.NewProvider(ctx, iss)
		if err != nil {
			t.Fatalf("go-oidc discovery: %v", err)
		}
		authTime := clock.Now().Add(-time.Minute)
		for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
			toks := mint(t, s, token.MintRequest{PoolID: p.ID, ClientID: "client-1", Alg: alg, AccessTTL: 300 * time.Second,
				IDTokenTTL: time.Hour, Subject: "user-1", Scope: []string{"openid", "profile"}, AMR: []string{"otp", "sms"},
				AuthTime: authTime, Nonce: "n-0S6", ExtraClaims: map[string]any{"tenant": "acme", "sub": "evil", "iss": "evil"}})
			if toks.TokenType != "Bearer" || toks.ExpiresIn != 300 || toks.Scope != "openid profile" {
				t.Fatalf("%s: response %+v", alg, toks)
			}

			// ID token through go-oidc: discovery, JWKS, signature, iss, aud, exp.
			v := provider.Verifier(&oidc.Config{ClientID: "client-1", SupportedSigningAlgs: []string{alg}, Now: clock.Now})
			idt, err := v.Verify(ctx, toks.IDToken)
			if err != nil {
				t.Fatalf("%s: go-oidc: %v", alg, err)
			}
			var c struct {
				Azp      string   `json:"azp"`
				AMR      []string `json:"amr"`
				AuthTime int64    `json:"auth_time"`
				Tenant   string   `json:"tenant"`
				JTI      string   `json:"jti"`
				NBF      int64    `json:"nbf"`
				IAT      int64    `json:"iat"`
				Scope    *string  `json:"scope"`
			}
			if err := idt.Claims(&c); err != nil {
				t.Fatal(err)
			}
			if idt.Subject != "user-1" || idt.Issuer != iss || idt.Nonce != "n-0S6" || c.Azp != "client-1" ||
				!slices.Equal(c.AMR, []string{"otp", "sms"}) || c.AuthTime != authTime.Unix() || c.Tenant != "acme" ||
				c.JTI == "" || c.NBF != clock.Now().Unix() || c.IAT != c.NBF || !idt.Expiry.Equal(clock.Now().Add(time.Hour)) {
				t.Fatalf("%s: id token claims %+v %+v", alg, idt, c)
			}
			if _, err := provider.Verifier(&oidc.Config{ClientID: "client-2", SupportedSigningAlgs: []string{alg}, Now: clock.Now}).
				Verify(ctx, toks.IDToken); err == nil {
				t.Fatalf("%s: accepted for another audience", alg)
			}

			// Access token through jwx with the JWKS fetched over HTTP.
			set, err := jwk.Fetch(ctx, iss+"/oauth2/jwks")
			if err != nil {
				t.Fatal(err)
			}
			at, err := jwxjwt.ParseString(toks.AccessToken, jwxjwt.WithKeySet(set), jwxjwt.WithIssuer(iss),
				jwxjwt.WithAudience("client-1"), jwxjwt.WithClock(jwxjwt.ClockFunc(clock.Now)))
			if err != nil {
				t.Fatalf("%s: jwx: %v", alg, err)
			}
			scope, _ := at.Get("scope")
			clientID, _ := at.Get("client_id")
			tenant, _ := at.Get("tenant")
			if at.Subject() != "user-1" || scope != "openid profile" || clientID != "client-1" || tenant != "acme" ||
				!at.Expiration().Equal(clock.Now().Add(300*time.Second)) || at.JwtID() == "" {
				t.Fatalf("%s: access token %v", alg, at)
			}
			claims, err := s.App.Tokens.Verify(ctx, p.ID, toks.AccessToken)
			if err != nil || claims["sub"] != "user-1" {
				t.Fatalf("%s: Verify: %v %v", alg, claims, err)
			}
			if _, err := s.App.Tokens.Verify(ctx, other.ID, toks.AccessToken); domain.CodeOf(err) != "invalid_token" {
				t.Fatalf("%s: verified in another pool: %v", alg, err)
			}
		}

		// Expiry is judged by the server's clock.
		toks := mint(t, s, token.MintRequest{PoolID: p.ID, ClientID: "c", Subject: "u", AccessTTL: time.Minute})
		clock.Add(time.Minute - time.Second)
		if _, err := s.App.Tokens.Verify(ctx, p.ID, toks.AccessToken); err != nil {
			t.Fatalf("before exp: %v", err)
		}
		clock.Add(time.Second)
		if _, err := s.App.Tokens.Verify(ctx, p.ID, toks.AccessToken); domain.CodeOf(err) != "invalid_token" {
			t.Fatalf("at exp: %v", err)
		}

		for _, bad := range []token.MintRequest{
			{PoolID: p.ID, ClientID: "c", Subject: "u", Alg: "HS256"},
			{PoolID: p.ID, ClientID: "c", Subject: "u", AccessTTL: 25 * time.Hour},
			{PoolID: p.ID, ClientID: "c", Subject: "u", IDTokenTTL: -time.Second},
			{PoolID: p.ID, Subject: "u"},
			{PoolID: p.ID, ClientID: "c"},
		} {
			if _, err := s.App.Tokens.Mint(ctx, bad); domain.KindOf(err) != domain.KindInvalid {
				t.Fatalf("%+v: %v", bad, err)
			}
		}
		// An attribute named like a registered claim cannot be configured as a claim (the
		// server's own claim would win, and the configured one silently vanish).
		s.Do("POST", "/admin/v1/pools/"+p.ID+"/attributes", map[string]any{"name": "acr", "label": "ACR", "field_type": "string"}).Expect(201)
		var app struct{ ID string }
		s.Do("POST", "/admin/v1/pools/"+p.ID+"/applications", map[string]any{"type": "web", "name": "Claims"}).Expect(201).Decode(&app)
		s.Do("PATCH", "/admin/v1/pools/"+p.ID+"/applications/"+app.ID, map[string]any{"claims": []string{"email", "acr"}}).
			ExpectError(400, "invalid_request")
	})
}

func TestRotationOverHTTP(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *servertest.Server, clock *servertest.Clock) {
		ctx := context.Background()
		p := createPool(t, s, "Shop")
		iss := s.URL + "/pools/" + p.ID
		old := mint(t, s, token.MintRequest{PoolID: p.ID, ClientID: "c", Subject: "u", IDTokenTTL: 24 * time.Hour})
		kid, err := s.App.Tokens.RotateKey(ctx, p.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		kids := func() []string {
			var doc struct{ Keys []struct{ Kid string } }
			s.DoWith("GET", "/pools/"+p.ID+"/oauth2/jwks", "", nil).Expect(http.StatusOK).Decode(&doc)
			var out []string
			for _, k := range doc.Keys {
				out = append(out, k.Kid)
			}
			return out
		}
		if k := kids(); len(k) != 4 || !slices.Contains(k, kid) {
			t.Fatalf("after rotation: %v", k)
		}
		clock.Add(2 * time.Minute) // past the publish delay: the new key signs
		fresh := mint(t, s, token.MintRequest{PoolID: p.ID, ClientID: "c", Subject: "u"})
		provider, err := oidc.NewProvider(ctx, iss)
		if err != nil {
			t.Fatal(err)
		}
		v := provider.Verifier(&oidc.Config{ClientID: "c", Now: clock.Now})
		for name, tok := range map[string]string{"old": old.IDToken, "fresh": fresh.IDToken} {
			if _, err := v.Verify(ctx, tok); err != nil {
				t.Fatalf("%s token after rotation: %v", name, err)
			}
		}
		if kidOfToken(t, fresh.IDToken) != kid || kidOfToken(t, old.IDToken) == kid {
			t.Fatal("fresh tokens do not use the rotated-in key")
		}
		// The retired key leaves once its longest-lived token (24h default) plus 5 min expired.
		clock.Add(24*time.Hour + 5*time.Minute)
		if k := kids(); len(k) != 3 || !slices.Contains(k, kid) || slices.Contains(k, kidOfToken(t, old.IDToken)) {
			t.Fatalf("after expiry: %v", k)
		}
		if _, err := s.App.Tokens.RotateKey(ctx, "nope", ""); domain.KindOf(err) != domain.KindNotFound {
			t.Fatalf("rotate unknown pool: %v", err)
		}
	})
}

func kidOfToken(t *testing.T, tok string) string {
	t.Helper()
	h, _, _ := strings.Cut(tok, ".")
	raw, err := jsonB64(h)
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Kid string }
	_ = json.Unmarshal(raw, &m)
	return m.Kid
}

func TestKeysCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbURL := "sqlite:" + filepath.Join(dir, "gatehouse.db")
	db, err := storage.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := storage.NewStores(db).Pools.Create(ctx, &domain.Pool{ID: "p1", Name: "Shop", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	env := func(string) string { return "" }
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := server.Main(ctx, args, &out, &errb, env)
		return code, out.String(), errb.String()
	}
	flags := []string{"--database-url", dbURL, "--data-dir", dir}
	if code, _, stderr := run(append([]string{"keys", "rotate", "--pool", "p1"}, flags...)...); code != 1 || !strings.Contains(stderr, "no secret key") {
		t.Fatalf("rotate without a master key: %d %s", code, stderr)
	}
	key := "--secret-key=" + strings.Repeat("A", 43) + "="
	code, kid, stderr := run(append([]string{"keys", "rotate", "--pool", "p1", "--alg", "ES256", key}, flags...)...)
	kid = strings.TrimSpace(kid)
	if code != 0 || kid == "" {
		t.Fatalf("rotate: %d %q %s", code, kid, stderr)
	}
	code, kid2, _ := run(append([]string{"keys", "rotate", "--pool", "p1", "--alg", "ES256", key}, flags...)...)
	if code != 0 || strings.TrimSpace(kid2) == kid {
		t.Fatalf("second rotate: %d %s", code, kid2)
	}
	code, list, _ := run(append([]string{"keys", "list", "--pool", "p1", key}, flags...)...)
	if code != 0 || !strings.Contains(list, kid+"  ES256  retired") || !strings.Contains(list, strings.TrimSpace(kid2)+"  ES256  active") {
		t.Fatalf("list: %d\n%s", code, list)
	}
	// A different master key must not rotate over keys it cannot open.
	other := "--secret-key=" + strings.Repeat("B", 43) + "="
	if code, _, stderr := run(append([]string{"keys", "rotate", "--pool", "p1", "--alg", "ES256", other}, flags...)...); code != 1 {
		t.Fatalf("rotate under another key: %d %s", code, stderr)
	}
	for _, args := range [][]string{
		{"keys"}, {"keys", "spin"}, {"keys", "rotate", key}, {"keys", "rotate", "--pool", "nope", key},
		{"keys", "rotate", "--pool", "p1", "--alg", "HS256", key},
	} {
		if code, _, _ := run(append(args, flags...)...); code != 1 {
			t.Fatalf("%v: exit %d", args, code)
		}
	}
}

func jsonB64(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
