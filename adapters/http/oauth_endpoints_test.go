package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/session"
	"github.com/gatehouse-iam/gatehouse/server"
	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

// oauthFixture is a pool with a web application (refresh tokens on, email and userName
// released as claims), a user of it, and a settable clock.
type oauthFixture struct {
	s        *servertest.Server
	clock    *servertest.Clock
	pool     string
	app      *domain.Application
	clientID string
	secret   string
	user     *domain.User
}

func eachOAuth(t *testing.T, fn func(t *testing.T, f *oauthFixture)) {
	for _, d := range storagetest.Dialects {
		t.Run(d, func(t *testing.T) {
			clock := servertest.NewClock(time.Now().UTC().Truncate(time.Second))
			s := servertest.Start(t, d, servertest.WithClock(clock))
			f := &oauthFixture{s: s, clock: clock, pool: createPool(t, s, "Shop")}
			f.app, f.clientID, f.secret = f.newApp(t, f.pool, map[string]any{"type": "web", "name": "Web",
				"refresh_token_enabled": true, "refresh_token_ttl_seconds": 3600, "access_token_ttl_seconds": 600,
				"claims": []string{"email", "userName"}})
			f.user = f.newUser(t, f.pool, "ann", "ann@example.com")
			fn(t, f)
		})
	}
}

func (f *oauthFixture) newApp(t *testing.T, pool string, body map[string]any) (*domain.Application, string, string) {
	t.Helper()
	m := createApp(t, f.s, pool, body)
	app, err := f.s.App.Stores.Applications.Get(context.Background(), pool, m["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := m["client_secret"].(string)
	return app, m["client_id"].(string), secret
}

func (f *oauthFixture) newUser(t *testing.T, pool, name, email string) *domain.User {
	t.Helper()
	var u struct{ ID string }
	f.s.Do(http.MethodPost, "/admin/v1/pools/"+pool+"/users", map[string]any{"user_name": name, "email": email, "password": "Passw0rd!long"}).Expect(201).Decode(&u)
	user, err := f.s.App.Stores.Users.Get(context.Background(), pool, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return user
}

// signIn stands for a completed OTP login: the tokens the session service issues for it.
func (f *oauthFixture) signIn(t *testing.T, app *domain.Application, user *domain.User) *session.TokenResponse {
	t.Helper()
	resp, err := f.s.App.Sessions.Issue(context.Background(), session.IssueRequest{App: app, User: user,
		AMR: []string{"otp", "sms"}, AuthTime: f.clock.Now().Add(-time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// post sends a form body with HTTP Basic client authentication (as RFC 6749/7009/7662 do).
func (f *oauthFixture) post(t *testing.T, path, clientID, secret string, form url.Values) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.s.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if clientID != "" {
		req.Header.Set("Authorization", servertest.BasicAuth(clientID, secret))
	}
	return send(t, req)
}

func send(t *testing.T, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, body
}

type tokenJSON struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	Scope        string `json:"scope"`
	IDToken      string `json:"id_token"`
	RefreshToken string `json:"refresh_token"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
}

func (f *oauthFixture) refresh(t *testing.T, clientID, secret, rt string) (int, tokenJSON) {
	t.Helper()
	status, _, body := f.post(t, "/oauth2/token", clientID, secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	var tok tokenJSON
	if err := json.Unmarshal(body, &tok); err != nil {
		t.Fatalf("%d %s: %v", status, body, err)
	}
	return status, tok
}

func (f *oauthFixture) mustRefresh(t *testing.T, rt string) tokenJSON {
	t.Helper()
	status, tok := f.refresh(t, f.clientID, f.secret, rt)
	if status != http.StatusOK || tok.AccessToken == "" || tok.RefreshToken == "" || tok.IDToken == "" {
		t.Fatalf("refresh: %d %+v", status, tok)
	}
	return tok
}

func (f *oauthFixture) refreshRefused(t *testing.T, clientID, secret, rt, description string) {
	t.Helper()
	status, tok := f.refresh(t, clientID, secret, rt)
	if status != http.StatusBadRequest || tok.Error != "invalid_grant" || (description != "" && tok.Description != description) {
		t.Fatalf("refresh: %d %+v, want 400 invalid_grant %q", status, tok, description)
	}
}

func (f *oauthFixture) introspect(t *testing.T, path, tok string) (map[string]any, string) {
	t.Helper()
	status, _, body := f.post(t, path, f.clientID, f.secret, url.Values{"token": {tok}})
	if status != http.StatusOK {
		t.Fatalf("introspect: %d %s", status, body)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	return m, strings.TrimSpace(string(body))
}

// expectInactive checks RFC 7662's answer for a dead token: {"active":false} and nothing else.
func (f *oauthFixture) expectInactive(t *testing.T, tok string) {
	t.Helper()
	for _, path := range []string{"/oauth2/introspect", "/pools/" + f.pool + "/oauth2/introspect"} {
		if _, raw := f.introspect(t, path, tok); raw != `{"active":false}` {
			t.Fatalf("%s: %s, want exactly {\"active\":false}", path, raw)
		}
	}
}

func (f *oauthFixture) revoke(t *testing.T, clientID, secret, tok string) {
	t.Helper()
	status, _, body := f.post(t, "/oauth2/revoke", clientID, secret, url.Values{"token": {tok}})
	if status != http.StatusOK || len(body) != 0 {
		t.Fatalf("revoke: %d %s", status, body)
	}
}

func (f *oauthFixture) userinfo(t *testing.T, method, path, authorization string, form url.Values) (int, http.Header, map[string]any) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, f.s.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	status, h, raw := send(t, req)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("userinfo %d %s: %v", status, raw, err)
	}
	return status, h, m
}

func (f *oauthFixture) expectUserinfoRefused(t *testing.T, tok string) {
	t.Helper()
	status, h, m := f.userinfo(t, http.MethodGet, "/oauth2/userinfo", "Bearer "+tok, nil)
	if status != http.StatusUnauthorized || m["error"] != "invalid_token" || !strings.Contains(h.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Fatalf("userinfo: %d %v %q", status, m, h.Get("WWW-Authenticate"))
	}
}

func (f *oauthFixture) auditCount(t *testing.T, typ, result string) int {
	t.Helper()
	var l struct{ Total int }
	f.s.Do(http.MethodGet, "/admin/v1/pools/"+f.pool+"/audit-logs?type="+typ+"&result="+result, nil).Expect(200).Decode(&l)
	return l.Total
}

func TestRefreshRotationAndReuse(t *testing.T) {
	eachOAuth(t, func(t *testing.T, f *oauthFixture) {
		first := f.signIn(t, f.app, f.user)
		f.clock.Add(10 * time.Second)
		second := f.mustRefresh(t, first.RefreshToken)
		if second.RefreshToken == first.RefreshToken || second.TokenType != "Bearer" || second.ExpiresIn != 600 || second.Scope != "openid" {
			t.Fatalf("rotation: %+v", second)
		}
		// The sign-in's auth_time and amr carry over; the tokens are new.
		old, cur := servertest.Claims(t, first.AccessToken), servertest.Claims(t, second.AccessToken)
		if cur["auth_time"] != old["auth_time"] || cur["sub"] != f.user.ID || cur["jti"] == old["jti"] || cur["iat"] == old["iat"] {
			t.Fatalf("claims after refresh: %v (before %v)", cur, old)
		}
		if amr, _ := json.Marshal(servertest.Claims(t, second.IDToken)["amr"]); string(amr) != `["otp","sms"]` {
			t.Fatalf("amr %s", amr)
		}
		// The form and the JSON body both work; pool-scoped too.
		third := tokenJSON{}
		f.s.DoWith(http.MethodPost, "/pools/"+f.pool+"/oauth2/token", servertest.BasicAuth(f.clientID, f.secret),
			map[string]any{"grant_type": "refresh_token", "refresh_token": second.RefreshToken}).Expect(200).Decode(&third)
		if third.RefreshToken == "" {
			t.Fatal("no refresh token")
		}
		if m, _ := f.introspect(t, "/oauth2/introspect", third.RefreshToken); m["active"] != true || m["token_type"] != "refresh_token" ||
			m["sub"] != f.user.ID || m["client_id"] != f.clientID {
			t.Fatalf("introspect live refresh token: %v", m)
		}
		f.expectInactive(t, second.RefreshToken) // rotated

		// Later reuse of a rotated token revokes the family: the newest token dies too.
		f.clock.Add(session.RaceWindow)
		f.refreshRefused(t, f.clientID, f.secret, first.RefreshToken, "Unknown or expired refresh_token")
		f.refreshRefused(t, f.clientID, f.secret, third.RefreshToken, "")
		f.expectInactive(t, third.RefreshToken)
		if n := f.auditCount(t, "REFRESH", "success"); n != 2 {
			t.Fatalf("REFRESH success events: %d", n)
		}
		if n := f.auditCount(t, "REFRESH", "failure"); n != 2 {
			t.Fatalf("REFRESH failure events: %d", n)
		}
		var events struct {
			Items []struct {
				UserID        string `json:"user_id"`
				ApplicationID string `json:"application_id"`
				Actor         string `json:"actor"`
				IP            string `json:"ip"`
			}
		}
		f.s.Do(http.MethodGet, "/admin/v1/pools/"+f.pool+"/audit-logs?type=REFRESH", nil).Expect(200).Decode(&events)
		for _, e := range events.Items {
			if e.UserID != f.user.ID || e.Actor != f.user.ID || e.ApplicationID != f.app.ID || e.IP == "" {
				t.Fatalf("REFRESH event %+v", e)
			}
		}

		// Another sign-in's family is untouched.
		other := f.signIn(t, f.app, f.user)
		f.mustRefresh(t, other.RefreshToken)
	})
}

func TestRefreshRace(t *testing.T) {
	eachOAuth(t, func(t *testing.T, f *oauthFixture) {
		rt := f.signIn(t, f.app, f.user).RefreshToken
		const n = 20
		var wg sync.WaitGroup
		statuses := make([]int, n)
		tokens := make([]tokenJSON, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				req, _ := http.NewRequest(http.MethodPost, f.s.URL+"/oauth2/token",
					strings.NewReader(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Authorization", servertest.BasicAuth(f.clientID, f.secret))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				defer resp.Body.Close()
				statuses[i] = resp.StatusCode
				_ = json.NewDecoder(resp.Body).Decode(&tokens[i])
			}()
		}
		close(start)
		wg.Wait()
		var winner *tokenJSON
		for i, s := range statuses {
			switch {
			case s == http.StatusOK && winner == nil:
				winner = &tokens[i]
			case s == http.StatusOK:
				t.Fatal("two concurrent refreshes with one token won")
			case s != http.StatusBadRequest || tokens[i].Error != "invalid_grant":
				t.Fatalf("loser: %d %+v", s, tokens[i])
			}
		}
		if winner == nil {
			t.Fatal("no refresh won")
		}
		// Losing a race is not reuse: the winner's family lives on.
		f.mustRefresh(t, winner.RefreshToken)
	})
}

func TestRefreshRefusals(t *testing.T) {
	eachOAuth(t, func(t *testing.T, f *oauthFixture) {
		rt := f.signIn(t, f.app, f.user).RefreshToken

		// Another client of the pool cannot use it, and its attempt harms nothing.
		_, otherID, otherSecret := f.newApp(t, f.pool, map[string]any{"type": "web", "name": "Other", "refresh_token_enabled": true})
		f.refreshRefused(t, otherID, otherSecret, rt, "Unknown or expired refresh_token")
		// Nor does an unknown token, a wrong secret or a missing one.
		f.refreshRefused(t, f.clientID, f.secret, "nope", "Unknown or expired refresh_token")
		if status, tok := f.refresh(t, f.clientID, "wrong", rt); status != 401 || tok.Error != "invalid_client" {
			t.Fatalf("wrong secret: %d %+v", status, tok)
		}
		if status, tok := f.refresh(t, f.clientID, f.secret, ""); status != 400 || tok.Error != "invalid_request" {
			t.Fatalf("no token: %d %+v", status, tok)
		}
		rt = f.mustRefresh(t, rt).RefreshToken

		// A frozen user cannot refresh; unfrozen, the token works again.
		userPath := "/admin/v1/pools/" + f.pool + "/users/" + f.user.ID
		f.s.Do(http.MethodPost, userPath+"/freeze", nil).Expect(200)
		f.refreshRefused(t, f.clientID, f.secret, rt, "Abnormal user status")
		f.s.Do(http.MethodPost, userPath+"/unfreeze", nil).Expect(200)
		f.s.Do(http.MethodPost, userPath+"/lock", nil).Expect(200)
		f.refreshRefused(t, f.clientID, f.secret, rt, "Abnormal user status")
		f.s.Do(http.MethodPost, userPath+"/unlock", nil).Expect(200)
		rt = f.mustRefresh(t, rt).RefreshToken

		// Expired (the application's refresh token lifetime is one hour).
		f.clock.Add(time.Hour)
		f.refreshRefused(t, f.clientID, f.secret, rt, "Unknown or expired refresh_token")
		f.expectInactive(t, rt)

		// An application without refresh tokens may not use the grant.
		_, noID, noSecret := f.newApp(t, f.pool, map[string]any{"type": "web", "name": "No refresh"})
		if status, tok := f.refresh(t, noID, noSecret, rt); status != 400 || tok.Error != "unauthorized_client" {
			t.Fatalf("refresh disabled: %d %+v", status, tok)
		}
	})
}

func TestClientCredentials(t *testing.T) {
	eachOAuth(t, func(t *testing.T, f *oauthFixture) {
		_, m2mID, m2mSecret := f.newApp(t, f.pool, map[string]any{"type": "m2m", "name": "Batch"})
		status, _, body := f.post(t, "/oauth2/token", m2mID, m2mSecret, url.Values{"grant_type": {"client_credentials"}})
		var tok map[string]any
		_ = json.Unmarshal(body, &tok)
		if status != 200 || tok["token_type"] != "Bearer" || tok["access_token"] == nil || tok["id_token"] != nil || tok["refresh_token"] != nil {
			t.Fatalf("client_credentials: %d %s", status, body)
		}
		access := tok["access_token"].(string)
		if c := servertest.Claims(t, access); c["sub"] != m2mID || c["client_id"] != m2mID || c["aud"] != m2mID || c["scope"] != nil {
			t.Fatalf("claims %v", c)
		}
		m, _ := f.introspect(t, "/oauth2/introspect", access)
		if m["active"] != true || m["sub"] != m2mID || m["token_type"] != "Bearer" {
			t.Fatalf("introspect: %v", m)
		}
		f.expectUserinfoRefused(t, access) // no user behind it

		status, _, body = f.post(t, "/pools/"+f.pool+"/oauth2/token", m2mID, m2mSecret,
			url.Values{"grant_type": {"client_credentials"}, "scope": {"openid"}})
		if status != 200 || !strings.Contains(string(body), `"scope":"openid"`) {
			t.Fatalf("with openid: %d %s", status, body)
		}
		status, _, body = f.post(t, "/oauth2/token", m2mID, m2mSecret, url.Values{"grant_type": {"client_credentials"}, "scope": {"admin"}})
		if status != 400 || !strings.Contains(string(body), `"invalid_scope"`) {
			t.Fatalf("unknown scope: %d %s", status, body)
		}
		status, _, body = f.post(t, "/oauth2/token", f.clientID, f.secret, url.Values{"grant_type": {"client_credentials"}})
		if status != 400 || !strings.Contains(string(body), `"unauthorized_client"`) {
			t.Fatalf("web app: %d %s", status, body)
		}
		status, _, _ = f.post(t, "/oauth2/token", m2mID, "wrong", url.Values{"grant_type": {"client_credentials"}})
		if status != 401 {
			t.Fatalf("wrong secret: %d", status)
		}
		if n := f.auditCount(t, "LOGIN", "success"); n != 2 {
			t.Fatalf("LOGIN events: %d", n)
		}
	})
}

func TestRevoke(t *testing.T) {
	eachOAuth(t, func(t *testing.T, f *oauthFixture) {
		// Revoking a refresh token ends its family, including earlier-rotated members' successors.
		first := f.signIn(t, f.app, f.user)
		second := f.mustRefresh(t, first.RefreshToken)
		f.revoke(t, f.clientID, f.secret, second.RefreshToken)
		f.expectInactive(t, second.RefreshToken)
		f.refreshRefused(t, f.clientID, f.secret, second.RefreshToken, "")
		f.revoke(t, f.clientID, f.secret, second.RefreshToken) // again: still 200

		// Revoking an access token: introspection and userinfo treat it as dead at once.
		live := f.signIn(t, f.app, f.user)
		if status, _, _ := f.userinfo(t, http.MethodGet, "/oauth2/userinfo", "Bearer "+live.AccessToken, nil); status != 200 {
			t.Fatalf("userinfo before revoke: %d", status)
		}
		f.revoke(t, f.clientID, f.secret, live.AccessToken)
		f.expectInactive(t, live.AccessToken)
		f.expectUserinfoRefused(t, live.AccessToken)
		// Its refresh token is another matter: it still works.
		f.mustRefresh(t, live.RefreshToken)

		// A token revoked while its user is frozen stays revoked when the user is unfrozen.
		frozen := f.signIn(t, f.app, f.user)
		userPath := "/admin/v1/pools/" + f.pool + "/users/" + f.user.ID
		f.s.Do(http.MethodPost, userPath+"/freeze", nil).Expect(200)
		f.revoke(t, f.clientID, f.secret, frozen.AccessToken)
		f.s.Do(http.MethodPost, userPath+"/unfreeze", nil).Expect(200)
		f.expectUserinfoRefused(t, frozen.AccessToken)
		f.expectInactive(t, frozen.AccessToken)

		// Unknown tokens, and tokens of another client, answer 200 and change nothing.
		f.revoke(t, f.clientID, f.secret, "unknown")
		f.revoke(t, f.clientID, f.secret, "a.b.c")
		_, otherID, otherSecret := f.newApp(t, f.pool, map[string]any{"type": "web", "name": "Other", "refresh_token_enabled": true})
		victim := f.signIn(t, f.app, f.user)
		f.revoke(t, otherID, otherSecret, victim.RefreshToken)
		f.revoke(t, otherID, otherSecret, victim.AccessToken)
		if m, _ := f.introspect(t, "/oauth2/introspect", victim.AccessToken); m["active"] != true {
			t.Fatalf("another client revoked an access token: %v", m)
		}
		f.mustRefresh(t, victim.RefreshToken)

		// Client authentication is required; a client of another pool is refused under this pool.
		if status, _, body := f.post(t, "/oauth2/revoke", f.clientID, "wrong", url.Values{"token": {"x"}}); status != 401 ||
			!strings.Contains(string(body), "invalid_client") {
			t.Fatalf("wrong secret: %d %s", status, body)
		}
		if status, _, _ := f.post(t, "/oauth2/revoke", f.clientID, f.secret, url.Values{}); status != 400 {
			t.Fatalf("no token: %d", status)
		}
		otherPool := createPool(t, f.s, "Elsewhere")
		if status, _, _ := f.post(t, "/pools/"+otherPool+"/oauth2/revoke", f.clientID, f.secret, url.Values{"token": {"x"}}); status != 401 {
			t.Fatalf("client of another pool: %d", status)
		}
		if n := f.auditCount(t, "LOGOUT", "success"); n != 3 {
			t.Fatalf("LOGOUT events: %d", n)
		}
	})
}

func TestIntrospect(t *testing.T) {
	eachOAuth(t, func(t *testing.T, f *oauthFixture) {
		tok := f.signIn(t, f.app, f.user)
		for _, path := range []string{"/oauth2/introspect", "/pools/" + f.pool + "/oauth2/introspect"} {
			m, _ := f.introspect(t, path, tok.AccessToken)
			c := servertest.Claims(t, tok.AccessToken)
			if m["active"] != true || m["sub"] != f.user.ID || m["client_id"] != f.clientID || m["scope"] != "openid" ||
				m["exp"] != c["exp"] || m["iat"] != c["iat"] || m["iss"] != f.s.URL+"/pools/"+f.pool || m["aud"] != f.clientID ||
				m["token_type"] != "Bearer" {
				t.Fatalf("%s: %v", path, m)
			}
		}
		// An ID token is not an access token; garbage and another pool's tokens are inactive.
		f.expectInactive(t, tok.IDToken)
		f.expectInactive(t, "garbage")
		f.expectInactive(t, "x.y.z")
		otherPool := createPool(t, f.s, "Elsewhere")
		otherApp, _, _ := f.newApp(t, otherPool, map[string]any{"type": "web", "name": "W", "refresh_token_enabled": true})
		foreign := f.signIn(t, otherApp, f.newUser(t, otherPool, "bob", "bob@example.com"))
		f.expectInactive(t, foreign.AccessToken)
		f.expectInactive(t, foreign.RefreshToken)
		// Expired.
		f.clock.Add(10 * time.Minute)
		f.expectInactive(t, tok.AccessToken)
		// JSON bodies are accepted too; client authentication is required.
		r := f.s.DoWith(http.MethodPost, "/oauth2/introspect", servertest.BasicAuth(f.clientID, f.secret), map[string]any{"token": tok.RefreshToken}).Expect(200)
		if r.Map()["active"] != true {
			t.Fatalf("refresh token: %s", r.Body)
		}
		f.s.DoWith(http.MethodPost, "/oauth2/introspect", "", map[string]any{"token": tok.RefreshToken}).ExpectError(401, "invalid_client")
		// A public client proves nothing by its client_id: it may not scan tokens.
		_, spaID, _ := f.newApp(t, f.pool, map[string]any{"type": "spa", "name": "SPA"})
		if status, _, body := f.post(t, "/oauth2/introspect", spaID, "", url.Values{"token": {tok.RefreshToken}}); status != 401 ||
			!strings.Contains(string(body), `"invalid_client"`) || strings.Contains(string(body), "active") {
			t.Fatalf("a public client introspected: %d %s", status, body)
		}
	})
}

// Tokens, malformed or forged in every part, are inactive to introspection, nothing to revoke
// and refused by userinfo: never a server error.
func TestMalformedTokens(t *testing.T) {
	eachOAuth(t, func(t *testing.T, f *oauthFixture) {
		tok := f.signIn(t, f.app, f.user)
		parts := strings.Split(tok.AccessToken, ".")
		enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
		header := func() (h struct{ Kid string }) {
			raw, err := base64.RawURLEncoding.DecodeString(parts[0])
			if err != nil || json.Unmarshal(raw, &h) != nil {
				t.Fatalf("the token's header %q", parts[0])
			}
			return h
		}()
		iss := f.s.URL + "/pools/" + f.pool
		for _, bad := range []string{
			"..", "a..", ".b.", "..c", parts[0] + ".." + parts[2], parts[0] + "." + parts[1] + ".",
			enc(`{"alg":"none"}`) + "." + parts[1] + ".",
			enc(`{"alg":"RS256","kid":123}`) + "." + parts[1] + "." + parts[2],
			enc(`{"alg":"RS256","kid":"x","b64":false,"crit":["b64"]}`) + "." + parts[1] + "." + parts[2],
			enc(`[]`) + "." + enc(`{"iss":"`+iss+`"}`) + ".x",
			enc(`{"alg":"HS256","kid":"`+header.Kid+`"}`) + "." + parts[1] + "." + parts[2],
			enc(`{"alg":"RS256"}`) + "." + enc(`{"iss":"`+f.s.URL+`/pools/%2e%2e"}`) + "." + parts[2],
			enc(`{"alg":"RS256","kid":"k"}`) + "." + enc(`{"iss":"`+f.s.URL+`/pools/`+strings.Repeat("x", 5000)+`"}`) + "." + parts[2],
		} {
			for _, path := range []string{"/oauth2/introspect", "/oauth2/revoke"} {
				status, _, body := f.post(t, path, f.clientID, f.secret, url.Values{"token": {bad}})
				if status != 200 || path == "/oauth2/introspect" && strings.TrimSpace(string(body)) != `{"active":false}` {
					t.Errorf("%s %q: %d %s", path, bad, status, body)
				}
			}
			if status, _, m := f.userinfo(t, http.MethodGet, "/oauth2/userinfo", "Bearer "+bad, nil); status != 401 {
				t.Errorf("userinfo %q: %d %v", bad, status, m)
			}
		}
	})
}

// An application may have a longer token lifetime than the server allows (the operator can
// lower GATEHOUSE_MAX_TOKEN_TTL at any time): its tokens then live as long as the server allows.
func TestTokenLifetimeWithinServerMaximum(t *testing.T) {
	clock := servertest.NewClock(time.Now().UTC().Truncate(time.Second))
	s := servertest.Start(t, "sqlite", servertest.WithClock(clock), func(c *server.Config, _ *server.Overrides) {
		c.MaxTokenTTL = time.Hour
	})
	pool := createPool(t, s, "Shop")
	m2m := createApp(t, s, pool, map[string]any{"type": "m2m", "name": "M", "access_token_ttl_seconds": 7200})
	r := s.DoWith(http.MethodPost, "/oauth2/token", servertest.BasicAuth(m2m["client_id"].(string), m2m["client_secret"].(string)),
		map[string]any{"grant_type": "client_credentials"}).Expect(200)
	tok := r.Map()
	claims := servertest.Claims(t, tok["access_token"].(string))
	if tok["expires_in"] != float64(3600) || claims["exp"].(float64)-claims["iat"].(float64) != 3600 {
		t.Fatalf("expires_in %v, exp-iat %v; want the server's maximum, 3600", tok["expires_in"], claims["exp"].(float64)-claims["iat"].(float64))
	}
}

func TestUserinfo(t *testing.T) {
	eachOAuth(t, func(t *testing.T, f *oauthFixture) {
		tok := f.signIn(t, f.app, f.user)
		want := map[string]any{"sub": f.user.ID, "email": "ann@example.com", "preferred_username": "ann"}
		check := func(name string, status int, m map[string]any) {
			t.Helper()
			if status != 200 || len(m) != len(want) {
				t.Fatalf("%s: %d %v", name, status, m)
			}
			for k, v := range want {
				if m[k] != v {
					t.Fatalf("%s: %s = %v, want %v", name, k, m[k], v)
				}
			}
		}
		for _, path := range []string{"/oauth2/userinfo", "/pools/" + f.pool + "/oauth2/userinfo"} {
			status, _, m := f.userinfo(t, http.MethodGet, path, "Bearer "+tok.AccessToken, nil)
			check("GET "+path, status, m)
			status, _, m = f.userinfo(t, http.MethodPost, path, "Bearer "+tok.AccessToken, nil)
			check("POST "+path, status, m)
			status, _, m = f.userinfo(t, http.MethodPost, path, "", url.Values{"access_token": {tok.AccessToken}})
			check("POST form "+path, status, m)
		}
		// Another pool's path refuses the token; so does a missing or malformed header.
		otherPool := createPool(t, f.s, "Elsewhere")
		if status, _, m := f.userinfo(t, http.MethodGet, "/pools/"+otherPool+"/oauth2/userinfo", "Bearer "+tok.AccessToken, nil); status != 401 || m["error"] != "invalid_token" {
			t.Fatalf("other pool: %d %v", status, m)
		}
		if status, h, m := f.userinfo(t, http.MethodGet, "/oauth2/userinfo", "", nil); status != 401 || m["error"] != "invalid_token" ||
			h.Get("WWW-Authenticate") == "" {
			t.Fatalf("no token: %d %v", status, m)
		}
		if status, _, _ := f.userinfo(t, http.MethodGet, "/oauth2/userinfo", "Basic abc", nil); status != 401 {
			t.Fatalf("basic: %d", status)
		}
		f.expectUserinfoRefused(t, tok.IDToken) // an ID token is not an access token
		f.expectUserinfoRefused(t, "x.y.z")
		// A frozen user's token stops working.
		userPath := "/admin/v1/pools/" + f.pool + "/users/" + f.user.ID
		f.s.Do(http.MethodPost, userPath+"/freeze", nil).Expect(200)
		f.expectUserinfoRefused(t, tok.AccessToken)
		f.s.Do(http.MethodPost, userPath+"/unfreeze", nil).Expect(200)
		// Expired.
		f.clock.Add(10 * time.Minute)
		f.expectUserinfoRefused(t, tok.AccessToken)
	})
}

// A 401 challenges with the scheme of the authentication that failed: Basic for a client's
// (RFC 6749 §5.2), however the client sent its credentials, Bearer for a token's (RFC 6750).
func TestChallenges(t *testing.T) {
	eachOAuth(t, func(t *testing.T, f *oauthFixture) {
		const basic, bearer = `Basic realm="gatehouse"`, `Bearer realm="gatehouse", error="invalid_token"`
		expect := func(name string, status int, h http.Header, raw []byte, code, challenge string) {
			t.Helper()
			var e struct{ Error string }
			_ = json.Unmarshal(raw, &e)
			if status != http.StatusUnauthorized || e.Error != code || h.Get("WWW-Authenticate") != challenge {
				t.Errorf("%s: %d %s %q, want 401 %s %q", name, status, e.Error, h.Get("WWW-Authenticate"), code, challenge)
			}
		}
		request := func(path, authorization, contentType, body string) (int, http.Header, []byte) {
			req, err := http.NewRequest(http.MethodPost, f.s.URL+path, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", contentType)
			if authorization != "" {
				req.Header.Set("Authorization", authorization)
			}
			return send(t, req)
		}
		const form = "application/x-www-form-urlencoded"
		otp := `{"phone_number":"13612345678","auth_source_id":"x"}`
		for _, prefix := range []string{"", "/pools/" + f.pool} {
			for path, params := range map[string]string{"/oauth2/token": "grant_type=refresh_token&refresh_token=x",
				"/oauth2/revoke": "token=x", "/oauth2/introspect": "token=x"} {
				path = prefix + path
				status, h, raw := request(path, servertest.BasicAuth(f.clientID, "wrong"), form, params)
				expect(path+" wrong Basic secret", status, h, raw, "invalid_client", basic)
				status, h, raw = request(path, "", form, params+"&client_id="+f.clientID+"&client_secret=wrong")
				expect(path+" wrong body secret", status, h, raw, "invalid_client", basic)
				status, h, raw = request(path, "", form, params)
				expect(path+" no client", status, h, raw, "invalid_client", basic)
				status, h, raw = request(path, "Bearer x", form, params)
				expect(path+" Bearer for a client", status, h, raw, "invalid_client", basic)
			}
			path := prefix + "/otp/send"
			status, h, raw := request(path, servertest.BasicAuth(f.clientID, "wrong"), "application/json", otp)
			expect(path+" wrong Basic secret", status, h, raw, "invalid_client", basic)
			status, h, raw = request(path, "", "application/json", otp)
			expect(path+" no client", status, h, raw, "invalid_client", basic)

			path = prefix + "/oauth2/userinfo"
			status, h, raw = request(path, "", form, "")
			expect(path+" no token", status, h, raw, "invalid_token", bearer)
			status, h, raw = request(path, servertest.BasicAuth(f.clientID, f.secret), form, "")
			expect(path+" Basic for a token", status, h, raw, "invalid_token", bearer)
		}
		r := f.s.DoWith(http.MethodGet, "/admin/v1/pools", "Bearer wrong", nil)
		expect("admin API", r.Status, r.Header, r.Body, "invalid_token", bearer)
		r = f.s.DoWith(http.MethodGet, "/admin/v1/pools", servertest.BasicAuth(f.clientID, f.secret), nil)
		expect("admin API with a client's Basic", r.Status, r.Header, r.Body, "invalid_token", bearer)
	})
}

// Every OAuth endpoint reads its body the same way: at most 16 KiB, valid form encoding, each
// parameter once; the token, revocation and introspection endpoints take JSON too.
func TestOAuthBodies(t *testing.T) {
	eachOAuth(t, func(t *testing.T, f *oauthFixture) {
		tok := f.signIn(t, f.app, f.user)
		at, rt := tok.AccessToken, tok.RefreshToken
		const form = "application/x-www-form-urlencoded"
		big := "pad=" + strings.Repeat("x", 16<<10)
		type body struct{ contentType, text string }
		cases := map[string]struct {
			ok      body
			refused []body
		}{
			"/oauth2/token": {body{form, "grant_type=refresh_token&refresh_token=" + rt},
				[]body{{form, "grant_type=refresh_token&" + big}, {form, "grant_type=%zz"},
					{form, "grant_type=refresh_token&grant_type=refresh_token"}, {"text/plain", "grant_type=refresh_token"}}},
			"/oauth2/revoke": {body{"application/json", `{"token":"x"}`},
				[]body{{form, "token=x&" + big}, {form, "token=%zz"}, {form, "token=x&token=y"}, {"text/plain", "token=x"}}},
			"/oauth2/introspect": {body{form, "token=x"},
				[]body{{form, "token=x&" + big}, {form, "token=%zz"}, {form, "token=x&token=y"}, {"text/plain", "token=x"}}},
			"/oauth2/userinfo": {body{form, "access_token=" + at},
				[]body{{form, "access_token=" + at + "&" + big}, {form, "access_token=%zz"},
					{form, "access_token=" + at + "&access_token=" + at}, {form, "access_token=" + at + "&x=1&x=2"}}},
		}
		for path, c := range cases {
			do := func(b body) (int, string) {
				req, err := http.NewRequest(http.MethodPost, f.s.URL+path, strings.NewReader(b.text))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", b.contentType)
				if path != "/oauth2/userinfo" {
					req.Header.Set("Authorization", servertest.BasicAuth(f.clientID, f.secret))
				}
				status, _, raw := send(t, req)
				var e struct{ Error string }
				_ = json.Unmarshal(raw, &e)
				return status, e.Error
			}
			if status, code := do(c.ok); status != http.StatusOK {
				t.Errorf("%s %q: %d %s", path, c.ok.text, status, code)
			}
			for _, b := range c.refused {
				if status, code := do(b); status != http.StatusBadRequest || code != domain.CodeInvalidRequest {
					t.Errorf("%s %s %.40q: %d %s, want 400 invalid_request", path, b.contentType, b.text, status, code)
				}
			}
		}
	})
}
